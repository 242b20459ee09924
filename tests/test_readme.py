"""README.md stays true: its rule table, its commands, and the JSON schema it documents.

The install from a git URL is run as written, in a git copy of the working
tree: pip fetches the dependencies from PyPI, so offline it skips (and fails
under ``CI=true``), as the pre-commit tests do.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from authlint.reporters import renderer
from authlint.rule import load_rules

from conftest import EXAMPLES, REPO, lint
from test_precommit import (
    NETWORK_ERROR,
    commit_everything,
    copy_project,
    hook_environment,
    unavailable,
)

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
    for marker in ("try-command", "test-command", "git-install-command"):
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


def test_git_url_install_works_as_written(tmp_path: Path) -> None:
    command = _fenced_after("git-install-command")
    project = tmp_path / "authlint"
    copy_project(project)
    env = hook_environment(tmp_path / "store")
    commit_everything(project, env)
    done = subprocess.run(
        ["sh", "-c", command], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        network = NETWORK_ERROR.search(done.stdout + done.stderr)
        if network:
            unavailable(f"pip could not fetch from PyPI ({network.group(0)})")
        pytest.fail(f"{command}:\n{done.stdout}{done.stderr}")
    venv = project / ".venv"
    # Built from the commit and installed, not linked to the folder as `pip install -e` does.
    (module,) = venv.glob("lib/python*/site-packages/authlint/cli.py")
    assert module.read_text() == (REPO / "linter" / "cli.py").read_text()
    (license_file,) = venv.glob("lib/python*/site-packages/authlint-*.dist-info/licenses/LICENSE")
    assert license_file.read_text() == (REPO / "LICENSE").read_text()
    checked = subprocess.run(
        [str(venv / "bin" / "authlint"), "check", "fixtures/examples"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 1, checked.stderr
    assert checked.stdout.endswith("Found 4 findings (2 errors, 2 warnings) in 6 files.\n")
