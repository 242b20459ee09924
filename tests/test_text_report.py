"""The text report: source line and caret, masking, colour, statistics, --output."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections import Counter
from pathlib import Path

from test_cli import MIXED, SECRET, SECRET_PARTS, authlint

ANSI = "\x1b["


def test_caret_sits_under_the_span(tree):
    root = tree(MIXED)
    lines = authlint("check", cwd=root).stdout.splitlines()
    headline = next(i for i, line in enumerate(lines) if " AL101 " in line)
    assert lines[headline].startswith("conf.d/api.conf:11:9: AL101 error ")
    assert lines[headline + 1] == "  11 |         proxy_set_header X-Request-Id $request_id;"
    assert lines[headline + 2] == "     |         " + "^" * len(
        "proxy_set_header X-Request-Id $request_id"
    )


def test_source_lines_never_show_a_secret(tree):
    root = tree(
        {
            "site.conf": (
                "server {\n    listen 8080;\n    location / {\n"
                f'        proxy_set_header Authorization "Basic {SECRET}";\n'
                "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
            )
        }
    )
    run = authlint("check", cwd=root)
    assert " AL103 " in run.stdout
    assert '  4 |         proxy_set_header Authorization "Basic ' in run.stdout
    for part in SECRET_PARTS:
        assert part not in run.stdout


def run_on_terminal(args: list[str], cwd: Path, **env: str) -> str:
    """What the command prints when its standard output is a terminal."""
    controller, terminal = pty.openpty()
    inherited = ("NO_COLOR", "TERM", "CI", "PRE_COMMIT", "GITHUB_ACTIONS")
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    environment.update(env)
    with subprocess.Popen(
        [sys.executable, "-m", "authlint", *args],
        cwd=cwd,
        stdout=terminal,
        stderr=subprocess.DEVNULL,
        env=environment,
    ) as process:
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed when the process ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(controller)
    return b"".join(chunks).decode("utf-8")


def test_colour_on_a_terminal_only(tree):
    root = tree(MIXED)
    assert ANSI in run_on_terminal(["check"], root, TERM="xterm")
    assert ANSI not in run_on_terminal(["check"], root, TERM="xterm", NO_COLOR="1")
    assert ANSI not in run_on_terminal(["check"], root, TERM="dumb")
    assert ANSI not in run_on_terminal(["check"], root, TERM="xterm", CI="true")
    assert ANSI not in run_on_terminal(["check"], root, TERM="xterm", PRE_COMMIT="1")
    assert ANSI not in authlint("check", cwd=root).stdout


def test_output_file_gets_the_report_without_colour(tree):
    root = tree(MIXED)
    on_stdout = authlint("check", cwd=root)
    written = authlint("check", "--output", "report.txt", cwd=root)
    assert written.status == on_stdout.status == 1
    assert written.stdout == ""
    assert (root / "report.txt").read_text() == on_stdout.stdout
    run_on_terminal(["check", "--output", "tty.txt"], root, TERM="xterm")
    assert (root / "tty.txt").read_text() == on_stdout.stdout
    json_written = authlint("check", "--format", "json", "--output", "r.json", cwd=root)
    assert json_written.stdout == ""
    assert (root / "r.json").read_text() == authlint("check", "--format", "json", cwd=root).stdout


def test_output_to_an_unwritable_place_is_an_error(tree):
    root = tree(MIXED)
    run = authlint("check", "--output", "no-such-dir/report.txt", cwd=root)
    assert run.status == 2
    assert len(run.stderr.splitlines()) == 1


def test_statistics_count_per_rule(tree):
    root = tree(MIXED)
    document = authlint("check", "--format", "json", cwd=root).json()
    counts = Counter(finding["rule"] for finding in document["findings"])
    lines = authlint("check", "--statistics", cwd=root).stdout.splitlines()
    table = [line.split() for line in lines[-1 - len(counts) : -1]]
    assert {row[1]: int(row[0]) for row in table} == dict(counts)
    assert [int(row[0]) for row in table] == sorted((int(row[0]) for row in table), reverse=True)
    assert all(row[2] in ("error", "warning", "info") for row in table)
    refused = authlint("check", "--statistics", "--format", "json", cwd=root)
    assert refused.status == 2
