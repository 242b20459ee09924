"""Gitignore-like path globs, relative to a folder (the config file's).

A pattern is matched against a path's parts below ``base``:

- ``*`` and ``?`` match within one part, ``[abc]`` one character of a set;
  ``**`` as a whole part matches any number of parts, none included.
- A pattern without ``/`` (``*.bak``, ``staging``) matches a name at any depth;
  one with a ``/`` (``conf.d/*.conf``, ``/legacy``) is anchored at ``base``.
- A trailing ``/`` (``build/``) matches folders only.
- A pattern that matches a folder matches everything below it.

Paths outside ``base`` match nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


class GlobError(ValueError):
    """A pattern that cannot be used (empty, or leaving its folder)."""


@dataclass(frozen=True, slots=True)
class _Pattern:
    parts: tuple[str, ...]
    folders_only: bool


def _compile(pattern: str) -> _Pattern:
    text = pattern.rstrip("/")
    folders_only = text != pattern
    anchored = "/" in text
    parts = tuple(part for part in text.split("/") if part)
    if not parts:
        raise GlobError(f"{pattern!r} is not a glob")
    if ".." in parts:
        raise GlobError(f"{pattern!r} leaves the folder it is relative to")
    if not anchored:
        parts = ("**", *parts)
    return _Pattern(parts, folders_only)


def _match(pattern: Sequence[str], parts: Sequence[str]) -> bool:
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(rest, parts[start:]) for start in range(len(parts) + 1))
    return bool(parts) and fnmatchcase(parts[0], head) and _match(rest, parts[1:])


@dataclass(frozen=True)
class Globs:
    """Patterns relative to ``base`` (a resolved folder); see the module's docstring."""

    base: Path
    patterns: tuple[str, ...]
    _compiled: tuple[_Pattern, ...]

    @classmethod
    def of(cls, base: Path, patterns: Sequence[str]) -> Globs:
        """Compile ``patterns``; raises ``GlobError`` for an unusable one."""
        return cls(base, tuple(patterns), tuple(_compile(pattern) for pattern in patterns))

    def match(self, path: Path, is_dir: bool = False) -> bool:
        """Whether a pattern matches ``path`` (resolved) or a folder above it, below ``base``."""
        if not path.is_relative_to(self.base):
            return False
        parts = path.relative_to(self.base).parts
        for pattern in self._compiled:
            for end in range(1, len(parts) + 1):
                folder = end < len(parts) or is_dir
                if (folder or not pattern.folders_only) and _match(pattern.parts, parts[:end]):
                    return True
        return False
