"""Where a finding's file is in the repository: GitHub names files from the repository's root."""

from __future__ import annotations

import os
from pathlib import Path


def repository_root(cwd: Path) -> Path:
    """The nearest folder at or above ``cwd`` holding ``.git``, else ``cwd``.

    ``.git`` is a folder in a clone and a file in a worktree or submodule.
    """
    return next((folder for folder in (cwd, *cwd.parents) if (folder / ".git").exists()), cwd)


def repository_path(path: str, cwd: Path, root: Path) -> Path:
    """A reported ``path`` (relative to ``cwd``, or absolute) relative to ``root``.

    A file outside ``root`` keeps its absolute path.
    """
    absolute = Path(os.path.normpath(cwd / path))
    return absolute.relative_to(root) if absolute.is_relative_to(root) else absolute
