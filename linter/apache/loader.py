"""Loading Apache files into the model: each configuration read whole, as httpd reads it.

A server's main configuration (``apache2.conf``, ``httpd.conf``, or a file
that loads modules or sets ``ServerRoot``) is read with what it includes;
every other file (a virtual host, a snippet, an ``.htaccess``) that no main
configuration of the tree includes is read alone. Include paths resolve
against ``ServerRoot``, found in the tree as nginx's prefix is: the main
configuration's folder or one above it; absolute paths under the places
distributions keep httpd's configuration map onto it.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from authlint.apache import scopes
from authlint.apache.config import Expansion, Included, ServerConfig
from authlint.apache.format import is_htaccess
from authlint.apache.htaccess import (
    ALL_OVERRIDES,
    Overrides,
    ServedFolders,
    add_scope,
    refused,
)
from authlint.apache.modules import directive
from authlint.apache.parser import CONDITIONS, ApacheNode, parse_file
from authlint.apache.scopes import HTACCESS
from authlint.apache.settings import ApacheSettings
from authlint.includes import Resolution, TreeLoader, outside, shortened
from authlint.model.source import SourceFile, Span
from authlint.model.workspace import LoadProblem, ProblemKind, ReadBudget

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from authlint.formats import IncludeOptions
    from authlint.model.scope import Scope
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace
    from authlint.progress import Progress

FORMAT = "apache"
# Where distributions and builds keep httpd's ServerRoot.
SERVER_ROOTS = (
    "/etc/apache2",
    "/etc/httpd",
    "/usr/local/apache2",
    "/usr/local/etc/apache24",
    "/usr/local/etc/apache2",
    "/usr/local/etc/httpd",
    "/opt/homebrew/etc/httpd",
    "/etc/apache",
)
# Folders that hold what a main configuration in the folder above includes.
INCLUDED_DIRS = frozenset(
    {
        "sites-available",
        "sites-enabled",
        "conf-available",
        "conf-enabled",
        "mods-available",
        "mods-enabled",
        "conf.d",
        "conf.modules.d",
        "extra",
        "vhosts.d",
        "modules.d",
    }
)
MAIN_NAMES = frozenset({"apache2.conf", "httpd.conf"})
# Directives only a main configuration writes.
_MAIN_DIRECTIVES = frozenset({"loadmodule", "serverroot"})

# What a directive holds, in characters, as the read allowance counts replacements.
_CHARACTERS_PER_DIRECTIVE = 64


class ApacheLoader(TreeLoader):
    """Loads the Apache files of one scanned tree into a workspace."""

    format = FORMAT

    def __init__(
        self, workspace: Workspace, boundary: Path, display_root: Path, options: IncludeOptions
    ) -> None:
        super().__init__(workspace, boundary, display_root, options)
        self._covered: set[Path] = set()
        self._resolutions: dict[tuple[str, tuple[Path, ...], str | None], Resolution] = {}

    def parsed(self, source: SourceFile) -> None:
        self.workspace.problems.extend(
            LoadProblem(
                ProblemKind.PARSE_ERROR,
                Span(source.path, error.line, 1),
                error.message,
                error.fix,
                format=FORMAT,
            )
            for error in parse_file(source)
        )
        self.workspace.reading.parsed += _count(source.nodes or source.partial_nodes)

    def load(self, candidates: Iterable[Path]) -> list[ServerConfig]:
        """Read each candidate once: main configurations with what they include, then the
        files none of them includes, each alone."""
        sources = self.candidate_sources(candidates)
        configs = []
        for source in sources:
            if _is_main(source) and source.abspath not in self._covered:
                configs += self._read(source, main=True)
        rest = [source for source in sources if source.abspath not in self._covered]
        for source in self.standalone_roots(rest):
            if source.abspath not in self._covered:
                configs += self._read(source, main=False)
        return configs

    def _read(self, source: SourceFile, main: bool) -> list[ServerConfig]:
        self._covered.add(source.abspath)
        expansion = Expansion(self, source, self._server_roots(source, main), main)
        if source.nodes is None:
            # Nothing it configures is known, so nothing it includes is read
            # out of its context either.
            self._cover(source.partial_nodes, expansion, (source,))
            return []
        return [expansion.run()]

    def _server_roots(self, source: SourceFile, main: bool) -> tuple[Path, ...]:
        """Where ``ServerRoot`` may be: the file's folder and those above, a folder of
        included files (``sites-enabled``) after the one above it."""
        folders = list(self.up_to_boundary(source.abspath.parent))
        if not main and len(folders) > 1 and folders[0].name in INCLUDED_DIRS:
            folders[0], folders[1] = folders[1], folders[0]
        return tuple(folders)

    def included_by(self, source: SourceFile) -> Iterator[Path]:
        expansion = Expansion(self, source, self._server_roots(source, False), False)
        for node in _include_nodes(source.nodes or source.partial_nodes):
            yield from self._resolve(node, expansion).files

    def _cover(
        self, nodes: list[Node], expansion: Expansion, stack: tuple[SourceFile, ...]
    ) -> None:
        """Mark, without reading them as configurations, the files ``nodes`` include."""
        for node in _include_nodes(nodes):
            for path in self._resolve(node, expansion).files:
                source = self.source(path)
                if source.abspath not in self._covered and source not in stack:
                    self._covered.add(source.abspath)
                    self._cover(source.nodes or source.partial_nodes, expansion, (*stack, source))

    # What an expansion asks of the loader.

    def included(self, node: ApacheNode, expansion: Expansion) -> Included:
        resolution = self._resolve(node, expansion)
        if resolution.problem is not None:
            self.add_problem(
                LoadProblem(
                    resolution.problem,
                    node.span,
                    f"{node.name} `{shortened(node.arg(0))}` {resolution.reason}; what it "
                    "configures is unknown",
                    resolution.fix,
                    resolution.target,
                    FORMAT,
                ),
                node,
            )
        for path in resolution.files:
            self._covered.add(self.real(path))
        return Included(resolution.files, unread=resolution.problem is not None)

    def file_exists(self, written: str, expansion: Expansion) -> bool | None:
        candidates, _ = self._candidates(written, expansion)
        if any(self.allowed(path) and path.exists() for path in candidates):
            return True
        return None

    def refused(self, node: Node, message: str, fix: str | None = None) -> None:
        self.report(ProblemKind.PARSE_ERROR, node, message, fix)

    def cycle(self, node: Node, chain: tuple[SourceFile, ...]) -> None:
        path = " -> ".join(item.path for item in chain)
        self.report(
            ProblemKind.INCLUDE_CYCLE,
            node,
            f"include cycle: {path}; httpd refuses a configuration that includes itself "
            '("Exceeded maximum include depth")',
        )

    def spend(self, directives: int) -> None:
        self.workspace.reading.spent += directives

    def may_include(self, node: Node) -> bool:
        self.workspace.reading.spent += ReadBudget.PER_INCLUDE
        return self._within_allowance(node)

    def may_expand(self, node: Node, characters: int) -> bool:
        """Whether ``${NAME}`` replacements that bring ``characters`` into a line may go on:
        they are read as directives of :data:`_CHARACTERS_PER_DIRECTIVE` characters each
        (a `Define` of two others, again and again, doubles at every line)."""
        self.workspace.reading.spent += characters // _CHARACTERS_PER_DIRECTIVE
        return self._within_allowance(node)

    def _within_allowance(self, node: Node) -> bool:
        reading = self.workspace.reading
        if reading.allows_more():
            return True
        if not reading.said:
            reading.said = True
            self.report(
                ProblemKind.PARSE_ERROR,
                node,
                "reading stopped here: the run read more through includes, macros and "
                "`${NAME}` replacements than "
                f"authlint reads ({ReadBudget.BASE:,} directives, plus "
                f"{ReadBudget.PER_PARSED} per directive of its files)",
                "Include each file (and use each macro) once where it is needed, and build no "
                "`Define` from several others level after level: each level multiplies what "
                "httpd reads.",
            )
        return False

    # Resolution.

    def _resolve(self, node: Node, expansion: Expansion) -> Resolution:
        pattern = node.arg(0)
        key = (pattern, expansion.server_roots, expansion.server_root)
        cached = self._resolutions.get(key)
        if cached is None:
            optional = isinstance(node, ApacheNode) and node.key == "includeoptional"
            try:
                cached = self._resolve_pattern(pattern, expansion, optional)
            except (OSError, ValueError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "invalid"
                cached = Resolution((), ProblemKind.PARSE_ERROR, f"cannot be read: {reason}")
            self._resolutions[key] = cached
        return cached

    def _resolve_pattern(self, pattern: str, expansion: Expansion, optional: bool) -> Resolution:
        if not pattern:
            return Resolution(())
        if "${" in pattern:
            return Resolution(
                (),
                ProblemKind.INCLUDE_NOT_FOUND,
                "names a variable that no `Define` of the configuration sets, so it was not read",
                "Define the variable in the configuration (`Define NAME value`), or write the "
                "path out.",
                target=pattern,
            )
        candidates, in_tree = self._candidates(pattern, expansion)
        magic = glob.has_magic(pattern)
        found = self.first_found(candidates, lambda candidate: _expand(candidate, magic))
        if found is not None:
            return found
        target = os.path.normpath(pattern if pattern.startswith("/") else candidates[0])
        if not in_tree:
            return outside(pattern, target)
        if optional:
            return Resolution(())  # httpd skips what IncludeOptional does not find
        return Resolution(
            (),
            ProblemKind.INCLUDE_NOT_FOUND,
            "was not found in the scanned tree (httpd refuses an `Include` that matches nothing)",
            fix=f"Add `{shortened(pattern)}` to the tree under the folder of `ServerRoot`, use "
            "`IncludeOptional` where it may be absent, or map its folder with `--include-map`.",
            target=target,
        )

    def _candidates(self, written: str, expansion: Expansion) -> tuple[list[Path], bool]:
        """Where a path of the configuration may be in the tree, and if that is in it."""
        roots = expansion.server_roots
        if written.startswith("/"):
            target = PurePosixPath(written)
            prefixes = (expansion.server_root, *SERVER_ROOTS)
            mapped = next(
                (
                    [root / target.relative_to(prefix) for root in roots]
                    for prefix in prefixes
                    if prefix is not None and prefix != "/" and target.is_relative_to(prefix)
                ),
                [],
            )
            return self.absolute_candidates(PurePosixPath(written.lstrip("/")), mapped, roots)
        candidates = [root / written for root in roots]
        return candidates, self.options.mirror or any(self.allowed(c) for c in candidates)


def load_files(
    workspace: Workspace,
    boundary: Path,
    display_root: Path,
    options: IncludeOptions,
    files: Sequence[Path],
    progress: Progress,
) -> None:
    """Read the Apache files of one scanned tree into the workspace's scopes; what httpd
    would refuse becomes a problem."""
    configs = ApacheLoader(workspace, boundary, display_root, options).load(files)
    servers: list[Scope] = []
    found: list[ServerConfig] = []
    for config in configs:
        if is_htaccess(config.root.abspath.name):
            found.append(config)
        else:
            servers.append(scopes.build(config.nodes))
    served = ServedFolders(servers)
    alone = [
        config
        for config in found
        if not _placed(config, served, boundary, workspace, options.maps)
        and _readable(config, ALL_OVERRIDES, config.root.path, workspace)
    ]
    roots = servers + [scopes.build_htaccess_server(group) for group in _htaccess_groups(alone)]
    for root in roots:
        for scope in root.walk():
            scope.settings = ApacheSettings(scope)
    workspace.roots.extend(roots)
    if alone:
        workspace.notes.append(
            "`.htaccess` files with no server configuration in the tree that serves them "
            "are read as httpd reads them under `AllowOverride All`, each folder's file "
            "merged into those of the folders above it"
        )
    progress.advance(len(files))


def _placed(
    config: ServerConfig,
    served: ServedFolders,
    boundary: Path,
    workspace: Workspace,
    maps: Sequence[tuple[str, Path]],
) -> bool:
    """Place an ``.htaccess`` file in each host that serves its folder, as httpd reads it
    there; whether any does. A directive the overrides there do not allow is reported.
    An ``--include-map`` says where a folder of the tree is on the server."""
    folder = config.root.abspath.parent
    try:
        tree_folder = PurePosixPath(folder.relative_to(boundary).as_posix())
    except ValueError:
        return False
    on_server = [
        PurePosixPath(prefix, folder.relative_to(target).as_posix())
        for prefix, target in maps
        if folder.is_relative_to(target)
    ]
    found = served.placements(tree_folder, on_server)
    file_node = ApacheNode(HTACCESS, [], [], config.root, 1, 1)
    for placement in found:
        if not placement.overrides.reads:
            workspace.notes.append(
                f"`{config.root.path}` is not read by httpd for {placement.folder}: "
                f"{placement.overrides.describe()} there"
            )
            continue
        if _readable(config, placement.overrides, placement.folder, workspace):
            add_scope(placement, config.nodes, file_node)
    return bool(found)


def _readable(
    config: ServerConfig, overrides: Overrides, folder: str, workspace: Workspace
) -> bool:
    """Whether httpd reads an ``.htaccess`` file under ``overrides`` without refusing it;
    the directive it refuses is reported."""
    refusal = refused(config.nodes, overrides)
    if refusal is None:
        return True
    key = f"<{refusal.key}" if refusal.children is not None else refusal.key
    known = directive(key)
    never = known is not None and known.overrides is None
    why = (
        "is not allowed in `.htaccess` files"
        if never
        else f"is not allowed here by {overrides.describe()} for {folder}"
    )
    workspace.problems.append(
        LoadProblem(
            ProblemKind.OVERRIDE_REFUSED,
            refusal.span,
            f"`{refusal.name}` {why}: httpd answers 500 Internal Server Error to every "
            "request below this folder",
            "Move the directive into the server's configuration: httpd never reads it from "
            "`.htaccess` files."
            if never
            else None,
            format=FORMAT,
        )
    )
    return False


def _htaccess_groups(
    configs: list[ServerConfig],
) -> Iterator[list[tuple[str, list[Node], ApacheNode]]]:
    """``.htaccess`` files read alone, grouped under the topmost one of each folder tree:
    httpd merges a folder's file into those of the folders above it."""
    by_folder = {
        PurePosixPath("/", PurePosixPath(config.root.path).parent): config for config in configs
    }
    groups: dict[PurePosixPath, list[PurePosixPath]] = {}
    for folder in sorted(by_folder, key=lambda path: (len(path.parts), str(path))):
        top = next((known for known in groups if folder.is_relative_to(known)), folder)
        groups.setdefault(top, []).append(folder)
    for folders in groups.values():
        yield [
            (
                str(folder),
                by_folder[folder].nodes,
                ApacheNode(HTACCESS, [str(folder).lstrip("/")], [], by_folder[folder].root, 1, 1),
            )
            for folder in folders
        ]


