"""Finding the files to lint under the paths a user gives."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from authlint.nginx.detect import (
    CONFIG_DIRS,
    NGINX_NAMES,
    NGINX_SUFFIXES,
    SNIFF_BYTES,
    looks_like_nginx,
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
_TEMPLATE_SUFFIXES = frozenset({".sample", ".example", ".dist", ".template"})
# YAML is never nginx, even a Kubernetes ConfigMap whose nginx config would
# pass the content sniff: pre-commit names every YAML file of a repository.
_YAML_SUFFIXES = frozenset({".yaml", ".yml"})


class PathNotFoundError(Exception):
    """A path given on the command line does not exist."""


@dataclass
class ScanGroup:
    """Files linted together: ``boundary`` is the tree their includes may read."""

    boundary: Path
    nginx: list[Path] = field(default_factory=list)


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
    for given in paths:
        path = (cwd / given).resolve()
        if not path.exists():
            raise PathNotFoundError(f"{given}: no such file or directory")
        if exclude is not None and exclude.match(path, path.is_dir()):
            continue
        if path.is_dir():
            found.setdefault(path, []).extend(_walk(path, exclude))
        else:
            boundary = cwd if path.is_relative_to(cwd) else path.parent
            found.setdefault(boundary, []).extend([path] if _is_nginx(path) else [])
    groups: list[ScanGroup] = []
    seen: set[Path] = set()
    for boundary in sorted(found, key=lambda folder: len(folder.parts)):
        group = next((g for g in groups if boundary.is_relative_to(g.boundary)), None)
        if group is None:
            group = ScanGroup(boundary)
            groups.append(group)
        for file in found[boundary]:
            if file not in seen:
                seen.add(file)
                group.nginx.append(file)
    return groups


def _walk(top: Path, exclude: Globs | None) -> Iterator[Path]:
    """nginx files under ``top`` (resolved), in sorted order; symlinked folders are not entered."""
    with os.scandir(top) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        # Hidden files are skipped as nginx's own `include *.conf` skips them.
        if entry.name.startswith(".") and entry.is_file():
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if (
                entry.name not in SKIPPED_DIRS
                and not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))
                and not (exclude is not None and exclude.match(path, is_dir=True))
            ):
                yield from _walk(path, exclude)
        elif (
            _worth_reading(entry.name, top.name)
            and entry.is_file()
            and not (exclude is not None and exclude.match(path))
            and _is_nginx(path)
        ):
            yield path


def _worth_reading(name: str, folder: str) -> bool:
    if folder in CONFIG_DIRS or name in NGINX_NAMES or name.endswith("_params"):
        return True
    stem, suffix = os.path.splitext(name)
    if suffix in _TEMPLATE_SUFFIXES:
        suffix = os.path.splitext(stem)[1]
    return suffix in _CONFIG_SUFFIXES or name == "mime.types"


def _is_nginx(path: Path) -> bool:
    if path.name in NGINX_NAMES or path.suffix in NGINX_SUFFIXES:
        return True
    if path.suffix in _YAML_SUFFIXES:
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return True  # let the loader report why it cannot be read
    return looks_like_nginx(head.decode("utf-8", errors="replace"))
