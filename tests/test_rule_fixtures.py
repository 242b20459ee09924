"""Every rule's fixtures, as data: ``fixtures/rules/<ID>/<format>/{bad,good}_*``.

A case is a file or a folder, in the folder of the config format it is
written in (``nginx/``); each format a rule claims
(:func:`authlint.formats.claimed_formats`) has bad and good cases of its own.
Each line that must produce a finding carries a marker comment naming the
rules, e.g. ``proxy_set_header X 1;  # [AL101]``. A case passes when
authlint's findings are exactly its markers (rule, file, line): the bad cases
prove a rule fires where it should, the good cases (the near-misses) that it
stays silent where the config is right.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authlint.formats import claimed_formats
from authlint.rule import load_rules

from conftest import RULE_FIXTURES, case_id, case_rule, cases, expected_findings, lint

RULES = {rule.id: rule for rule in load_rules()}
RULE_FORMATS = [
    pytest.param(rule_id, name, id=f"{rule_id}/{name}")
    for rule_id, rule in RULES.items()
    for name in claimed_formats(rule)
]
# Beside the format folders, a rule's folder holds its real-server proofs.
PROOFS = "proofs.yaml"


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_case_findings_match_markers(case: Path) -> None:
    expected = expected_findings(case)
    rule = case_rule(case)
    if case.name.startswith("bad_"):
        assert any(found[0] == rule for found in expected), f"{case.name} marks no {rule}"
    else:
        assert all(found[0] != rule for found in expected), f"{case.name} is good yet marks {rule}"
    result = lint(case)
    actual = {(f.rule, f.span.path, f.span.line) for f in result.findings}
    assert actual == expected


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
    entries = {path.name for path in (RULE_FIXTURES / rule).iterdir()} - {PROOFS}
    assert entries <= claimed, f"{rule} claims {sorted(claimed)}: {sorted(entries - claimed)}"
    assert all((RULE_FIXTURES / rule / name).is_dir() for name in entries)
