"""The distribution installs what the code needs: packages, package data, the command."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

tomllib = pytest.importorskip("tomllib")
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _package_dirs() -> dict[str, Path]:
    """Every folder with an ``__init__.py`` under the mapped roots, by import name."""
    found = {}
    for package, folder in SETUPTOOLS["package-dir"].items():
        root = REPO / folder
        for init in root.rglob("__init__.py"):
            found[".".join((package, *init.parent.relative_to(root).parts))] = init.parent
    return found


def test_every_package_folder_is_listed() -> None:
    assert sorted(_package_dirs()) == sorted(SETUPTOOLS["packages"])


def test_runtime_dependencies_are_the_chosen_four_and_tomli_before_3_11() -> None:
    dependencies = PYPROJECT["project"]["dependencies"]
    unconditional = {
        dep.split(">")[0].split("=")[0].strip().lower() for dep in dependencies if ";" not in dep
    }
    assert unconditional == {"crossplane", "lark", "pyyaml", "click"}
    conditional = [dep.replace(" ", "") for dep in dependencies if ";" in dep]
    assert conditional == ['tomli>=1.1;python_version<"3.11"']


def test_license_is_the_one_the_metadata_names() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    license_text = (REPO / "LICENSE").read_text()
    assert license_text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the authlint developers" in license_text
    # A license expression in `license` needs setuptools 77 (PEP 639).
    assert PYPROJECT["build-system"]["requires"] == ["setuptools>=77"]


def test_wheel_holds_rules_stock_files_grammars_and_the_command(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
    )
    (wheel,) = tmp_path.glob("authlint-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(name for name in names if name.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
        (metadata,) = (name for name in names if name.endswith(".dist-info/METADATA"))
        headers = archive.read(metadata).decode().split("\n\n", 1)[0].splitlines()
        (license_file,) = (name for name in names if name.endswith(".dist-info/licenses/LICENSE"))
        shipped_license = archive.read(license_file).decode()
    assert "License-Expression: MIT" in headers
    assert "License-File: LICENSE" in headers
    assert shipped_license == (REPO / "LICENSE").read_text()
    for module in (
        "authlint/cli.py",
        "authlint/__main__.py",
        "authlint/nginx/loader.py",
        "authlint/rules/forwarding/authorization_removed.py",
        "authlint/rules/diagnostics/parse_error.py",
        "authlint/grammars/__init__.py",
        "authlint/nginx/stock/proxy_params",
        "authlint/nginx/stock/snippets/fastcgi-php.conf",
        "authlint/py.typed",
    ):
        assert module in names
    assert "authlint = authlint.cli:main" in scripts
