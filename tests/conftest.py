"""Shared helpers: lint a path in-process, load its model, find the fixtures and the corpus."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from textwrap import dedent

import pytest

from authlint.engine import Result, load, run
from authlint.formats import IncludeOptions
from authlint.model.scope import Scope
from authlint.model.workspace import Workspace

from live_config import LIVE_CONFIG

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"
EXAMPLES = FIXTURES / "examples"
CORPUS = REPO.parent / "shared" / "corpus"
# Where the model tests' configs pass requests to (nothing listens there).
UPSTREAM = "http://127.0.0.1:9000"
# A finding expected on a fixture line: a comment naming the rules, `# [AL101]`.
# The bracket must follow the `#`, so that `# authlint: ignore[AL102]` is no marker.
MARKER = re.compile(r"#\s*\[(AL\d{3}(?:\]\s*\[AL\d{3})*)\]")
# A case's reviewed findings: ``<case>.snap`` beside the case (see test_rule_fixtures.py).
SNAPSHOT_SUFFIX = ".snap"


def lint(*paths: Path, cwd: Path = REPO, includes: IncludeOptions | None = None) -> Result:
    """authlint's findings for ``paths``, with paths reported relative to ``cwd``."""
    return run(list(paths), includes or IncludeOptions(), cwd=cwd)


def model(*paths: Path, cwd: Path = REPO, includes: IncludeOptions | None = None) -> Workspace:
    return load(list(paths), includes or IncludeOptions(), cwd.resolve())


def cases() -> list[Path]:
    """Every rule fixture case: ``fixtures/rules/<ID>/<format>/{bad,good}_*``, a file or folder.

    A case's snapshot (``<case>.snap`` beside it) is no case.
    """
    return sorted(
        path
        for rule_dir in RULE_FIXTURES.iterdir()
        if rule_dir.is_dir()
        for format_dir in rule_dir.iterdir()
        if format_dir.is_dir()
        for path in format_dir.iterdir()
        if path.name.startswith(("bad_", "good_")) and path.suffix != SNAPSHOT_SUFFIX
    )


def case_id(case: Path) -> str:
    """A case as the tests name it: ``AL101/nginx/bad_http_level.conf``."""
    return case.relative_to(RULE_FIXTURES).as_posix()


def case_rule(case: Path) -> str:
    """The rule whose fixture ``case`` is (``AL101``)."""
    return case.relative_to(RULE_FIXTURES).parts[0]


def expected_findings(case: Path) -> Counter[tuple[str, str, int]]:
    """The (rule, path, line) findings a case's marker comments expect, with their counts.

    A marker names a rule once per finding: ``# [AL101] [AL101]`` expects two.
    """
    files = sorted(case.rglob("*")) if case.is_dir() else [case]
    expected: Counter[tuple[str, str, int]] = Counter()
    for file in files:
        if not file.is_file():
            continue
        for number, line in enumerate(file.read_text().splitlines(), start=1):
            for match in MARKER.finditer(line):
                for rule in re.findall(r"AL\d{3}", match.group(1)):
                    expected[(rule, file.relative_to(REPO).as_posix(), number)] += 1
    return expected


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text) under ``root``; return ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def scope_at(workspace: Workspace, label: str) -> Scope:
    """The one scope whose label is ``label`` (``location /api/``, ``if ($x)``)."""
    found = [scope for scope in workspace.scopes() if scope.label == label]
    assert len(found) == 1, f"{len(found)} scopes labelled {label!r}"
    return found[0]


@pytest.fixture
def tree(tmp_path: Path):
    """Write a config tree from a dict and return its root."""

    def make(files: dict[str, str]) -> Path:
        return write(tmp_path, files)

    return make


@pytest.fixture(scope="module")
def live_model(tmp_path_factory):
    root = tmp_path_factory.mktemp("live-model")
    (root / "site.conf").write_text(LIVE_CONFIG)
    return model(root, cwd=root)


@pytest.fixture
def config(tree):
    """Load ``site.conf`` (and ``extra`` files) from a fresh tree into the model."""

    def load(text, extra=None):
        files = {"site.conf": dedent(text)}
        files.update({name: dedent(body) for name, body in (extra or {}).items()})
        root = tree(files)
        return model(root, cwd=root)

    return load


def pytest_sessionfinish() -> None:
    """No nginx started by a test outlives the run, whatever happened to the test."""
    from realserver import stop_all

    stop_all()
