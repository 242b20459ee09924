"""README.md stays true: its rule table, its commands, and the JSON schema it documents."""

from __future__ import annotations

import re

from authlint.reporters import renderer
from authlint.rule import load_rules

from conftest import EXAMPLES, REPO, lint

README = (REPO / "README.md").read_text()


def _fenced_after(marker: str) -> str:
    block = README.split(f"<!-- {marker} -->", 1)[1].split(f"<!-- /{marker} -->", 1)[0]
    return block.replace("```sh", "").replace("```", "").strip()


def test_rule_table_lists_every_rule_with_its_metadata() -> None:
    rows = re.findall(r"^\| (AL\d{3}) \| (\S+) \| (\w+) \| (.+) \|$", README, re.MULTILINE)
    documented = [(rule_id, name, severity, summary) for rule_id, name, severity, summary in rows]
    expected = [(rule.id, rule.name, rule.severity.value, rule.summary) for rule in load_rules()]
    assert documented == expected


def test_commands_are_single_lines_that_install_first() -> None:
    for marker in ("try-command", "test-command"):
        command = _fenced_after(marker)
        assert "\n" not in command
        assert "pip install" in command
    assert "authlint check fixtures/examples" in _fenced_after("try-command")
    assert "pytest" in _fenced_after("test-command")


def test_ci_runs_the_readme_test_command() -> None:
    script = (REPO / ".ci" / "run").read_text().splitlines()
    assert script[-1] == _fenced_after("test-command")


def test_documented_json_keys_match_the_output() -> None:
    output = renderer("json")(lint(EXAMPLES))
    for key in re.findall(r'^\s+"(\w+)":', output, re.MULTILINE):
        assert f'"{key}"' in README
