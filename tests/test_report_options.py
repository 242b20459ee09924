"""``--quiet`` and ``--statistics``: what each prints, alone and together, in each format.

``--quiet``: the findings and nothing else, errors still. ``--statistics``:
the count per rule in place of the findings (text: then the summary, which
``--quiet`` leaves out; json: a document of its own). Each test runs the
real command in a temporary tree and checks the exit status, stdout and stderr.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import click
import pytest

from authlint.rule import load_rules

from test_cli import (
    BROKEN,
    CLEAN,
    MIXED,
    SUMMARY_LINE,
    WARNINGS_ONLY,
    assert_usage_error,
    authlint,
)

RULES = {rule.id: rule for rule in load_rules()}
# count, ID, severity, name: the count right-aligned, the severity padded.
TABLE_ROW = re.compile(
    r"^(?P<count> *[1-9]\d*)  (?P<rule>AL\d{3})  (?P<severity>error  |warning|info   )  "
    r"(?P<name>[a-z0-9-]+)$"
)
STATISTICS_KEYS = ["version", "tool", "statistics", "files_scanned"]


@pytest.mark.parametrize("flag", ["--quiet", "-q"])
def test_quiet_text_is_the_report_without_its_summary(tree, flag):
    root = tree(MIXED)
    full = authlint("check", cwd=root)
    quiet = authlint("check", flag, cwd=root)
    assert quiet.status == full.status == 1
    assert quiet.stderr == full.stderr == ""
    *findings, summary = full.stdout.splitlines()
    assert SUMMARY_LINE.match(summary)
    assert quiet.stdout.splitlines() == findings
    assert quiet.stdout.endswith("\n")


def test_quiet_clean_run_prints_nothing(tree):
    root = tree(CLEAN)
    quiet = authlint("check", "--quiet", cwd=root)
    assert (quiet.status, quiet.stdout, quiet.stderr) == (0, "", "")


def test_quiet_github_annotations_without_the_summary_line(tree):
    root = tree(MIXED)
    full = authlint("check", "--format", "github", cwd=root)
    quiet = authlint("check", "--format", "github", "--quiet", cwd=root)
    assert quiet.status == full.status == 1
    *annotations, summary = full.stdout.splitlines()
    assert summary.startswith("authlint: ")
    assert all(line.startswith("::") for line in annotations)
    assert quiet.stdout.splitlines() == annotations
    assert quiet.stderr == ""


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_quiet_leaves_documents_whole(tree, output_format):
    root = tree(MIXED)
    full = authlint("check", "--format", output_format, cwd=root)
    quiet = authlint("check", "--format", output_format, "--quiet", cwd=root)
    assert quiet.status == full.status == 1
    assert quiet.raw == full.raw
    assert quiet.stderr == ""


def test_quiet_keeps_the_baseline_notes_back(tree):
    root = tree(WARNINGS_ONLY)
    written = authlint("check", "--write-baseline", "baseline.json", "--quiet", cwd=root)
    assert (written.status, written.stdout, written.stderr) == (0, "", "")
    assert (root / "baseline.json").is_file()
    noted = authlint("check", "--baseline", "baseline.json", cwd=root)
    assert noted.stderr == "authlint: 2 findings recorded in baseline.json not shown\n"
    quiet = authlint("check", "--baseline", "baseline.json", "-q", cwd=root)
    assert (quiet.status, quiet.stdout, quiet.stderr) == (0, "", "")


def test_quiet_still_fails_and_prints_errors(tree):
    root = tree(BROKEN)
    unparsed = authlint("check", "--quiet", "--exit-zero", cwd=root)
    assert unparsed.status == 1
    assert " AL001 " in unparsed.stdout
    assert unparsed.stderr == ""
    assert_usage_error(authlint("check", "--quiet", "no-such-dir", cwd=root))
    assert_usage_error(authlint("check", "-q", "--config", "no-such.toml", cwd=root))


def test_quiet_still_says_when_the_step_summary_cannot_be_written(tree):
    root = tree(MIXED)
    (root / "summary-is-a-folder").mkdir()
    run = authlint(
        "check",
        "--format",
        "github",
        "--quiet",
        cwd=root,
        env={"GITHUB_STEP_SUMMARY": str(root / "summary-is-a-folder")},
    )
    assert run.status == 1
    assert run.stderr.startswith("authlint: cannot write the step summary ")
    assert len(run.stderr.splitlines()) == 1


# --- --statistics --------------------------------------------------------------


def counts_by_rule(root) -> Counter[str]:
    findings = authlint("check", "--format", "json", cwd=root).json()["findings"]
    return Counter(finding["rule"] for finding in findings)


def test_statistics_is_the_table_then_the_summary(tree):
    root = tree(MIXED)
    full = authlint("check", cwd=root)
    statistics = authlint("check", "--statistics", cwd=root)
    assert statistics.status == full.status == 1
    assert statistics.stderr == ""
    *table, summary = statistics.stdout.splitlines()
    assert summary == full.stdout.splitlines()[-1]
    rows = [TABLE_ROW.match(line) for line in table]
    assert all(rows), statistics.stdout
    counted = [(int(row["count"]), row["rule"]) for row in rows if row]
    expected = counts_by_rule(root)
    assert len(expected) > 1
    assert {rule: count for count, rule in counted} == dict(expected)
    # Most frequent first, then by ID.
    assert counted == sorted(counted, key=lambda item: (-item[0], item[1]))
    for row in rows:
        assert row is not None
        assert row["severity"].strip() == RULES[row["rule"]].severity.value
        assert row["name"] == RULES[row["rule"]].name
    assert len({len(row["count"]) for row in rows if row}) == 1, "counts are aligned"


def test_statistics_quiet_is_the_table_alone(tree):
    root = tree(MIXED)
    statistics = authlint("check", "--statistics", cwd=root)
    quiet = authlint("check", "--statistics", "--quiet", cwd=root)
    assert quiet.status == 1
    assert quiet.stderr == ""
    assert quiet.stdout.splitlines() == statistics.stdout.splitlines()[:-1]
    assert all(TABLE_ROW.match(line) for line in quiet.stdout.splitlines())


def test_statistics_of_a_clean_run(tree):
    root = tree(CLEAN)
    statistics = authlint("check", "--statistics", cwd=root)
    assert (statistics.status, statistics.stdout, statistics.stderr) == (
        0,
        "No findings in 2 files.\n",
        "",
    )
    quiet = authlint("check", "--statistics", "-q", cwd=root)
    assert (quiet.status, quiet.stdout, quiet.stderr) == (0, "", "")
    as_json = authlint("check", "--statistics", "--format", "json", cwd=root)
    assert as_json.status == 0
    assert json.loads(as_json.stdout)["statistics"] == []


@pytest.mark.parametrize("flag", ["--format", "--output-format"])
def test_statistics_as_json(tree, flag):
    root = tree(MIXED)
    run = authlint("check", "--statistics", flag, "json", cwd=root)
    assert run.status == 1
    assert run.stderr == ""
    document = json.loads(run.stdout)
    assert list(document) == STATISTICS_KEYS
    assert document["version"] == 1
    report = authlint("check", "--format", "json", cwd=root).json()
    assert document["tool"] == report["tool"]
    assert document["files_scanned"] == report["files_scanned"]
    expected = counts_by_rule(root)
    assert document["statistics"] == [
        {
            "rule": rule_id,
            "name": RULES[rule_id].name,
            "severity": RULES[rule_id].severity.value,
            "count": count,
        }
        for rule_id, count in sorted(expected.items(), key=lambda item: (-item[1], item[0]))
    ]
    quiet = authlint("check", "--statistics", flag, "json", "--quiet", cwd=root)
    assert quiet.raw == run.raw


@pytest.mark.parametrize("output_format", ["sarif", "github"])
def test_statistics_goes_with_text_or_json_only(tree, output_format):
    root = tree(MIXED)
    run = authlint("check", "--statistics", "--format", output_format, cwd=root)
    assert_usage_error(run)
    assert "--statistics" in run.stderr


def test_statistics_keeps_the_exit_status(tree):
    root = tree(WARNINGS_ONLY)
    assert authlint("check", "--statistics", cwd=root).status == 1
    assert authlint("check", "--statistics", "--exit-zero", cwd=root).status == 0
    assert authlint("check", "--statistics", "--fail-on", "error", cwd=root).status == 0
    tree(BROKEN)  # a file that does not parse joins the tree: that always fails
    assert authlint("check", "--statistics", "-q", "--exit-zero", cwd=root).status == 1


def test_statistics_in_forced_colour(tree):
    root = tree(MIXED)
    plain = authlint("check", "--statistics", cwd=root)
    coloured = authlint("check", "--statistics", cwd=root, env={"FORCE_COLOR": "1"})
    assert "\x1b[" in coloured.stdout
    assert click.unstyle(coloured.stdout) == plain.stdout
    written = authlint(
        "check", "--statistics", "--output", "stats.txt", cwd=root, env={"FORCE_COLOR": "1"}
    )
    assert (written.status, written.stdout) == (1, "")
    assert (root / "stats.txt").read_text() == plain.stdout
