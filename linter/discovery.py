"""Finding the files to lint under the paths a user gives."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from authlint.nginx.detect import (
    CONFIG_DIRS,
    NGINX_NAMES,
    NGINX_SUFFIXES,
    SNIFF_BYTES,
    TEMPLATE_SUFFIXES,
    looks_like_apache,
    looks_like_nginx,
    sniffed_text,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

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
# Suffixes worth reading to see whether a file is nginx; ".sample" and the
# like are looked through (``site.conf.sample``).
_CONFIG_SUFFIXES = frozenset({".conf", ".nginx", ".nginxconf", ".vhost", ".inc", ".site", ""})
# YAML is never nginx, even a Kubernetes ConfigMap whose nginx config would
# pass the content sniff: pre-commit names every YAML file of a repository.
_YAML_SUFFIXES = frozenset({".yaml", ".yml"})


class PathNotFoundError(Exception):
    """A path given on the command line does not exist."""


@dataclass
class ScanGroup:
    """Files linted together: ``boundary`` is the tree their includes may read.

    ``unreadable`` maps the folders that could not be listed, the entries
    whose type could not be told (a symbolic link loop), and the files named
    on the command line that are no regular files (a device), to the reason.
    """

    boundary: Path
    nginx: list[Path] = field(default_factory=list)
    unreadable: dict[Path, str] = field(default_factory=dict)


def discover(paths: Sequence[Path], cwd: Path, exclude: Globs | None = None) -> list[ScanGroup]:
    """Group the nginx files under ``paths`` by the tree they were found in.

    A directory is its own tree. Files named one by one (as pre-commit passes
    them) share the current directory as their tree when they are inside it,
    so that their includes resolve across the repository. A tree inside
    another one joins it, so that a file is linted once, in its context.
    Files and folders that ``exclude`` matches are skipped, named ones too
    (pre-commit names files one by one, and the excludes must still hold).
    """
    found: dict[Path, list[Path]] = {}
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
            found.setdefault(boundary, []).extend([path] if _is_nginx(path, named=True) else [])
    groups: list[ScanGroup] = []
    seen: set[Path] = set()
    for boundary in sorted({*found, *unreadable}, key=lambda folder: len(folder.parts)):
        group = next((g for g in groups if boundary.is_relative_to(g.boundary)), None)
        if group is None:
            group = ScanGroup(boundary)
            groups.append(group)
        group.unreadable.update(unreadable.get(boundary, {}))
        for file in found.get(boundary, []):
            if file not in seen:
                seen.add(file)
                group.nginx.append(file)
    return groups


def _walk(top: Path, exclude: Globs | None, unreadable: dict[Path, str]) -> Iterator[Path]:
    """nginx files under ``top`` (resolved), in sorted order; symlinked folders are not entered.

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
            if _worth_reading(entry.name, top.name) and not entry.name.startswith("."):
                unreadable[path] = _reason(exc)
            continue
        # Hidden files are skipped as nginx's own `include *.conf` skips them.
        if entry.name.startswith(".") and not is_dir:
            continue
        if is_dir:
            if (
                entry.name not in SKIPPED_DIRS
                and not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))
                and not (exclude is not None and exclude.match(path, is_dir=True))
            ):
                yield from _walk(path, exclude, unreadable)
        elif (
            is_file
            and _worth_reading(entry.name, top.name)
            and not (exclude is not None and exclude.match(path))
            and _is_nginx(path)
        ):
            yield path


def _is_special(path: Path) -> bool:
    """Whether ``path`` is a device, a pipe or a socket (through any links)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # the loader reports why it cannot be read
    return not stat.S_ISREG(mode)


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _worth_reading(name: str, folder: str) -> bool:
    if folder in CONFIG_DIRS or name in NGINX_NAMES or name.endswith("_params"):
        return True
    stem, suffix = os.path.splitext(name)
    if suffix in TEMPLATE_SUFFIXES:
        suffix = os.path.splitext(stem)[1]
    return suffix in _CONFIG_SUFFIXES or name == "mime.types"


def _is_nginx(path: Path, named: bool = False) -> bool:
    """Whether to read ``path`` as nginx: by its name, else by its content.

    A file that nginx would read by its name, or that was ``named`` on the
    command line, is read even when its bytes are no config text (UTF-16, a
    NUL byte), so that the parser reports it; found in a walk, such a file
    is read only if its text, decoded, looks like nginx.
    """
    if path.name in NGINX_NAMES or path.suffix in NGINX_SUFFIXES:
        return True
    if path.suffix in _YAML_SUFFIXES:
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return True  # let the loader report why it cannot be read
    text, binary = sniffed_text(head)
    return looks_like_nginx(text) or (named and binary and not looks_like_apache(text))
