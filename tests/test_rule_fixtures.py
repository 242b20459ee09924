"""Every rule's fixtures, as data: ``fixtures/rules/<ID>/<format>/{bad,good}_*``.

A case is a file or a folder, in the folder of the config format it is
written in (``nginx/``); each format a rule claims
(:func:`authlint.formats.claimed_formats`) has bad and good cases of its own.
Each line that must produce a finding carries a marker comment naming the
rules, e.g. ``proxy_set_header X 1;  # [AL101]``, once per finding: a line
that yields two findings of a rule says ``# [AL101] [AL101]``. A case passes
when authlint's findings, counted, are exactly its markers (rule, file,
line), and no rule crashed: the bad cases prove a rule fires where it should,
the good cases (the near-misses) that it stays silent where the config is
right.

What the markers do not pin, the snapshots do. A case with findings has a
reviewed snapshot beside it, ``<case>.snap`` (``bad_x.conf.snap`` for the file
``bad_x.conf``, ``bad_cycle.snap`` for the folder ``bad_cycle/``); a case
without findings has none. A snapshot lists every finding in output order,
a block each, separated by blank lines::

    AL101 error fixtures/rules/AL101/nginx/bad_x.conf:10:9-10:45
      message: `proxy_set_header` here replaces the inherited list, ...
      fix: Repeat `proxy_set_header Authorization ...;` next to this ...
      related: fixtures/rules/AL101/nginx/bad_x.conf:4:5-4:52

(rule, severity, span as ``path:line:column-end_line:end_column`` with ``?``
for what the parser does not know, then message, fix and each related span;
paths relative to the repository, POSIX; a line break in a value is written
``\\n``). ``AUTHLINT_UPDATE_SNAPSHOTS=1 pytest tests/test_rule_fixtures.py``
rewrites the snapshots that differ (and deletes those of cases that have no
findings any more); review the diff before committing it.
"""

from __future__ import annotations

import difflib
import os
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from authlint.engine import Result
from authlint.formats import claimed_formats
from authlint.model.source import Span
from authlint.rule import Finding, load_rules

from conftest import (
    REPO,
    RULE_FIXTURES,
    SNAPSHOT_SUFFIX,
    case_id,
    case_rule,
    cases,
    expected_findings,
    lint,
)

RULES = {rule.id: rule for rule in load_rules()}
RULE_FORMATS = [
    pytest.param(rule_id, name, id=f"{rule_id}/{name}")
    for rule_id, rule in RULES.items()
    for name in claimed_formats(rule)
]
# Beside the format folders, a rule's folder holds its real-server proofs
# and its browser proofs (tests/test_browser.py).
PROOFS = "proofs.yaml"
BROWSER_PROOFS = "browser.yaml"
CASES = cases()
UPDATE_SNAPSHOTS = "AUTHLINT_UPDATE_SNAPSHOTS"


@cache
def linted(case: Path) -> Result:
    return lint(case)


def snapshot_of(case: Path) -> Path:
    return case.with_name(case.name + SNAPSHOT_SUFFIX)


def _span(span: Span) -> str:
    def known(value: int | None) -> str:
        return "?" if value is None else str(value)

    return (
        f"{span.path}:{span.line}:{known(span.column)}"
        f"-{known(span.end_line)}:{known(span.end_column)}"
    )


def _value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def render_snapshot(findings: list[Finding]) -> str:
    """The snapshot text of a case's findings (see the module's docstring)."""
    blocks = [
        "\n".join(
            [
                f"{finding.rule} {finding.severity.value} {_span(finding.span)}",
                f"  message: {_value(finding.message)}",
                f"  fix: {_value(finding.fix)}",
                *(f"  related: {_span(span)}" for span in finding.related),
            ]
        )
        + "\n"
        for finding in findings
    ]
    return "\n".join(blocks)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case_findings_match_markers(case: Path) -> None:
    expected = expected_findings(case)
    rule = case_rule(case)
    if case.name.startswith("bad_"):
        assert any(found[0] == rule for found in expected), f"{case.name} marks no {rule}"
    else:
        assert all(found[0] != rule for found in expected), f"{case.name} is good yet marks {rule}"
    result = linted(case)
    assert not result.crashes, result.crashes
    actual = Counter((f.rule, f.span.path, f.span.line) for f in result.findings)
    unexpected = sorted((actual - expected).elements())
    missing = sorted((expected - actual).elements())
    assert actual == expected, f"found, not marked: {unexpected}; marked, not found: {missing}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case_findings_match_snapshot(case: Path) -> None:
    findings = linted(case).findings
    path = snapshot_of(case)
    wanted = render_snapshot(findings).encode() if findings else None
    current = path.read_bytes() if path.exists() else None
    if wanted == current:
        return
    if os.environ.get(UPDATE_SNAPSHOTS) == "1":
        if wanted is None:
            path.unlink()
        else:
            path.write_bytes(wanted)
        return
    shown = path.relative_to(REPO).as_posix()
    if wanted is None:
        problem = f"{shown} exists, but the case has no findings"
    elif current is None:
        problem = f"{shown} is missing"
    else:
        problem = f"{shown} differs from the findings"
    diff = difflib.unified_diff(
        (current or b"").decode().splitlines(keepends=True),
        (wanted or b"").decode().splitlines(keepends=True),
        f"{shown} (committed)",
        f"{shown} (found now)",
    )
    pytest.fail(
        f"{problem}: if the change is meant, rewrite it with {UPDATE_SNAPSHOTS}=1 "
        f"and review the diff\n{''.join(diff)}"
    )


def test_every_snapshot_belongs_to_a_case() -> None:
    owned = {snapshot_of(case) for case in CASES}
    orphans = [
        path.relative_to(REPO).as_posix()
        for path in sorted(RULE_FIXTURES.rglob(f"*{SNAPSHOT_SUFFIX}"))
        if path not in owned
    ]
    assert not orphans, f"snapshots of no case (delete them): {orphans}"


@pytest.mark.parametrize(("rule", "format_name"), RULE_FORMATS)
def test_every_rule_has_bad_and_good_cases_per_claimed_format(rule: str, format_name: str) -> None:
    folder = RULE_FIXTURES / rule / format_name
    names = [path.name for path in folder.iterdir()] if folder.is_dir() else []
    assert any(name.startswith("bad_") for name in names), f"{rule} has no bad {format_name} case"
    assert any(name.startswith("good_") for name in names), f"{rule} has no good {format_name} case"


def test_fixture_folders_name_real_rules() -> None:
    assert {path.name for path in RULE_FIXTURES.iterdir()} <= RULES.keys()


@pytest.mark.parametrize("rule", sorted(path.name for path in RULE_FIXTURES.iterdir()))
def test_format_folders_are_formats_the_rule_claims(rule: str) -> None:
    claimed = set(claimed_formats(RULES[rule]))
    entries = {path.name for path in (RULE_FIXTURES / rule).iterdir()} - {PROOFS, BROWSER_PROOFS}
    assert entries <= claimed, f"{rule} claims {sorted(claimed)}: {sorted(entries - claimed)}"
    assert all((RULE_FIXTURES / rule / name).is_dir() for name in entries)
