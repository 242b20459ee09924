"""Reading a config tree through its includes, for every format that includes files.

:class:`TreeLoader` holds what a format's loader shares with the others: each
file parsed once and known by its real path (a symlink and its target are
one file), reads kept inside the scanned tree (or the folders the command
line maps or allows), absolute paths mapped onto the tree, and load problems
recorded once per place. The format's loader says how its includes are
written and what its server does with them.
"""

from __future__ import annotations

import glob
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from authlint.model.source import SourceFile, Span, display_path
from authlint.model.workspace import LoadProblem, ProblemKind

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from authlint.formats import IncludeOptions
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace

OUTSIDE_LINK_FIX = (
    "Read what it points at with `--follow-outside-includes`, or scan a folder that holds it too."
)


@dataclass(frozen=True)
class Resolution:
    """What an include reads; for a ``problem``, why, how to fix it, and what it points at.

    ``target`` names the unread file (its path as the server would open it), so
    that every include of one target is reported once; ``stock`` is a stock file
    of the server's packages read in its place (nginx's ``fastcgi_params``).
    """

    files: tuple[Path, ...]
    problem: ProblemKind | None = None
    reason: str = ""
    stock: str | None = None
    fix: str | None = None
    target: str | None = None


class TreeLoader(ABC):
    """Loads one scanned tree's files of a format into a workspace.

    ``boundary`` is the tree includes may read from; ``display_root`` is what
    reported paths are relative to. ``names`` overrides that for files known
    by their real path: files written out from standard input are reported
    under the names they stand for.
    """

    format: str

    def __init__(
        self,
        workspace: Workspace,
        boundary: Path,
        display_root: Path,
        options: IncludeOptions,
        names: Mapping[Path, str] | None = None,
    ) -> None:
        self.workspace = workspace
        self.boundary = boundary
        self.display_root = display_root
        self.options = options
        self.names = names or {}
        self._sources: dict[Path, SourceFile] = {}
        self._reported: set[tuple[ProblemKind, int]] = set()
        self._reals: dict[Path, Path] = {}
        self._allowed_roots = (boundary, *(target for _, target in options.maps))

    @abstractmethod
    def parsed(self, source: SourceFile) -> None:
        """Parse ``source`` from its file, recording what its server would refuse."""

    @abstractmethod
    def included_by(self, source: SourceFile) -> Iterator[Path]:
        """The files ``source``'s includes read, read as a file alone."""

    def standalone_roots(self, sources: list[SourceFile]) -> Iterator[SourceFile]:
        """The files no other of ``sources`` includes, then the others (cycles)."""
        included: set[Path] = set()
        for source in sources:
            for path in self.included_by(source):
                real = Path(os.path.realpath(path))
                if real != source.abspath:
                    included.add(real)
        yield from (source for source in sources if source.abspath not in included)
        yield from (source for source in sources if source.abspath in included)

    def source(self, path: Path) -> SourceFile:
        """The parsed file at ``path`` (known by its real path), parsed on first use."""
        source = self._sources.get(path)
        if source is not None:
            return source
        real = self.real(path)
        source = self._sources.get(real)
        if source is None:
            source = self._sources[real] = SourceFile(self.display(real), real, self.format)
            self.workspace.files.append(source)
            self.parsed(source)
        self._sources[path] = source
        return source

    def candidate_sources(self, candidates: Iterable[Path]) -> list[SourceFile]:
        """Each candidate's parsed file once, in path order; one that links outside the
        tree is reported and left out."""
        found: dict[SourceFile, None] = {}
        for path in sorted(set(candidates)):
            if self.allowed(path):
                found[self.source(path)] = None
            else:
                self.report_outside_link(path)
        return list(found)

    def display(self, path: Path) -> str:
        name = self.names.get(path)
        return name if name is not None else display_path(path, self.display_root)

    def report_outside_link(self, path: Path) -> None:
        self.workspace.problems.append(
            LoadProblem(
                ProblemKind.INCLUDE_OUTSIDE_TREE,
                Span(self.display(path), 1, 1),
                f"`{shortened(self.display(path))}` links outside the scanned tree and was "
                "not read",
                OUTSIDE_LINK_FIX,
                format=self.format,
            )
        )

    def up_to_boundary(self, directory: Path) -> Iterator[Path]:
        """``directory`` and the folders above it, up to the scanned tree's top."""
        current = directory
        while True:
            yield current
            if current == self.boundary or current.parent == current:
                return
            if not current.is_relative_to(self.boundary):
                return
            current = current.parent

    def report(self, kind: ProblemKind, node: Node, message: str, fix: str | None = None) -> None:
        self.add_problem(LoadProblem(kind, node.span, message, fix, format=self.format), node)

    def add_problem(self, problem: LoadProblem, node: Node) -> None:
        """Record ``problem`` at ``node``, once per kind however often the node is read."""
        key = (problem.kind, id(node))
        if key not in self._reported:
            self._reported.add(key)
            self.workspace.problems.append(problem)

    def absolute_candidates(
        self, relative: PurePosixPath, mapped: list[Path], roots: tuple[Path, ...]
    ) -> tuple[list[Path], bool]:
        """Where an absolute include (``relative`` to ``/``) may be, and if that is in the tree.

        ``mapped`` are the places the format's own prefixes give it; ``roots``
        the folders that may mirror ``/``.
        """
        if self.options.mirror:
            return [self.boundary / relative], True
        # Mapped: the path names a place in the tree (an --include-map, or
        # the server's prefix where the main config stands). Mirrored: the
        # tree may hold a copy of / (etc/nginx/...), a guess only.
        target = PurePosixPath("/", relative)
        for prefix, folder in sorted(self.options.maps, key=lambda item: -len(item[0])):
            if target.is_relative_to(prefix):
                mapped = [folder / target.relative_to(prefix)]
                break
        mirrored = [root / relative for root in roots]
        outside = [Path("/", relative)] if self.options.follow_outside else []
        return [*mapped, *mirrored, *outside], bool(mapped or outside)

    def first_found(
        self, candidates: list[Path], expand: Callable[[Path], list[Path]]
    ) -> Resolution | None:
        """The files of the first candidate that holds any (``expand`` lists them), those
        that link outside the tree left out and reported; ``None``: no candidate does."""
        for candidate in candidates:
            matches = expand(candidate) if self.allowed(candidate) else []
            if matches:
                inside = tuple(match for match in matches if self.allowed(match))
                if len(inside) == len(matches):
                    return Resolution(inside)
                return Resolution(
                    inside,
                    ProblemKind.INCLUDE_OUTSIDE_TREE,
                    "matches files that link outside the scanned tree, which were not read",
                    fix="Read what the links point at with `--follow-outside-includes`, or "
                    "scan a folder that holds it too.",
                    target=str(candidate),
                )
        return None

    def allowed(self, path: Path) -> bool:
        if self.options.follow_outside:
            return True
        real = self.real(path)
        return any(real.is_relative_to(root) for root in self._allowed_roots)

    def real(self, path: Path) -> Path:
        """``path`` with symlinks resolved; each folder is resolved once per run."""
        real = self._reals.get(path)
        if real is None:
            folder = self._reals.get(path.parent)
            if folder is None:
                folder = self._reals[path.parent] = Path(os.path.realpath(path.parent))
            real = folder / path.name
            if os.path.islink(real) or path.name in ("", ".", ".."):
                real = Path(os.path.realpath(real))
            self._reals[path] = real
        return real


def outside(pattern: str, target: str) -> Resolution:
    """An include of a path outside the scanned tree: not read."""
    return Resolution(
        (),
        ProblemKind.INCLUDE_OUTSIDE_TREE,
        "points outside the scanned tree and was not read",
        fix=outside_fix(pattern),
        target=target,
    )


def outside_fix(pattern: str) -> str:
    """How to let authlint read an include outside the tree, in the include's own terms."""
    path = PurePosixPath(pattern)
    if not path.is_absolute():
        return (
            "Scan a folder that holds both this file and the included one, or read it "
            "where it is with `--follow-outside-includes`."
        )
    # `include /;` has no parent: the map is then of / itself.
    folder = next((parent for parent in path.parents if not glob.has_magic(str(parent))), path)
    return (
        f"Map `{shortened(str(folder))}` onto the folder of the tree that holds its files: "
        f"`--include-map {shortened(str(folder))}=DIR`; or read it where it is with "
        "`--follow-outside-includes`."
    )


def shortened(text: str, limit: int = 80) -> str:
    """``text`` as quoted in a message: a long one keeps its start and its end."""
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return f"{text[:half]}…{text[-half:]}"
