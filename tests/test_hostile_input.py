"""Hostile and broken input: bounded work, a finding for what cannot be read, the rest linted.

Pins issue 9's attacks: an include bomb, regexes that backtrack without end
adding up, a NUL byte in a path or a file, symbolic link loops, names too
long, UTF-16 and byte-order marks. Each ends in a finding at its file and
line (or one warning for the run), never in an internal error, a hang or a
silent skip, and the other files are still linted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from authlint.discovery import discover
from authlint.engine import run, run_stdin
from authlint.formats import IncludeOptions
from authlint.model.origins import RUN_SECONDS, SEARCH_SECONDS, regex_clock, search_pcre
from authlint.model.workspace import ReadBudget

from conftest import lint, model, write
from hostile import CANARY, dump, include_bomb, slow_allow_list
from realserver import required_nginx

CANARY_FINDING = ("AL102", "canary.conf", 3)
MAIN = "events {}\nhttp {\n    include conf.d/*.conf;\n}\n"


def places(result) -> list[tuple[str, str, int]]:
    return [(f.rule, f.span.path, f.span.line) for f in result.findings]


def authlint(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "authlint", "check", "--isolated", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def assert_no_internal_error(done: subprocess.CompletedProcess) -> None:
    assert b"internal error" not in done.stderr, done.stderr
    assert b"Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr


# --- includes that fan out ----------------------------------------------------------


def test_an_include_bomb_stops_at_one_finding_and_the_rest_is_linted(tmp_path: Path) -> None:
    root = write(tmp_path, {**include_bomb(25), "canary.conf": CANARY})
    result = lint(root, cwd=root)
    stops = [f for f in result.findings if f.rule == "AL001"]
    assert len(stops) == 1
    assert stops[0].message.startswith("reading stopped at this include: the run read ")
    assert stops[0].span.path.startswith("bomb/")
    assert CANARY_FINDING in places(result)


def test_an_include_bomb_reads_no_more_than_its_allowance(tmp_path: Path) -> None:
    root = write(tmp_path, include_bomb(25))
    reading = model(root, cwd=root).reading
    assert reading.exhausted
    # The include that crossed the allowance reads one file more, at most.
    assert reading.spent <= reading.allowance + ReadBudget.PER_INCLUDE + 2


def test_an_include_bomb_in_an_nginx_dump_stops_too() -> None:
    result = run_stdin(dump(include_bomb(25)), IncludeOptions())
    assert [f.rule for f in result.findings] == ["AL001"]


def test_an_include_bomb_through_the_command_finishes(tmp_path: Path) -> None:
    root = write(tmp_path, {**include_bomb(25), "canary.conf": CANARY})
    done = authlint("--format", "json", ".", cwd=root)
    assert_no_internal_error(done)
    assert b'"AL102"' in done.stdout


def test_reusing_snippets_everywhere_stays_within_the_allowance(tmp_path: Path) -> None:
    # A real layout at its heaviest: a 40-line snippet in each of 3,000 locations.
    snippet = "".join(f"proxy_set_header X-Header-{index} $host;\n" for index in range(40))
    locations = "".join(
        f"    location /app{index}/ {{\n        include snippets/proxy.conf;\n"
        f"        proxy_pass http://127.0.0.1:9000;\n    }}\n"
        for index in range(3000)
    )
    root = write(
        tmp_path,
        {
            "nginx.conf": MAIN,
            "snippets/proxy.conf": snippet,
            "conf.d/site.conf": f"server {{\n    listen 80;\n{locations}}}\n",
        },
    )
    workspace = model(root, cwd=root)
    assert not workspace.reading.exhausted
    assert workspace.reading.spent > ReadBudget.BASE  # the allowance grew with the files
    assert not [p for p in workspace.problems if p.kind.value == "parse-error"]


# --- regexes that backtrack ---------------------------------------------------------


def test_slow_regexes_share_one_budget_per_run_said_once(tmp_path: Path) -> None:
    root = write(tmp_path, {"slow.conf": slow_allow_list(40), "canary.conf": CANARY})
    done = authlint(".", cwd=root)
    assert_no_internal_error(done)
    assert done.stderr.decode().count("regexes took more than") == 1
    assert b"canary.conf:3:" in done.stdout


def test_the_run_budget_bounds_the_time_spent_in_regexes() -> None:
    from authlint.model.origins import RegexTooSlow, compile_pcre

    compiled = compile_pcre("^(.*a){20}$")
    assert compiled is not None
    with regex_clock(limit=0.3) as clock:
        for _ in range(5):
            with pytest.raises(RegexTooSlow):
                search_pcre(compiled, "a" * 40 + "b")
        assert clock.exhausted
        # Once exhausted, a search that would be quick is unknown too.
        quick = compile_pcre("^x$")
        assert quick is not None
        with pytest.raises(RegexTooSlow):
            search_pcre(quick, "x")
    assert clock.spent <= 0.3 + SEARCH_SECONDS
    assert RUN_SECONDS >= 4 * SEARCH_SECONDS


def test_quick_searches_do_not_use_up_the_run_budget() -> None:
    from authlint.model.origins import compile_pcre

    compiled = compile_pcre(r"^https://(app|admin)\.example\.com$")
    assert compiled is not None
    with regex_clock() as clock:
        for _ in range(20_000):
            search_pcre(compiled, "https://app.example.com")
    assert clock.spent < RUN_SECONDS / 10


# --- bytes that are no config text ----------------------------------------------------


def test_a_nul_byte_in_an_include_path_on_standard_input(tmp_path: Path) -> None:
    done = authlint("-", cwd=tmp_path, stdin=b"include a\0b/c;\n")
    assert_no_internal_error(done)
    assert done.stdout.startswith(b"<stdin>:1:1: AL001 error this line holds a NUL byte")


def test_a_nul_byte_in_a_main_config_is_reported_not_swallowed(tmp_path: Path) -> None:
    root = write(tmp_path, {"canary.conf": CANARY})
    (root / "nginx.conf").write_bytes(
        b"events {}\nhttp {\n    server { listen 80; \0 }\n    server { listen 81; }\n}\n"
    )
    result = lint(root, cwd=root)
    assert places(result) == [CANARY_FINDING, ("AL001", "nginx.conf", 3)]


@pytest.mark.parametrize(
    ("encoding", "reason"),
    [
        ("utf-16", "the file is UTF-16 text, which nginx cannot read"),
        ("utf-16-be", "this line holds a NUL byte"),
        ("utf-32", "the file is UTF-32 text, which nginx cannot read"),
        ("utf-8-sig", "the file starts with a UTF-8 byte-order mark"),
    ],
)
def test_a_config_in_another_encoding_is_a_finding_in_a_walk_and_by_name(
    tmp_path: Path, encoding: str, reason: str
) -> None:
    root = write(tmp_path, {"canary.conf": CANARY})
    (root / "site.conf").write_bytes(CANARY.encode(encoding))
    walked = lint(root, cwd=root)
    assert places(walked) == [CANARY_FINDING, ("AL001", "site.conf", 1)]
    assert walked.findings[1].message.startswith(reason)
    assert "UTF-8" in walked.findings[1].fix
    named = lint(root / "site.conf", cwd=root)
    assert places(named) == [("AL001", "site.conf", 1)]


def test_a_binary_file_named_on_the_command_line_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "blob").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    done = authlint("blob", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.stdout.startswith(b"blob:3:1: AL001 error this line holds a NUL byte")
    assert done.returncode == 1


def test_a_binary_file_found_in_a_walk_is_no_config(tmp_path: Path) -> None:
    # Only a file named on the command line, or named as nginx names its
    # configs, is read whatever its bytes: a walk meets binary files.
    root = write(tmp_path, {"canary.conf": CANARY})
    (root / "data.conf").write_bytes(b"\0\1\2\3" * 64)
    assert places(lint(root, cwd=root)) == [CANARY_FINDING]


@pytest.mark.realserver
@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_nginx_refuses_the_encodings_authlint_reports(tmp_path: Path, encoding: str) -> None:
    binary = required_nginx()
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_bytes(b"events {}\nhttp {\n    include site.conf;\n}\n")
    (tmp_path / "site.conf").write_bytes("server { listen 127.0.0.1:1; }\n".encode(encoding))
    done = subprocess.run(
        [
            binary,
            "-t",
            "-p",
            str(tmp_path),
            "-e",
            str(tmp_path / "logs" / "error.log"),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-g",
            f"pid {tmp_path}/nginx.pid;",
        ],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1
    assert b"unknown directive" in done.stderr


# --- paths that cannot be read ----------------------------------------------------


def test_a_symlink_loop_in_the_tree_is_a_finding_per_link(tmp_path: Path) -> None:
    root = write(tmp_path, {"canary.conf": CANARY})
    (root / "a.conf").symlink_to("b.conf")
    (root / "b.conf").symlink_to("a.conf")
    result = lint(root, cwd=root)
    assert places(result) == [
        ("AL001", "a.conf", 1),
        ("AL001", "b.conf", 1),
        CANARY_FINDING,
    ]
    assert result.findings[0].message == "cannot be read: Too many levels of symbolic links"


def test_a_symlink_loop_named_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "a.conf").symlink_to("b.conf")
    (tmp_path / "b.conf").symlink_to("a.conf")
    done = authlint("a.conf", cwd=tmp_path)
    assert_no_internal_error(done)
    assert done.stdout.startswith(b"a.conf:1:1: AL001 error cannot read the file: Too many")


def test_an_include_through_a_symlink_loop_leaves_its_level_unknown(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {"nginx.conf": "events {}\nhttp {\n    include loop/*.conf;\n}\n", "canary.conf": CANARY},
    )
    (root / "loop").symlink_to("loop")
    done = authlint(".", cwd=root)
    assert_no_internal_error(done)
    assert b"canary.conf:3:" in done.stdout


def test_an_include_name_too_long_is_a_finding_at_the_include(tmp_path: Path) -> None:
    name = "x" * 300
    root = write(
        tmp_path,
        {
            "nginx.conf": f"events {{}}\nhttp {{\n    include {name}.conf;\n}}\n",
            "canary.conf": CANARY,
        },
    )
    result = lint(root, cwd=root)
    assert places(result) == [CANARY_FINDING, ("AL001", "nginx.conf", 3)]
    assert "File name too long" in result.findings[1].message


def test_a_folder_that_cannot_be_listed_is_a_finding(tmp_path: Path, monkeypatch) -> None:
    # Tests may run as root, whom permissions do not stop: the refusal is simulated.
    root = write(tmp_path, {"canary.conf": CANARY, "private/site.conf": CANARY})
    private = (root / "private").resolve()
    scandir = os.scandir

    def refusing(path):
        if Path(path) == private:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    (group,) = discover([root], root.resolve())
    assert group.unreadable == {private: "Permission denied"}
    result = lint(root, cwd=root)
    assert places(result) == [CANARY_FINDING, ("AL001", "private", 1)]


def test_a_device_or_a_pipe_named_on_the_command_line_is_a_finding_not_read(tmp_path: Path) -> None:
    # Read, /dev/zero would fill the memory and a pipe would block the run.
    root = write(tmp_path, {"canary.conf": CANARY})
    (root / "zero.conf").symlink_to("/dev/zero")
    os.mkfifo(root / "pipe.conf")
    done = authlint("--format", "json", "zero.conf", "pipe.conf", "canary.conf", cwd=root)
    assert_no_internal_error(done)
    findings = [(f["rule"], f["path"], f["message"]) for f in json.loads(done.stdout)["findings"]]
    assert findings == [
        ("AL001", "/dev/zero", "cannot be read: not a regular file"),
        ("AL102", "canary.conf", findings[1][2]),
        ("AL001", "pipe.conf", "cannot be read: not a regular file"),
    ]


def test_an_include_of_the_root_folder_is_outside_the_tree(tmp_path: Path) -> None:
    root = write(tmp_path, {"site.conf": "include /;\n"})
    (finding,) = lint(root, cwd=root).findings
    assert (finding.rule, finding.span.path, finding.span.line) == ("AL004", "site.conf", 1)
    assert "--include-map /=DIR" in (finding.fix or "")


# A file name that is not UTF-8: Python holds its byte 0xff as the surrogate U+DCFF.
NOT_UTF8 = b"x\xff.conf"


@pytest.mark.parametrize(
    ("options", "written", "shown"),
    [
        (["--format", "text"], None, b"x\\udcff.conf:3:9: AL102"),
        (["--format", "json"], None, b'"path": "x\\udcff.conf"'),
        (["--format", "github"], None, b"::warning file=x\\udcff.conf,line=3"),
        (["--format", "sarif", "--output", "{out}"], "report", b'"uri": "x%FF.conf"'),
        (["--format", "text", "--output", "{out}"], "report", b"x\\udcff.conf:3:9"),
        # Relative to the baseline file, beside the tree.
        (["--write-baseline", "{out}"], "report", b'"path": "tree/x\\udcff.conf"'),
        (["--format", "github"], "summary", b"blob/0123/x%FF.conf#L3"),
    ],
)
def test_a_file_name_that_is_not_utf8_reaches_every_writer(
    tmp_path: Path, options: list[str], written: str | None, shown: bytes
) -> None:
    """Its byte is written as a \\udcff escape (a URI's as %FF), in any locale."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / os.fsdecode(NOT_UTF8)).write_text(CANARY)
    out = tmp_path / "report"
    environment = {
        **os.environ,
        # Strict UTF-8 output, as under en_US.UTF-8: a surrogate cannot be written.
        "PYTHONIOENCODING": "utf-8",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_SERVER_URL": "https://github.invalid",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_SHA": "0123",
    }
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", "--isolated"]
        + [option.replace("{out}", str(out)) for option in options],
        cwd=root,
        env=environment,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert_no_internal_error(done)
    report = done.stdout if written is None else (tmp_path / written).read_bytes()
    assert shown in report
    report.decode("utf-8")  # valid UTF-8 throughout


def test_a_baseline_of_a_file_name_that_is_not_utf8_matches_it_again(tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(NOT_UTF8)).write_text(CANARY)
    assert authlint("--write-baseline", "baseline.json", cwd=tmp_path).returncode == 0
    done = authlint("--baseline", "baseline.json", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, b"No findings in 1 file.\n")


def test_every_named_file_is_accounted_for(tmp_path: Path) -> None:
    # A file named on the command line is linted or a finding: never "0 files".
    root = write(tmp_path, {"canary.conf": CANARY})
    (root / "u16.conf").write_bytes(CANARY.encode("utf-16"))
    (root / "loop.conf").symlink_to("loop.conf")
    result = run(
        [root / "canary.conf", root / "u16.conf", root / "loop.conf"], IncludeOptions(), root
    )
    assert {path for _, path, _ in places(result)} == {"canary.conf", "u16.conf", "loop.conf"}


def test_an_apache_config_in_utf16_named_on_the_command_line_is_left_alone(
    tmp_path: Path,
) -> None:
    # It is no nginx config in another encoding: like an Apache file in UTF-8,
    # it is not read as nginx (and nginx's verdict on UTF-16 is not claimed).
    (tmp_path / "site.conf").write_bytes(
        "<VirtualHost *:80>\n    ServerName example.com\n</VirtualHost>\n".encode("utf-16")
    )
    assert lint(tmp_path / "site.conf", cwd=tmp_path).findings == []
