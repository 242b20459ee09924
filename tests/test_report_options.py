"""``--quiet``: the findings and nothing else; what it keeps back and what it never does.

Each test runs the real command in a temporary tree and checks the exit
status, stdout and stderr.
"""

from __future__ import annotations

import pytest

from test_cli import BROKEN, CLEAN, MIXED, SUMMARY_LINE, WARNINGS_ONLY, assert_usage_error, authlint


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
