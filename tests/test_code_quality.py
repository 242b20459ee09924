"""The code stays ruff-clean and type-checks under mypy --strict."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [_tool("ruff"), "check", "--no-cache", "."], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    # mypy cannot follow setuptools' folder mapping, so it checks a tree of
    # links laid out as the installed package is.
    package = tmp_path / "authlint"
    package.mkdir()
    for item in (REPO / "linter").iterdir():
        (package / item.name).symlink_to(item)
    (package / "rules").symlink_to(REPO / "rules")
    (package / "grammars").symlink_to(REPO / "grammars")
    result = subprocess.run(
        [_tool("mypy"), "--config-file", str(REPO / "pyproject.toml"), "-p", "authlint"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
