"""The ``authlint`` command, run for real: a subprocess in a temporary tree.

Each test writes a small config tree, runs ``python -m authlint`` (and once
the ``authlint`` console script) with the tree as the current directory, and
checks what a user or a CI job sees: the exit status, stdout and stderr.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from authlint import __version__

from conftest import EXAMPLES, REPO, write

SCRIPT = Path(sys.executable).parent / "authlint"
COLOUR_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")

FAMILIES = ("linter", "forwarding", "basic-auth", "cors", "caching", "buffers", "hygiene")
SEVERITIES = ("error", "warning", "info")
TOP_KEYS = ["version", "tool", "findings", "files_scanned"]
FINDING_KEYS = [
    "rule",
    "severity",
    "family",
    "message",
    "fix",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "related",
]
FINDING_LINE = re.compile(
    r"^(?P<path>[^\s:][^:]*):(?P<line>[1-9]\d*):(?P<column>[1-9]\d*): "
    r"(?P<rule>AL\d{3}) (?P<severity>error|warning|info) (?P<message>\S.*)$"
)
SUMMARY_LINE = re.compile(r"^(?:Found [1-9]\d* findings? \([^)]+\)|No findings) in \d+ files?\.$")

# A fixed service credential ("service:s3cret"): it must never be printed.
SECRET = "c2VydmljZTpzM2NyZXQ="
SECRET_PARTS = ("c2VydmljZTpzM2NyZXQ", "service:s3cret", "s3cret")

MAIN = """\
events {}
http {
    include conf.d/*.conf;
}
"""

CLEAN = {
    "nginx.conf": MAIN,
    "conf.d/site.conf": """\
server {
    listen 8080;
    server_name app.example.com;

    location / {
        proxy_set_header Host $host;
        proxy_pass http://127.0.0.1:9000;
    }
}
""",
}

# Only warnings: Authorization stripped (AL102) and replaced by a fixed value (AL103).
WARNINGS_ONLY = {
    "site.conf": """\
server {
    listen 8080;

    location /api/ {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9001;
    }

    location /svc/ {
        proxy_set_header Authorization "Bearer fixed-token";
        proxy_pass http://127.0.0.1:9002;
    }
}
""",
}

# Only info: an include that is not in the tree (AL003).
INFO_ONLY = {
    "site.conf": """\
server {
    listen 8080;

    location / {
        include snippets/not-in-this-repo.conf;
        proxy_pass http://127.0.0.1:9000;
    }
}
""",
}

# Errors, warnings and info over several files; names chosen so that the
# walk's order (a/ first) differs from the sort by path ("a-b" < "a." < "a/"),
# and line 9 comes before line 13 although "13" < "9" as text.
MIXED = {
    "nginx.conf": MAIN,
    "conf.d/api.conf": """\
server {
    listen 8080;
    server_name api.example.com;
    proxy_set_header Authorization "Bearer $cookie_access_token";

    location / {
        proxy_pass http://127.0.0.1:9000;
    }

    location /v2/ {
        proxy_set_header X-Request-Id $request_id;
        proxy_pass http://127.0.0.1:9001;
    }
}
""",
    "conf.d/admin.conf": """\
server {
    listen 8081;

    location /admin/ {
        auth_basic "admin";
        auth_basic_user_file /etc/nginx/htpasswd;
        include snippets/not-in-this-repo.conf;
        proxy_pass http://127.0.0.1:9000;
    }
}
""",
    "a/z.conf": """\
server {
    listen 8082;
    location / {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9000;
    }
}
""",
    "a-b.conf": """\
server {
    listen 8083;
    location / {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9000;
    }
}
""",
    "a.conf": """\
server {
    listen 8084;
    location / {
        proxy_pass_request_headers off;
        proxy_pass http://127.0.0.1:9000;
    }
    location /b/ {
        proxy_pass http://127.0.0.1:9000;
    }
    location /c/ {
        auth_basic "c";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_pass http://127.0.0.1:9000;
    }
}
""",
}

# One file that does not parse next to one with a finding.
BROKEN = {
    "broken.conf": """\
server {
    listen 8080;

    location / {
        proxy_pass http://127.0.0.1:9000
    }
}
""",
    "other.conf": """\
server {
    listen 8081;

    location /api/ {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9001;
    }
}
""",
}

SECRETS = {
    "site.conf": f"""\
server {{
    listen 8080;
    proxy_set_header Authorization "Basic {SECRET}";

    location / {{
        proxy_pass http://127.0.0.1:9000;
    }}

    location /api/ {{
        proxy_set_header X-Request-Id $request_id;
        proxy_pass http://127.0.0.1:9001;
    }}

    location /svc/ {{
        proxy_set_header Authorization "Basic {SECRET}";
        proxy_pass http://127.0.0.1:9002;
    }}

    location ~ \\.php$ {{
        include fastcgi_params;
        fastcgi_param HTTP_AUTHORIZATION "Basic {SECRET}";
        fastcgi_pass unix:/run/php/php-fpm.sock;
    }}
}}
""",
    "broken.conf": f"""\
server {{
    listen 8081;
    proxy_buffering "Basic {SECRET}";
    proxy_set_header Authorization "Basic {SECRET}" extra;
    location / {{
        proxy_pass http://127.0.0.1:9000;
    }}
}}
""",
}

INCLUDE_MAP = {
    "site/nginx.conf": """\
events {}
http {
    server {
        listen 8080;
        location / {
            include /etc/nginx/snippets/auth.conf;
            proxy_pass http://127.0.0.1:9000;
        }
    }
}
""",
    "maps/snippets/auth.conf": 'proxy_set_header Authorization "";\n',
}

OUTSIDE = {
    "site/nginx.conf": """\
events {}
http {
    server {
        listen 8080;
        location / {
            include ../shared/auth.conf;
            proxy_pass http://127.0.0.1:9000;
        }
    }
}
""",
    "shared/auth.conf": 'proxy_set_header Authorization "";\n',
}


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str
    raw: bytes

    def json(self) -> dict:
        document = json.loads(self.stdout)
        assert_schema(document)
        return document


def authlint(*args: str, cwd: Path, script: bool = False, env: dict[str, str] | None = None) -> Run:
    """Run the real command with ``cwd`` as the current directory.

    Its environment is this one without ``GITHUB_ACTIONS`` (which changes the
    default format), ``GITHUB_STEP_SUMMARY`` (a job's real summary) and the
    variables that force or forbid colour, plus ``env``.
    """
    command = [str(SCRIPT)] if script else [sys.executable, "-m", "authlint"]
    dropped = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", *COLOUR_VARIABLES)
    environment = {name: value for name, value in os.environ.items() if name not in dropped}
    environment.update(env or {})
    done = subprocess.run(
        [*command, *args], cwd=cwd, env=environment, capture_output=True, timeout=60, check=False
    )
    return Run(
        done.returncode,
        done.stdout.decode("utf-8"),
        done.stderr.decode("utf-8"),
        done.stdout,
    )


def assert_schema(document: dict) -> None:
    """The README's JSON schema, version 1: keys, their order and their types."""
    assert list(document) == TOP_KEYS
    assert document["version"] == 1
    assert list(document["tool"]) == ["name", "version"]
    assert document["tool"]["name"] == "authlint"
    assert isinstance(document["tool"]["version"], str)
    assert document["tool"]["version"] == __version__
    assert type(document["files_scanned"]) is int
    assert document["files_scanned"] >= 0
    assert isinstance(document["findings"], list)
    for finding in document["findings"]:
        assert list(finding) == FINDING_KEYS
        assert re.fullmatch(r"AL\d{3}", finding["rule"])
        assert finding["severity"] in SEVERITIES
        assert finding["family"] in FAMILIES
        assert finding["family"] == FAMILIES[int(finding["rule"][2])]
        for key in ("message", "fix", "path"):
            assert isinstance(finding[key], str)
            assert finding[key].strip()
        assert "\n" not in finding["message"]
        assert type(finding["line"]) is int
        assert finding["line"] >= 1
        for key in ("column", "end_line", "end_column"):
            assert finding[key] is None or (type(finding[key]) is int and finding[key] >= 1)
        if finding["end_line"] is not None:
            assert finding["end_line"] >= finding["line"]
        assert_relative_posix(finding["path"])
    assert document["findings"] == sorted(document["findings"], key=sort_key)


def sort_key(finding: dict) -> tuple[str, int, int, str]:
    return (finding["path"], finding["line"], finding["column"] or 0, finding["rule"])


def assert_relative_posix(path: str) -> None:
    assert "\\" not in path
    assert not path.startswith(("/", "./"))
    assert ".." not in path.split("/")
    assert "//" not in path


def places(document: dict) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["path"], f["line"]) for f in document["findings"]]


def assert_usage_error(run: Run) -> None:
    """Exit 2, nothing on stdout, exactly one line on stderr, no traceback."""
    assert run.status == 2, run
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("authlint: error: ")
    assert run.stderr.endswith("\n")


# --- exit status -------------------------------------------------------------


def test_tree_with_findings_exits_1(tree):
    root = tree(MIXED)
    run = authlint("check", cwd=root)
    assert run.status == 1
    assert run.stderr == ""
    assert FINDING_LINE.match(run.stdout.splitlines()[0])


def test_clean_tree_exits_0(tree):
    root = tree(CLEAN)
    run = authlint("check", cwd=root)
    assert run.status == 0
    assert run.stderr == ""
    assert run.stdout == "No findings in 2 files.\n"
    document = authlint("check", "--format", "json", cwd=root).json()
    assert document["findings"] == []
    assert document["files_scanned"] == 2


def test_tree_without_configs_exits_0(tree):
    root = tree({"README.md": "# not a config\n", "app.py": "print('hi')\n"})
    document = authlint("check", "--format", "json", cwd=root).json()
    assert document["files_scanned"] == 0
    assert document["findings"] == []


@pytest.mark.parametrize(
    ("files", "fail_on", "expected"),
    [
        (WARNINGS_ONLY, None, 1),
        (WARNINGS_ONLY, "error", 0),
        (WARNINGS_ONLY, "warning", 1),
        (WARNINGS_ONLY, "info", 1),
        (INFO_ONLY, None, 0),
        (INFO_ONLY, "error", 0),
        (INFO_ONLY, "warning", 0),
        (INFO_ONLY, "info", 1),
        (CLEAN, "info", 0),
        (MIXED, "error", 1),
    ],
    ids=[
        "warnings-default",
        "warnings-error",
        "warnings-warning",
        "warnings-info",
        "info-default",
        "info-error",
        "info-warning",
        "info-info",
        "clean-info",
        "mixed-error",
    ],
)
def test_fail_on_threshold(tree, files, fail_on, expected):
    root = tree(files)
    options = [] if fail_on is None else ["--fail-on", fail_on]
    run = authlint("check", "--format", "json", *options, cwd=root)
    assert run.status == expected
    assert run.stderr == ""
    severities = {finding["severity"] for finding in run.json()["findings"]}
    if files is WARNINGS_ONLY:
        assert severities == {"warning"}
    elif files is INFO_ONLY:
        assert severities == {"info"}


# --- JSON --------------------------------------------------------------------


def test_json_schema_and_order(tree):
    root = tree(MIXED)
    run = authlint("check", "--format", "json", cwd=root)
    assert run.status == 1
    assert run.stderr == ""
    document = run.json()  # validates the schema, the types and the sort
    assert document["files_scanned"] == 6
    rules = {finding["rule"] for finding in document["findings"]}
    assert {"AL003", "AL101", "AL102", "AL104"} <= rules
    assert {finding["severity"] for finding in document["findings"]} == set(SEVERITIES)
    paths = [finding["path"] for finding in document["findings"]]
    assert paths == sorted(paths)
    assert paths[0] == "a-b.conf"
    assert "a/z.conf" in paths
    assert paths.index("a.conf") < paths.index("a/z.conf")
    lines_in_a = [line for _, path, line in places(document) if path == "a.conf"]
    assert lines_in_a == sorted(lines_in_a)
    assert any(line >= 10 for line in lines_in_a)
    # the AL101 finding points at the location's own proxy_set_header
    assert ("AL101", "conf.d/api.conf", 11) in places(document)
    assert run.stdout.endswith("}\n")


def test_json_families_match_rule_ids(tree):
    root = tree({**MIXED, **BROKEN})
    document = authlint("check", "--format", "json", cwd=root).json()
    families = {finding["rule"]: finding["family"] for finding in document["findings"]}
    assert families["AL001"] == "linter"
    assert families["AL003"] == "linter"
    assert families["AL101"] == "forwarding"
    assert families["AL104"] == "forwarding"


# --- text --------------------------------------------------------------------


SNIPPET_LINE = re.compile(r"^  (?P<number>[1-9]\d*) \| (?P<text>.*)$")
CARET_LINE = re.compile(r"^  (?P<gutter> +) \| (?P<indent> *)\^+$")


# The text report wraps a headline's message and a fix to 100 columns: their
# later lines are indented by 4 and by 7 spaces.
HEADLINE_MORE, FIX_MORE = "    ", "       "


def text_blocks(stdout: str) -> tuple[list[list[str]], str]:
    """The text report's findings (headline, optional source and caret lines, fix) and summary,
    each wrapped headline and fix joined back into one line."""
    *body, summary = stdout.splitlines()
    blocks: list[list[str]] = []
    for line in body:
        if not line.startswith(" "):
            blocks.append([line])
        elif line.startswith(FIX_MORE) and blocks[-1][-1].startswith("  fix: "):
            blocks[-1][-1] += " " + line.strip()
        elif line.startswith(HEADLINE_MORE) and len(blocks[-1]) == 1:
            blocks[-1][0] += " " + line.strip()
        else:
            blocks[-1].append(line)
    return blocks, summary


def test_text_format_lines(tree):
    root = tree(MIXED)
    run = authlint("check", cwd=root)
    assert run.stdout.endswith("\n")
    blocks, summary = text_blocks(run.stdout)
    assert SUMMARY_LINE.match(summary), summary
    assert blocks
    for block in blocks:
        finding = FINDING_LINE.match(block[0])
        assert finding, block
        assert len(block) in (2, 4), block
        fix_line = block[-1]
        assert fix_line.startswith("  fix: ")
        assert fix_line[len("  fix: ") :].strip()
        if len(block) == 4:
            source, caret = SNIPPET_LINE.match(block[1]), CARET_LINE.match(block[2])
            assert source, block
            assert caret, block
            assert source["number"] == finding["line"]
            assert len(caret["gutter"]) == len(source["number"])
            # The caret starts under the finding's column.
            assert len(caret["indent"]) == int(finding["column"]) - 1
    assert all(len(block) == 4 for block in blocks if "AL101" in block[0])
    document = authlint("check", "--format", "json", cwd=root).json()
    total = len(document["findings"])
    assert summary.startswith(f"Found {total} findings (")
    assert summary.endswith(f" in {document['files_scanned']} files.")
    for severity in SEVERITIES:
        count = sum(finding["severity"] == severity for finding in document["findings"])
        assert (f"{count} {severity}" in summary) == (count > 0)


def test_text_and_json_report_the_same_findings(tree):
    root = tree({**MIXED, **BROKEN})
    blocks, _ = text_blocks(authlint("check", cwd=root).stdout)
    document = authlint("check", "--format", "json", cwd=root).json()
    expected = [
        (
            f"{finding['path']}:{finding['line']}:{finding['column'] or 1}: "
            f"{finding['rule']} {finding['severity']} {finding['message']}",
            f"  fix: {finding['fix']}",
        )
        for finding in document["findings"]
    ]
    assert [(block[0], block[-1]) for block in blocks] == expected


# --- usage errors ------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--bogus"],
        ["--bogus"],
        ["bogus"],
        ["check", "--format", "xml"],
        ["check", "--format"],
        ["check", "--output-format", "xml"],
        ["check", "--output-format"],
        ["check", "--fail-on", "fatal"],
        ["check", "--fail-on", "WARNING"],
        ["check", "no-such-dir"],
        ["check", ".", "no-such-file.conf"],
        ["check", "--include-map", "etc/nginx=maps"],
        ["check", "--include-map", "/etc/nginx"],
        ["check", "--include-map", "/etc/nginx="],
        ["check", "--include-map", "=maps"],
        ["check", "--include-map", "/etc/nginx=no-such-dir"],
        ["check", "--include-map", "/etc/nginx=site.conf"],
    ],
    ids=lambda args: " ".join(args),
)
def test_usage_error_is_one_line_and_exit_2(tree, args):
    root = tree({**WARNINGS_ONLY, "maps/proxy.conf": "proxy_set_header Host $host;\n"})
    run = authlint(*args, cwd=root)
    assert_usage_error(run)


def test_missing_path_is_named(tree):
    root = tree(CLEAN)
    run = authlint("check", "no-such-dir", cwd=root)
    assert_usage_error(run)
    assert "no-such-dir" in run.stderr


def test_bare_command_prints_help(tmp_path):
    run = authlint(cwd=tmp_path)
    assert run.status == 0
    assert run.stderr == ""
    assert run.stdout.startswith("Usage: authlint")
    assert "check" in run.stdout


# --- version and help --------------------------------------------------------


def test_version(tmp_path):
    run = authlint("--version", cwd=tmp_path)
    assert run.status == 0
    assert run.stderr == ""
    assert run.stdout == f"authlint, version {__version__}\n"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(tmp_path, flag):
    run = authlint(flag, cwd=tmp_path)
    assert run.status == 0
    assert run.stderr == ""
    assert "check" in run.stdout
    assert "--version" in run.stdout


def test_check_help_lists_options(tmp_path):
    run = authlint("check", "--help", cwd=tmp_path)
    assert run.status == 0
    assert run.stderr == ""
    for option in ("--format", "--fail-on", "--include-map", "--follow-outside-includes"):
        assert option in run.stdout
    for value in ("text", "json", *SEVERITIES):
        assert value in run.stdout


def test_output_format_is_another_name_for_format(tree, tmp_path):
    root = tree(MIXED)
    for output_format in ("text", "json", "sarif", "github"):
        by_format = authlint("check", "--format", output_format, cwd=root)
        by_output_format = authlint("check", "--output-format", output_format, cwd=root)
        assert by_format.status == by_output_format.status == 1
        assert by_format.raw == by_output_format.raw, output_format
        assert by_format.stderr == by_output_format.stderr == ""
    rules = authlint("rules", "--output-format", "json", cwd=root)
    assert (rules.status, rules.stderr) == (0, "")
    assert rules.raw == authlint("rules", "--format", "json", cwd=root).raw
    for command in ("check", "rules"):
        shown = authlint(command, "--help", cwd=tmp_path)
        assert "--format, --output-format [text|json" in shown.stdout, command


def test_console_script(tree):
    if not SCRIPT.exists():
        pytest.skip(f"no console script at {SCRIPT}")
    root = tree(MIXED)
    by_script = authlint("check", "--format", "json", cwd=root, script=True)
    by_module = authlint("check", "--format", "json", cwd=root)
    assert by_script.status == by_module.status == 1
    assert by_script.raw == by_module.raw
    assert by_script.json()["findings"]
    version = authlint("--version", cwd=root, script=True)
    assert version.status == 0
    assert __version__ in version.stdout
    assert_usage_error(authlint("check", "--bogus", cwd=root, script=True))


# --- paths and determinism ---------------------------------------------------


def test_default_path_is_current_directory(tree):
    root = tree(MIXED)
    for output_format in ("text", "json"):
        implicit = authlint("check", "--format", output_format, cwd=root)
        explicit = authlint("check", ".", "--format", output_format, cwd=root)
        assert implicit.status == explicit.status == 1
        assert implicit.raw == explicit.raw


def test_same_input_gives_identical_output(tree):
    root = tree({**MIXED, **BROKEN})
    for output_format in ("text", "json", "sarif", "github"):
        first = authlint("check", "--format", output_format, cwd=root)
        second = authlint("check", "--format", output_format, cwd=root)
        assert first.raw == second.raw
        assert first.status == second.status


def test_output_does_not_depend_on_creation_order(tmp_path):
    files = {**MIXED, **BROKEN}
    forward = tmp_path / "forward"
    backward = tmp_path / "backward"
    write(forward, files)
    write(backward, dict(reversed(list(files.items()))))
    for output_format in ("text", "json", "sarif", "github"):
        one = authlint("check", "--format", output_format, cwd=forward)
        two = authlint("check", "--format", output_format, cwd=backward)
        assert one.raw == two.raw
        assert one.status == two.status == 1


def test_paths_are_relative_to_the_current_directory(tree):
    root = tree({f"repo/{name}": text for name, text in MIXED.items()})
    from_root = authlint("check", "repo", "--format", "json", cwd=root).json()
    assert from_root["findings"]
    for finding in from_root["findings"]:
        assert finding["path"].startswith("repo/")
        assert_relative_posix(finding["path"])
    inside = authlint("check", "--format", "json", cwd=root / "repo").json()
    prefixed = [(rule, f"repo/{path}", line) for rule, path, line in places(inside)]
    assert prefixed == places(from_root)
    absolute = authlint("check", str(root / "repo"), "--format", "json", cwd=root).json()
    assert places(absolute) == places(from_root)
    dotted = authlint("check", "./repo/", "--format", "json", cwd=root).json()
    assert places(dotted) == places(from_root)
    text = authlint("check", "repo", cwd=root).stdout
    assert str(root) not in text
    assert "\\" not in text


def test_files_named_one_by_one(tree):
    root = tree(MIXED)
    whole = authlint("check", "--format", "json", cwd=root).json()
    names = sorted(MIXED)
    one_by_one = authlint("check", *names, "--format", "json", cwd=root).json()
    assert one_by_one == whole
    twice = authlint("check", ".", ".", "--format", "json", cwd=root).json()
    assert twice == whole


def test_directory_and_main_config_given_together(tree):
    root = tree(
        {
            "nginx.conf": MAIN,
            "conf.d/site.conf": """\
server {
    listen 8080;
    location / {
        include snippets/headers.conf;
        proxy_pass http://127.0.0.1:9000;
    }
}
""",
            "snippets/headers.conf": "proxy_set_header Host $host;\n",
        }
    )
    whole = authlint("check", "--format", "json", cwd=root).json()
    assert whole["findings"] == []
    assert whole["files_scanned"] == 3
    together = authlint("check", "conf.d", "nginx.conf", "--format", "json", cwd=root).json()
    assert together == whole


# --- secrets -----------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_secret_is_never_printed(tree, output_format):
    root = tree(SECRETS)
    run = authlint("check", "--format", output_format, "--fail-on", "info", cwd=root)
    assert run.status == 1
    for part in SECRET_PARTS:
        assert part not in run.stdout
        assert part not in run.stderr
    if output_format == "json":
        document = run.json()
        rules = {finding["rule"] for finding in document["findings"]}
        assert {"AL001", "AL101", "AL103"} <= rules
        broken = [f for f in document["findings"] if f["path"] == "broken.conf"]
        assert {(f["rule"], f["line"]) for f in broken} == {("AL001", 3), ("AL001", 4)}


def test_secret_in_flag_value_with_quote_is_not_printed(tree):
    """An on/off directive's bad value is not echoed, even when it holds a `"`."""
    root = tree({"site.conf": f"server {{\n    gzip 'Bearer \"{SECRET}';\n}}\n"})
    run = authlint("check", "--format", "json", cwd=root)
    assert run.status == 1
    assert [f["rule"] for f in run.json()["findings"]] == ["AL001"]
    for part in SECRET_PARTS:
        assert part not in run.stdout


# --- include resolution options ----------------------------------------------


def test_include_map_changes_resolution(tree):
    root = tree(INCLUDE_MAP)
    unmapped = authlint("check", "site", "--format", "json", cwd=root)
    assert unmapped.status == 0
    assert places(unmapped.json()) == [("AL003", "site/nginx.conf", 6)]
    for folder in ("maps", str(root / "maps")):
        mapped = authlint(
            "check", "site", "--include-map", f"/etc/nginx={folder}", "--format", "json", cwd=root
        )
        assert mapped.status == 1
        assert mapped.stderr == ""
        document = mapped.json()
        assert places(document) == [("AL102", "maps/snippets/auth.conf", 1)]
        assert document["files_scanned"] == 2


def test_include_map_is_repeatable_and_longest_prefix_wins(tree):
    root = tree({**INCLUDE_MAP, "other/auth.conf": "proxy_set_header Host $host;\n"})
    run = authlint(
        "check",
        "site",
        "--include-map",
        "/etc/nginx=maps",
        "--include-map",
        "/etc/nginx/snippets=other",
        "--format",
        "json",
        cwd=root,
    )
    assert run.status == 0
    assert run.json()["findings"] == []


def test_follow_outside_includes_changes_resolution(tree):
    root = tree(OUTSIDE)
    inside = authlint("check", "site", "--format", "json", cwd=root)
    assert inside.status == 0
    assert places(inside.json()) == [("AL004", "site/nginx.conf", 6)]
    followed = authlint("check", "site", "--follow-outside-includes", "--format", "json", cwd=root)
    assert followed.status == 1
    assert followed.stderr == ""
    assert [rule for rule, _, _ in places(json.loads(followed.stdout))] == ["AL102"]


def test_followed_include_path_is_normalised(tree):
    """An include reached through `..` is reported under its own path, not `site/../`."""
    root = tree(OUTSIDE)
    run = authlint("check", "site", "--follow-outside-includes", "--format", "json", cwd=root)
    assert places(run.json()) == [("AL102", "shared/auth.conf", 1)]


def test_include_through_dotdot_is_the_same_file(tree):
    """`include conf.d/../snippets/auth.conf` is snippets/auth.conf: read once, one name."""
    root = tree(
        {
            "nginx.conf": """\
events {}
http {
    server {
        listen 8080;
        location / {
            include conf.d/../snippets/auth.conf;
            proxy_pass http://127.0.0.1:9000;
        }
    }
}
""",
            "conf.d/README": "kept so that conf.d exists\n",
            "snippets/auth.conf": 'proxy_set_header Authorization "";\n',
        }
    )
    document = authlint("check", "--format", "json", cwd=root).json()
    assert places(document) == [("AL102", "snippets/auth.conf", 1)]
    assert document["files_scanned"] == 2


# --- files that do not parse -------------------------------------------------


def test_parse_error_is_reported_and_other_files_still_linted(tree):
    root = tree(BROKEN)
    run = authlint("check", "--format", "json", cwd=root)
    assert run.status == 1
    assert run.stderr == ""
    document = run.json()
    assert places(document) == [("AL001", "broken.conf", 5), ("AL102", "other.conf", 5)]
    assert document["files_scanned"] == 2
    assert authlint("check", "--fail-on", "error", cwd=root).status == 1


@pytest.mark.parametrize("value", ['"50%"', '"%s"'])
def test_percent_in_flag_value_is_a_parse_error(tree, value):
    """A `%` in an on/off directive's value is AL001, not a crash of crossplane's analyzer."""
    root = tree({**BROKEN, "broken.conf": f"server {{\n    listen 8080;\n    gzip {value};\n}}\n"})
    run = authlint("check", "--format", "json", cwd=root)
    assert run.stderr == ""
    assert run.status == 1
    assert places(run.json()) == [("AL001", "broken.conf", 3), ("AL102", "other.conf", 5)]


# --- the README's example ----------------------------------------------------


def test_examples_exit_1_with_findings():
    """The README's first command: `authlint check fixtures/examples --format json`."""
    run = authlint("check", str(EXAMPLES.relative_to(REPO)), "--format", "json", cwd=REPO)
    assert run.status == 1, run.stderr
    assert run.stderr == ""
    document = run.json()
    assert document["findings"]
    assert document["files_scanned"] >= 1
    for finding in document["findings"]:
        assert finding["path"].startswith("fixtures/examples/")
