"""Every rule's fixtures, as data: ``fixtures/rules/<ID>/{bad,good}_*``.

A case is a file or a folder. Each line that must produce a finding carries a
marker comment naming the rules, e.g. ``proxy_set_header X 1;  # [AL101]``.
A case passes when authlint's findings are exactly its markers (rule, file,
line): the bad cases prove a rule fires where it should, the good cases (the
near-misses) that it stays silent where the config is right.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authlint.rule import load_rules

from conftest import RULE_FIXTURES, cases, expected_findings, lint

RULE_IDS = {rule.id for rule in load_rules()}


@pytest.mark.parametrize("case", cases(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_case_findings_match_markers(case: Path) -> None:
    expected = expected_findings(case)
    rule = case.parent.name
    if case.name.startswith("bad_"):
        assert any(found[0] == rule for found in expected), f"{case.name} marks no {rule}"
    else:
        assert all(found[0] != rule for found in expected), f"{case.name} is good yet marks {rule}"
    result = lint(case)
    actual = {(f.rule, f.span.path, f.span.line) for f in result.findings}
    assert actual == expected


@pytest.mark.parametrize("rule", sorted(RULE_IDS))
def test_every_rule_has_bad_and_good_cases(rule: str) -> None:
    folder = RULE_FIXTURES / rule
    names = [path.name for path in folder.iterdir()] if folder.is_dir() else []
    assert any(name.startswith("bad_") for name in names), f"{rule} has no bad case"
    assert any(name.startswith("good_") for name in names), f"{rule} has no good case"


def test_fixture_folders_name_real_rules() -> None:
    assert {path.name for path in RULE_FIXTURES.iterdir()} <= RULE_IDS
