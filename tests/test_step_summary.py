"""The job summary under GitHub Actions (``$GITHUB_STEP_SUMMARY``) with ``--format github``.

GitHub shows 20 annotations per step; the summary must list every finding,
read as the Markdown GitHub renders (no stray column, tag or code span), and
stay under GitHub's 1 MiB limit for a step summary.
"""

from __future__ import annotations

import json
import re

import pytest

from authlint.engine import Result
from authlint.model.source import Span
from authlint.reporters.step_summary import BUDGET, render
from authlint.rule import Family, Finding, Severity, load_rules

from conftest import EXAMPLES
from test_cli import CLEAN, MIXED, authlint

RULES = tuple(load_rules())
ROW = re.compile(r"^\| (?P<file>.+) \| (?P<line>\d+) \| (?P<rule>AL\d{3}) \| (?P<message>.+) \|$")
COMMIT = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "owner/infra",
    "GITHUB_SHA": "0123abcd",
}


def summary_run(root, summary, *args, env=None):
    return authlint(
        "check", *args, cwd=root, env={"GITHUB_STEP_SUMMARY": str(summary), **(env or {})}
    )


def rows(markdown: str) -> list[re.Match[str]]:
    return [match for line in markdown.splitlines() if (match := ROW.match(line))]


def finding(message: str, path: str = "site.conf", line: int = 3) -> Finding:
    return Finding("AL102", Severity.WARNING, Family.FORWARDING, message, "fix", Span(path, line))


def test_every_finding_is_listed_after_what_the_step_wrote(tree, tmp_path):
    root = tree(MIXED)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step output\n")
    run = summary_run(root, summary, "--format", "github")
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert run.status == 1
    text = summary.read_text()
    assert text.startswith("earlier step output\n## authlint\n")
    listed = rows(text)
    assert len(listed) == len(annotations) >= 2
    report = authlint("check", "--format", "json", cwd=root)
    assert [(row["file"], int(row["line"]), row["rule"]) for row in listed] == [
        (f"`{item['path']}`", item["line"], item["rule"])
        for item in json.loads(report.stdout)["findings"]
    ]
    for rule in {row["rule"] for row in listed}:
        count = sum(row["rule"] == rule for row in listed)
        assert re.search(rf"^\| {rule} `[a-z-]+` \| \w+ \| {count} \|$", text, re.MULTILINE)


def test_rows_link_to_the_commit_when_it_is_known(tmp_path):
    summary = tmp_path / "summary.md"
    run = summary_run(EXAMPLES.parent.parent, summary, "--format", "github", env=COMMIT)
    assert run.status == 1
    files = [row["file"] for row in rows(summary.read_text())]
    assert files
    for shown in files:
        match = re.fullmatch(r"\[`(?P<path>[^`]+)`\]\((?P<url>[^)]+)\)", shown)
        assert match, shown
        assert match["url"].startswith("https://github.com/owner/infra/blob/0123abcd/")
        assert (
            match["url"]
            .removeprefix("https://github.com/owner/infra/blob/0123abcd/")
            .startswith(match["path"])
        )


def test_a_clean_run_says_so(tree, tmp_path):
    summary = tmp_path / "summary.md"
    run = summary_run(tree(CLEAN), summary, "--format", "github")
    assert run.status == 0
    assert summary.read_text() == "## authlint\n\nNo findings in 2 files.\n"


@pytest.mark.parametrize(
    "args", [("--format", "text"), ("--format", "json"), ("--format", "sarif")]
)
def test_other_formats_write_no_summary(tree, tmp_path, args):
    summary = tmp_path / "summary.md"
    summary_run(tree(MIXED), summary, *args, env={"GITHUB_ACTIONS": "true"})
    assert not summary.exists()


def test_default_format_under_actions_writes_it(tree, tmp_path):
    summary = tmp_path / "summary.md"
    summary_run(tree(MIXED), summary, env={"GITHUB_ACTIONS": "true"})
    assert summary.read_text().startswith("## authlint\n")


def test_an_unwritable_summary_is_one_line_and_changes_nothing_else(tree, tmp_path):
    root = tree(MIXED)
    plain = authlint("check", "--format", "github", cwd=root)
    run = summary_run(root, tmp_path, "--format", "github")
    assert (run.status, run.stdout) == (plain.status, plain.stdout)
    assert run.stderr.startswith(f"authlint: cannot write the step summary {tmp_path}: ")
    assert run.stderr.count("\n") == 1


def test_message_text_keeps_its_columns_and_code(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    message = "a | b <script> & `x | <y>` then a stray ` tick\nsecond line"
    result = Result(findings=[finding(message, "odd|name`.conf")], files_scanned=1, rules=RULES)
    (row,) = rows(render(result))
    assert row["file"] == "``odd\\|name`.conf``"
    assert row["message"] == (
        "a \\| b &lt;script&gt; &amp; \\`x \\| &lt;y&gt;\\` then a stray \\` tick second line"
    )
    balanced = Result(findings=[finding("see `a|<b>` & c")], files_scanned=1, rules=RULES)
    (row,) = rows(render(balanced))
    assert row["message"] == "see `a\\|<b>` &amp; c"


def test_rows_stop_within_the_budget_and_say_how_many_are_left(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    findings = [finding("m" * 200, line=line) for line in range(1, 3001)]
    result = Result(findings=findings, files_scanned=1, rules=RULES)
    markdown = render(result, budget=100_000)
    listed = rows(markdown)
    assert 0 < len(listed) < len(findings)
    assert len(markdown.encode()) <= 100_000 + 200
    left = len(findings) - len(listed)
    assert markdown.endswith(
        f"\n\n{left} more findings not listed: GitHub drops a step summary over 1 MiB. "
        "The step's log lists every finding.\n"
    )
    assert "| AL102 `authorization-removed` | warning | 3000 |" in markdown
    assert len(render(result).encode()) <= BUDGET + 200
    assert BUDGET + 200 < 1024 * 1024
