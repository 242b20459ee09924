"""``--format github``: workflow-command annotations, escaped as ``@actions/core`` escapes.

Each annotation line is parsed back, unescaped, and compared with the JSON
report of the same tree, so every field and every escape is checked; the
default under GitHub Actions is checked by running the real command.
"""

from __future__ import annotations

import re

import pytest

from authlint.engine import Result
from authlint.model.source import Span
from authlint.reporters.github_format import escape_data, escape_property, render
from authlint.rule import Family, Finding, Severity, load_rules

from conftest import EXAMPLES, REPO, write
from test_cli import CLEAN, INFO_ONLY, MIXED, WARNINGS_ONLY, authlint

NAMES = {rule.id: rule.name for rule in load_rules()}
COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
# After escaping, a property holds no `:` or `,` and a message no line break.
ANNOTATION = re.compile(
    r"^::(?P<command>error|warning|notice) (?P<properties>[^:]*)::(?P<data>.*)$"
)
SUMMARY = re.compile(r"^authlint: \d+ findings? in \d+ files?$")

# A file name and a message (AL101 names the outer file) with `%`, `,` and `:`.
ODD_NAME = "odd,name:50%.conf"
ODD = {
    ODD_NAME: """\
server {
    listen 8080;
    proxy_set_header Authorization "Bearer $cookie_token";
    location / {
        proxy_set_header Host $host;
        proxy_pass http://127.0.0.1:9000;
    }
}
""",
}


def unescape(text: str) -> str:
    # `%25` last, so that an escaped `%` followed by `3A` stays `%3A`.
    for escaped, character in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ",")):
        text = text.replace(escaped, character)
    return text.replace("%25", "%")


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """An annotation's command, its properties and its message, unescaped."""
    match = ANNOTATION.match(line)
    assert match, line
    properties = {}
    for item in match["properties"].split(","):
        key, _, value = item.partition("=")
        properties[key] = unescape(value)
    return match["command"], properties, unescape(match["data"])


def expected_annotation(finding: dict) -> tuple[str, dict[str, str], str]:
    properties = {"file": finding["path"], "line": str(finding["line"])}
    for key, json_key in (("col", "column"), ("endLine", "end_line"), ("endColumn", "end_column")):
        if finding[json_key] is not None:
            properties[key] = str(finding[json_key])
    properties["title"] = f"{finding['rule']} {NAMES[finding['rule']]}"
    message = f"{finding['message']}\nFix: {finding['fix']}"
    return COMMANDS[finding["severity"]], properties, message


@pytest.mark.parametrize(
    "files",
    [MIXED, WARNINGS_ONLY, INFO_ONLY, ODD, CLEAN],
    ids=["mixed", "warnings", "info", "odd-name", "clean"],
)
def test_one_annotation_per_finding(tree, files):
    root = tree(files)
    document = authlint("check", "--format", "json", cwd=root).json()
    run = authlint("check", "--format", "github", cwd=root)
    assert run.stderr == ""
    *annotations, summary = run.stdout.splitlines()
    assert run.stdout.endswith("\n")
    assert SUMMARY.match(summary)
    assert [parse(line) for line in annotations] == [
        expected_annotation(finding) for finding in document["findings"]
    ]


def test_examples_annotations():
    path = str(EXAMPLES.relative_to(REPO))
    document = authlint("check", path, "--format", "json", cwd=REPO).json()
    run = authlint("check", path, "--format", "github", cwd=REPO)
    assert run.status == 1
    *annotations, summary = run.stdout.splitlines()
    assert summary == f"authlint: {len(document['findings'])} findings in 6 files"
    assert [parse(line) for line in annotations] == [
        expected_annotation(finding) for finding in document["findings"]
    ]


def test_odd_file_name_is_escaped_in_properties_only(tree):
    run = authlint("check", "--format", "github", cwd=tree(ODD))
    line = run.stdout.splitlines()[0]
    assert line.startswith("::error file=odd%2Cname%3A50%25.conf,line=5,col=9,")
    assert ",title=AL101 inherited-authorization-dropped::" in line
    # In the message only `%` and line breaks are escaped.
    assert "from odd,name:50%25.conf:3 " in line
    assert "%0AFix: " in line


def test_info_is_a_notice(tree):
    run = authlint("check", "--format", "github", cwd=tree(INFO_ONLY))
    assert run.status == 0
    assert run.stdout.startswith("::notice file=site.conf,line=5,")


def test_escaping_matches_actions_core():
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%d\r\n") == "a%3Ab%2Cc%25d%0D%0A"
    assert escape_property("%3A") == "%253A"


def test_path_is_relative_to_the_repository_root(tmp_path):
    root = write(tmp_path, {f"infra/{name}": text for name, text in WARNINGS_ONLY.items()})
    (root / ".git").mkdir()
    run = authlint("check", "--format", "github", cwd=root / "infra")
    files = {parse(line)[1]["file"] for line in run.stdout.splitlines()[:-1]}
    assert files == {"infra/site.conf"}


def test_span_over_several_lines_has_no_columns(tmp_path, monkeypatch):
    """GitHub refuses `col` and `endColumn` on an annotation over several lines."""
    monkeypatch.chdir(tmp_path)
    findings = [
        Finding(
            "AL101",
            Severity.ERROR,
            Family.FORWARDING,
            "across",
            "fix it",
            Span("a.conf", 3, 5, 6, 2),
        ),
        Finding(
            "AL003", Severity.INFO, Family.DIAGNOSTICS, "line only", "fix it", Span("b.conf", 7)
        ),
    ]
    output = render(Result(findings=findings, files_scanned=2, rules=tuple(load_rules())))
    assert output.splitlines() == [
        "::error file=a.conf,line=3,endLine=6,title=AL101 inherited-authorization-dropped"
        "::across%0AFix: fix it",
        "::notice file=b.conf,line=7,title=AL003 include-not-found::line only%0AFix: fix it",
        "authlint: 2 findings in 2 files",
    ]


# --- the default format under GitHub Actions ---------------------------------


def test_github_is_the_default_under_github_actions(tree):
    root = tree(MIXED)
    explicit = authlint("check", "--format", "github", cwd=root)
    implicit = authlint("check", cwd=root, env={"GITHUB_ACTIONS": "true"})
    assert explicit.status == implicit.status == 1
    assert implicit.raw == explicit.raw
    assert implicit.stdout.startswith("::")


@pytest.mark.parametrize("value", [None, "false", "1", "TRUE"])
def test_text_is_the_default_elsewhere(tree, value):
    root = tree(MIXED)
    text = authlint("check", "--format", "text", cwd=root)
    env = {} if value is None else {"GITHUB_ACTIONS": value}
    assert authlint("check", cwd=root, env=env).raw == text.raw
    assert not text.stdout.startswith("::")


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_a_given_format_wins_under_github_actions(tree, output_format):
    root = tree(MIXED)
    plain = authlint("check", "--format", output_format, cwd=root)
    in_actions = authlint(
        "check", "--format", output_format, cwd=root, env={"GITHUB_ACTIONS": "true"}
    )
    assert in_actions.raw == plain.raw
