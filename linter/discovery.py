"""Finding the files to lint under the paths a user gives."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from authlint import formats

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from authlint.formats import Format
    from authlint.globs import Globs

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".direnv",
    }
)


class PathNotFoundError(Exception):
    """A path given on the command line does not exist."""


@dataclass
class ScanGroup:
    """Files linted together: ``boundary`` is the tree their includes may read.

    ``files`` maps each format's name to the files it claimed, in order;
    ``unclaimed`` are the files named on the command line that no format
    claims. ``unreadable`` maps the folders that could not be listed, the entries
    whose type could not be told (a symbolic link loop), and the files named
    on the command line that are no regular files (a device), to the reason.
    """

    boundary: Path
    files: dict[str, list[Path]] = field(default_factory=dict)
    unclaimed: list[Path] = field(default_factory=list)
    unreadable: dict[Path, str] = field(default_factory=dict)


def discover(paths: Sequence[Path], cwd: Path, exclude: Globs | None = None) -> list[ScanGroup]:
    """Group the config files under ``paths`` by the tree they were found in.

    A directory is its own tree. Files named one by one (as pre-commit passes
    them) share the current directory as their tree when they are inside it,
    so that their includes resolve across the repository. A tree inside
    another one joins it, so that a file is linted once, in its context.
    Files and folders that ``exclude`` matches are skipped, named ones too
    (pre-commit names files one by one, and the excludes must still hold).
    """
    found: dict[Path, list[tuple[Path, Format | None]]] = {}
    unreadable: dict[Path, dict[Path, str]] = {}
    for given in paths:
        # realpath, not Path.resolve: that raises on a symbolic link loop.
        path = Path(os.path.realpath(cwd / given))
        if not os.path.lexists(path):
            raise PathNotFoundError(f"{given}: no such file or directory")
        is_dir = os.path.isdir(path)
        if exclude is not None and exclude.match(path, is_dir):
            continue
        if is_dir:
            problems = unreadable.setdefault(path, {})
            found.setdefault(path, []).extend(_walk(path, exclude, problems))
        else:
            boundary = cwd if path.is_relative_to(cwd) else path.parent
            if _is_special(path):
                # Reading a device or a pipe may never end (/dev/zero) or block.
                unreadable.setdefault(boundary, {})[path] = "not a regular file"
                continue
            found.setdefault(boundary, []).append((path, _claimant(path, named=True)))
    groups: list[ScanGroup] = []
    seen: set[Path] = set()
    for boundary in sorted({*found, *unreadable}, key=lambda folder: len(folder.parts)):
        group = next((g for g in groups if boundary.is_relative_to(g.boundary)), None)
        if group is None:
            group = ScanGroup(boundary)
            groups.append(group)
        group.unreadable.update(unreadable.get(boundary, {}))
        for file, claimant in found.get(boundary, []):
            if file not in seen:
                seen.add(file)
                if claimant is None:
                    group.unclaimed.append(file)
                else:
                    group.files.setdefault(claimant.name, []).append(file)
    return groups


def _walk(
    top: Path, exclude: Globs | None, unreadable: dict[Path, str]
) -> Iterator[tuple[Path, Format]]:
    """Config files under ``top`` (resolved) and their formats, in sorted order; symlinked
    folders are not entered.

    A folder that cannot be listed, and an entry whose type cannot be told,
    go to ``unreadable`` with the reason, and the walk goes on.
    """
    try:
        with os.scandir(top) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        unreadable[top] = _reason(exc)
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file()
        except OSError as exc:
            # A symbolic link loop: a config by its name is reported, not skipped.
            if _candidates(entry.name, top.name) and not entry.name.startswith("."):
                unreadable[path] = _reason(exc)
            continue
        # Hidden files are skipped as nginx's own `include *.conf` skips them,
        # but Apache's `.htaccess`, which httpd reads by that name.
        if entry.name.startswith(".") and not is_dir and entry.name != ".htaccess":
            continue
        if is_dir:
            if (
                entry.name not in SKIPPED_DIRS
                and not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))
                and not (exclude is not None and exclude.match(path, is_dir=True))
            ):
                yield from _walk(path, exclude, unreadable)
        elif is_file and not (exclude is not None and exclude.match(path)):
            claimant = _claimant(path, named=False, folder=top.name)
            if claimant is not None:
                yield path, claimant


def _is_special(path: Path) -> bool:
    """Whether ``path`` is a device, a pipe or a socket (through any links)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # the loader reports why it cannot be read
    return not stat.S_ISREG(mode)


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _candidates(name: str, folder: str) -> list[Format]:
    """The formats whose files may be called ``name`` in a folder called ``folder``."""
    return [item for item in formats.registered() if item.worth_reading(name, folder)]


def _claimant(path: Path, named: bool, folder: str | None = None) -> Format | None:
    """The first format that claims ``path``; a named file is offered to every format,
    a file found in a walk only to those its name suits."""
    offered = formats.registered() if named else _candidates(path.name, folder or path.parent.name)
    return next((item for item in offered if item.claims(path, named)), None)
