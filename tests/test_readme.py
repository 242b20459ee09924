"""README.md stays true: its rule table, its commands, and the JSON schema it documents."""

from __future__ import annotations

import re

import yaml

from authlint.reporters import renderer
from authlint.rule import load_rules

from conftest import EXAMPLES, REPO, lint

README = (REPO / "README.md").read_text()


def _fenced_after(marker: str) -> str:
    block = README.split(f"<!-- {marker} -->", 1)[1].split(f"<!-- /{marker} -->", 1)[0]
    return re.sub(r"```\w*", "", block).strip()


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


def test_no_made_up_home_or_tag() -> None:
    """authlint has no public repository, no PyPI page and no tag yet: none is named."""
    assert "<owner>" not in README
    assert not re.search(r"github\.com/[^/\s]+/authlint|pypi\.org/project/authlint", README)
    assert not re.search(r"@v\d+\.\d+|rev: v\d", README)


def test_workflow_installs_from_the_variables_it_documents() -> None:
    workflow = yaml.safe_load(_fenced_after("github-workflow"))
    steps = workflow["jobs"]["authlint"]["steps"]
    installs = [step["run"] for step in steps if "pip install" in step.get("run", "")]
    url = "${{ vars.AUTHLINT_GIT_URL }}@${{ vars.AUTHLINT_COMMIT }}"
    assert installs == [f'pip install "git+{url}"']
    for variable in ("AUTHLINT_GIT_URL", "AUTHLINT_COMMIT"):
        assert f"`{variable}`" in README

