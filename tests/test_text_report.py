"""The text report: source line and caret, masking, colour, --output."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import click
import pytest

from authlint.cli import colour_wanted

from test_cli import COLOUR_VARIABLES, MIXED, SECRET, SECRET_PARTS, authlint

ANSI = "\x1b["


def test_caret_sits_under_the_span(tree):
    root = tree(MIXED)
    lines = authlint("check", cwd=root).stdout.splitlines()
    headline = next(i for i, line in enumerate(lines) if " AL101 " in line)
    assert lines[headline].startswith("conf.d/api.conf:11:9: AL101 error ")
    source = lines.index("  11 |         proxy_set_header X-Request-Id $request_id;", headline)
    assert lines[source + 1] == "     |         " + "^" * len(
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
    inherited = (*COLOUR_VARIABLES, "TERM", "CI", "PRE_COMMIT", "GITHUB_ACTIONS")
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


@pytest.mark.parametrize(
    ("environ", "terminal", "coloured"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"TERM": "xterm"}, True, True),
        ({"NO_COLOR": "1"}, True, False),
        # Empty is unset, for each variable.
        ({"NO_COLOR": ""}, True, True),
        ({"FORCE_COLOR": ""}, False, False),
        ({"CLICOLOR_FORCE": ""}, False, False),
        ({"FORCE_COLOR": "1"}, False, True),
        # Any other value forces colour, "0" included (force-color.org).
        ({"FORCE_COLOR": "0"}, False, True),
        ({"CLICOLOR_FORCE": "1"}, False, True),
        # Forcing wins over what only guesses that no one reads colour...
        ({"FORCE_COLOR": "1", "CI": "true"}, False, True),
        ({"FORCE_COLOR": "1", "PRE_COMMIT": "1"}, True, True),
        ({"CLICOLOR_FORCE": "1", "TERM": "dumb"}, False, True),
        # ...and NO_COLOR wins over forcing.
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ({"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, False, False),
        ({"CI": "true"}, True, False),
        ({"PRE_COMMIT": "1"}, True, False),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_colour_precedence(environ, terminal, coloured):
    assert colour_wanted(environ, terminal) is coloured


@pytest.mark.parametrize("variable", ["FORCE_COLOR", "CLICOLOR_FORCE"])
def test_forced_colour_reaches_a_pipe_with_the_same_text(tree, variable):
    root = tree(MIXED)
    plain = authlint("check", cwd=root)
    forced = authlint("check", cwd=root, env={variable: "1", "CI": "true", "TERM": "dumb"})
    assert forced.status == plain.status == 1
    assert forced.stderr == plain.stderr == ""
    assert ANSI in forced.stdout
    assert ANSI not in plain.stdout
    assert click.unstyle(forced.stdout) == plain.stdout
    refused = authlint("check", cwd=root, env={variable: "1", "NO_COLOR": "1"})
    assert refused.raw == plain.raw
    assert ANSI in run_on_terminal(["check"], root, TERM="dumb", PRE_COMMIT="1", **{variable: "1"})


def test_forced_colour_is_for_the_text_report_on_standard_output(tree):
    root = tree(MIXED)
    for output_format in ("json", "sarif", "github"):
        run = authlint("check", "--format", output_format, cwd=root, env={"FORCE_COLOR": "1"})
        assert ANSI not in run.stdout, output_format
    written = authlint("check", "--output", "report.txt", cwd=root, env={"FORCE_COLOR": "1"})
    assert written.status == 1
    assert (root / "report.txt").read_text() == authlint("check", cwd=root).stdout


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


# --- a 100-column terminal ------------------------------------------------------


def test_every_line_fits_in_100_columns_but_what_cannot_be_split(tree):
    root = tree(
        {
            "conf.d/site.conf": (
                "server {\n    listen 8080;\n    location /api/ {\n"
                '        proxy_set_header Authorization "";'
                + " "
                * 40
                + "proxy_set_header X-Padding-Header-To-Make-The-Line-Long $request_id;\n"
                "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
            )
        }
    )
    lines = authlint("check", cwd=root).stdout.splitlines()
    assert any(" AL102 " in line for line in lines)
    assert [line for line in lines if len(line) > 100] == []


def test_a_long_source_line_is_cut_around_the_span_with_the_caret_under_it(tree):
    padding = "set $x" + "y" * 150 + " 1;"
    root = tree(
        {
            "site.conf": (
                "server {\n    location / {\n"
                f'        {padding} proxy_set_header Authorization ""; {padding}\n'
                "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
            )
        }
    )
    lines = authlint("check", cwd=root).stdout.splitlines()
    source = next(line for line in lines if line.startswith("  3 | "))
    caret = lines[lines.index(source) + 1]
    assert len(source) == 100
    assert source[len("  3 | ")] == "…"
    assert source.endswith("…")
    start = caret.index("^")
    assert source[start:].startswith('proxy_set_header Authorization ""')
    assert caret[start:].startswith("^" * len("proxy_set_header Authorization"))
    assert set(caret[start:]) == {"^"}


def test_control_characters_of_a_config_do_not_reach_the_terminal(tree):
    # An escape sequence in a config would recolour, move or clear the terminal.
    root = tree(
        {
            "site.conf": (
                "server {\n    location / {\n"
                '        proxy_set_header Authorization ""; # \x1b[2J\x1b]0;pwned\x07 \u202e\n'
                "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
            )
        }
    )
    output = authlint("check", cwd=root).stdout
    assert "\x1b" not in output
    assert "\x07" not in output
    assert "\u202e" not in output
    assert '  3 |         proxy_set_header Authorization ""; # \ufffd[2J\ufffd]0;' in output


def test_wrapping_keeps_code_spans_whole():
    from authlint.reporters.layout import wrapped

    lines = wrapped(
        "the include `/config/nginx/proxy-confs/*.subfolder.conf` in `location = /authelia` "
        "is unknown",
        "x" * 70,
        "    ",
    )
    assert lines[0] == "x" * 70 + "the include"
    assert lines[1:] == [
        "    `/config/nginx/proxy-confs/*.subfolder.conf` in `location = /authelia` is unknown"
    ]


def test_control_characters_quoted_by_a_message_do_not_reach_the_terminal(tree):
    root = tree(
        {
            "site.conf": (
                "server {\n    location /a\x1b[2Jb/ {\n"
                '        proxy_set_header Authorization "";\n'
                "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
            )
        }
    )
    output = authlint("check", cwd=root).stdout
    assert "`location /a\ufffd[2Jb/`" in " ".join(output.split())
    assert "\x1b" not in output