def _is_main(source: SourceFile) -> bool:
    """A file httpd starts from: named so, or it loads modules or sets ``ServerRoot``."""
    if source.abspath.name in MAIN_NAMES:
        return True
    return any(node.key in _MAIN_DIRECTIVES for node in _top_level(source.nodes or []))


def _top_level(nodes: list[Node]) -> Iterator[ApacheNode]:
    """The directives outside every section but conditions."""
    for node in nodes:
        assert isinstance(node, ApacheNode)
        if node.key in CONDITIONS and node.children:
            yield from _top_level(node.children)
        elif node.children is None:
            yield node


def _include_nodes(nodes: list[Node]) -> Iterator[ApacheNode]:
    for node in nodes:
        assert isinstance(node, ApacheNode)
        if node.key in ("include", "includeoptional"):
            yield node
        elif node.children and node.key != "macro":
            yield from _include_nodes(node.children)


def _count(nodes: list[Node]) -> int:
    return sum(1 if node.children is None else 1 + _count(node.children) for node in nodes)


def _expand(candidate: Path, magic: bool) -> list[Path]:
    """The files an include of ``candidate`` reads, in httpd's order: a folder's whole
    content (hidden files too), a wildcard's matches (hidden ones not) sorted."""
    if magic:
        found: list[Path] = []
        for match in sorted(glob.glob(str(candidate))):
            found += _folder_files(Path(match)) if os.path.isdir(match) else [Path(match)]
        return found
    if candidate.is_dir():
        return _folder_files(candidate)
    return [candidate] if candidate.is_file() else []


def _folder_files(folder: Path, seen: frozenset[str] = frozenset()) -> list[Path]:
    """Every file under ``folder``, sorted level by level; a link back to a folder on the
    way is not followed again."""
    real = os.path.realpath(folder)
    if real in seen:
        return []
    found: list[Path] = []
    for name in sorted(os.listdir(folder)):
        path = folder / name
        found += _folder_files(path, seen | {real}) if path.is_dir() else [path]
    return found
