"""The config file, the selection flags, excludes, thresholds and rule options.

Pins issue 5, points 2 and 3 and the selection part of point 9: where the
config file is found, what each key does and how the command line overrides
it; every bad key or value stops the run with exit 2 and one line naming the
file and the key; a file that does not parse fails the run whatever is
selected, ignored or excluded from failing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from authlint.config import MAX_CONFIG_BYTES, Config, ConfigError, load_config
from authlint.engine import run
from authlint.formats import IncludeOptions
from authlint.model.source import Span
from authlint.model.workspace import Workspace
from authlint.rule import (
    BOOLEAN,
    INTEGER,
    SIZE,
    STRINGS,
    Finding,
    Rule,
    RuleDefinitionError,
    RuleOption,
    Severity,
    load_rules,
)
from authlint.selection import RuleSelection

from conftest import REPO, write

RULES = load_rules()

# AL102 (warning) in a/, AL103 (warning) in b/.
WARNINGS = {
    "a/site.conf": """\
server {
    listen 8080;
    location /api/ {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9001;
    }
}
""",
    "b/site.conf": """\
server {
    listen 8081;
    location /svc/ {
        proxy_set_header Authorization "Bearer fixed-token";
        proxy_pass http://127.0.0.1:9002;
    }
}
""",
}
# AL003 (info) only.
INFO = {
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
# AL001: a missing ";".
BROKEN = {
    "broken.conf": """\
server {
    listen 8082;
    location / {
        proxy_pass http://127.0.0.1:9000
    }
}
""",
}
INCLUDES = {
    "site/nginx.conf": """\
events {}
http {
    server {
        listen 8080;
        location / {
            include /etc/nginx/snippets/auth.conf;
        }
        location /shared/ {
            include ../shared/auth.conf;
        }
    }
}
""",
    "maps/snippets/auth.conf": 'proxy_set_header Authorization "";\nproxy_pass http://127.0.0.1:1;\n',
    "shared/auth.conf": 'proxy_set_header Authorization "";\nproxy_pass http://127.0.0.1:2;\n',
}


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str

    def places(self) -> list[tuple[str, str]]:
        """(rule, path) of each finding, from the JSON report."""
        return [(f["rule"], f["path"]) for f in json.loads(self.stdout)["findings"]]

    def files_scanned(self) -> int:
        count: int = json.loads(self.stdout)["files_scanned"]
        return count


def authlint(*args: str, cwd: Path) -> Run:
    """Run ``python -m authlint`` in ``cwd``."""
    done = subprocess.run(
        [sys.executable, "-m", "authlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def check(*args: str, cwd: Path) -> Run:
    """``authlint check --format json ...``."""
    return authlint("check", "--format", "json", *args, cwd=cwd)


def pyproject(body: str) -> str:
    return f'[project]\nname = "site"\n\n[tool.authlint]\n{body}'


def assert_config_error(run: Run, message: str) -> None:
    """Exit 2, nothing on stdout, exactly ``authlint: error: <message>`` on stderr."""
    assert run.status == 2, run
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert run.stderr == f"authlint: error: {message}\n"


# --- finding the config file --------------------------------------------------


def test_config_is_found_walking_up(tmp_path: Path) -> None:
    root = write(tmp_path, {".authlint.toml": 'select = ["AL1"]\n', "a/b/site.conf": ""})
    config = load_config(root / "a" / "b", RULES)
    assert config.path == root / ".authlint.toml"
    assert config.selection == RuleSelection(select=("AL1",))


def test_authlint_toml_beats_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {".authlint.toml": 'select = ["AL1"]\n', "pyproject.toml": pyproject('select = ["AL3"]\n')},
    )
    assert load_config(root, RULES).path == root / ".authlint.toml"


@pytest.mark.parametrize(
    ("near", "far"), [(".authlint.toml", "pyproject.toml"), ("pyproject.toml", ".authlint.toml")]
)
def test_the_nearest_folder_holding_a_config_wins(tmp_path: Path, near: str, far: str) -> None:
    texts = {
        ".authlint.toml": 'select = ["AL1"]\n',
        "pyproject.toml": pyproject('select = ["AL1"]\n'),
    }
    root = write(tmp_path, {f"a/{near}": texts[near], far: texts[far]})
    assert load_config(root / "a", RULES).path == root / "a" / near
    assert load_config(root, RULES).path == root / far


def test_a_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pyproject('fail-on = "info"\n'),
            "a/pyproject.toml": '[project]\nname = "a"\n\n[tool.ruff]\nline-length = 100\n',
        },
    )
    config = load_config(root / "a", RULES)
    assert config.path == root / "pyproject.toml"
    assert config.fail_on is Severity.INFO


def test_explicit_config_overrides_discovery(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".authlint.toml": 'select = ["AL1"]\n',
            "ci/lint.toml": 'select = ["AL3"]\n',
            "ci/pyproject.toml": pyproject('select = ["AL4"]\n'),
        },
    )
    assert load_config(root, RULES, Path("ci/lint.toml")).selection.select == ("AL3",)
    # A file named pyproject.toml is read by its [tool.authlint] table.
    assert load_config(root, RULES, Path("ci/pyproject.toml")).selection.select == ("AL4",)


def test_isolated_reads_no_config(tmp_path: Path) -> None:
    root = write(tmp_path, {".authlint.toml": 'select = ["AL1"]\n'})
    assert load_config(root, RULES, isolated=True) == Config()


def test_every_key_is_read(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pyproject(
                """\
select = ["AL1", "AL3"]
extend-select = ["AL004"]
ignore = ["AL30"]
exclude = ["legacy/"]
fail-on = "error"
follow-outside-includes = true
include-map = { "/etc/nginx/" = "deploy/nginx" }

[tool.authlint.per-file-ignores]
"conf.d/*.conf" = ["AL3", "AL102"]
"""
            ),
            "deploy/nginx/nginx.conf": "",
        },
    )
    config = load_config(root / "deploy", RULES)
    real = root.resolve()
    assert config.selection == RuleSelection(("AL1", "AL3"), ("AL004",), ("AL30",))
    assert config.fail_on is Severity.ERROR
    # Honoured from the command line only.
    assert config.warnings == (
        "../pyproject.toml: tool.authlint.follow-outside-includes: ignored: a config file "
        "cannot let authlint read outside its folder; pass --follow-outside-includes on the "
        "command line",
    )
    # Folders and globs are relative to the config file's folder, not the cwd.
    assert config.include_maps == (("/etc/nginx", real / "deploy" / "nginx"),)
    assert config.exclude is not None
    assert config.exclude.match(real / "legacy" / "site.conf")
    assert not config.exclude.match(real / "deploy" / "legacy.conf")
    (ignore,) = config.per_file_ignores
    assert ignore.globs.match(real / "conf.d" / "site.conf")
    assert not ignore.globs.match(real / "deploy" / "conf.d" / "site.conf")
    assert "AL102" in ignore.ignored
    assert "AL301" in ignore.ignored
    assert "AL101" not in ignore.ignored


def test_readme_example_is_a_valid_config(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    root = write(tmp_path, {"pyproject.toml": example, "deploy/nginx/nginx.conf": ""})
    config = load_config(root, RULES)
    assert config.path == root / "pyproject.toml"
    assert config.fail_on is Severity.ERROR
    assert len(config.per_file_ignores) == 2


# --- configuration errors -----------------------------------------------------

PY = "pyproject.toml"
DOT = ".authlint.toml"
KEY_ERRORS = [
    (PY, "selct = []\n", "tool.authlint.selct: unknown key; did you mean select?"),
    (PY, "colour = true\n", "tool.authlint.colour: unknown key; known keys: select, "),
    (PY, 'select = "AL3"\n', "tool.authlint.select: must be a list of selectors"),
    (PY, "select = [3]\n", "tool.authlint.select: must be a list of selectors"),
    (PY, 'ignore = ["AL9"]\n', "tool.authlint.ignore: 'AL9' matches no rule"),
    (PY, 'ignore = ["AL001"]\n', "tool.authlint.ignore: AL001 cannot be ignored"),
    (PY, 'extend-select = ["cors"]\n', "tool.authlint.extend-select: 'cors' is not a rule ID"),
    (PY, 'select = ["AL399"]\n', "tool.authlint.select: 'AL399' matches no rule"),
    (PY, 'per-file-ignores = ["a"]\n', "tool.authlint.per-file-ignores: must be a table"),
    (
        PY,
        '[tool.authlint.per-file-ignores]\n"conf.d/*.conf" = "AL3"\n',
        'tool.authlint.per-file-ignores."conf.d/*.conf": must be a list of selectors',
    ),
    (
        PY,
        '[tool.authlint.per-file-ignores]\n"a.conf" = ["AL0001"]\n',
        "tool.authlint.per-file-ignores.\"a.conf\": 'AL0001' is not a rule ID",
    ),
    (
        PY,
        '[tool.authlint.per-file-ignores]\n"a.conf" = ["AL001"]\n',
        'tool.authlint.per-file-ignores."a.conf": AL001 cannot be ignored',
    ),
    (
        PY,
        '[tool.authlint.per-file-ignores]\n"../a.conf" = ["AL3"]\n',
        "tool.authlint.per-file-ignores.\"../a.conf\": '../a.conf' leaves the folder",
    ),
    (PY, 'exclude = "legacy"\n', "tool.authlint.exclude: must be a list of globs (got 'legacy')"),
    (PY, 'exclude = ["a", ""]\n', "tool.authlint.exclude: '' is not a glob"),
    (
        PY,
        'fail-on = "fatal"\n',
        "tool.authlint.fail-on: must be one of error, warning, info (got 'fatal')",
    ),
    (PY, "fail-on = 2\n", "tool.authlint.fail-on: must be one of error, warning, info (got 2)"),
    (
        PY,
        'include-map = { "etc/nginx" = "maps" }\n',
        'tool.authlint.include-map."etc/nginx": the prefix must be an absolute path',
    ),
    (
        PY,
        'include-map = { "/etc/nginx" = "no-such-dir" }\n',
        'tool.authlint.include-map."/etc/nginx": no such folder: no-such-dir',
    ),
    (
        PY,
        'include-map = { "/etc/nginx" = "site.conf" }\n',
        'tool.authlint.include-map."/etc/nginx": no such folder: site.conf',
    ),
    (
        PY,
        'include-map = { "/etc/nginx" = 1 }\n',
        'tool.authlint.include-map."/etc/nginx": must be a folder (got 1)',
    ),
    (PY, 'include-map = "maps"\n', "tool.authlint.include-map: must be a table"),
    (
        PY,
        'follow-outside-includes = "yes"\n',
        "tool.authlint.follow-outside-includes: must be true or false (got 'yes')",
    ),
    (PY, "[tool.authlint.rules.AL999]\nx = 1\n", "tool.authlint.rules.AL999: no such rule"),
    (PY, "[tool.authlint.rules.AL3]\nx = 1\n", "tool.authlint.rules.AL3: no such rule"),
    (
        PY,
        "[tool.authlint.rules.AL301]\nx = 1\n",
        "tool.authlint.rules.AL301: AL301 (cors-wildcard-with-credentials) has no options",
    ),
    (PY, "rules = 1\n", "tool.authlint.rules: must be a table"),
    (DOT, 'fail-on = "fatal"\n', "fail-on: must be one of error, warning, info (got 'fatal')"),
    (DOT, 'ignore = ["AL9"]\n', "ignore: 'AL9' matches no rule"),
    (
        DOT,
        '[tool.authlint]\nselect = ["AL3"]\n',
        "tool: unknown key; .authlint.toml takes the keys at its top level",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "message"), KEY_ERRORS, ids=[f"{n}:{m}" for n, _, m in KEY_ERRORS]
)
def test_bad_key_or_value_is_an_error_naming_file_and_key(tmp_path, name, body, message):
    text = pyproject(body) if name == PY else body
    root = write(tmp_path, {name: text, "site.conf": WARNINGS["a/site.conf"], "maps/x.conf": ""})
    with pytest.raises(ConfigError) as error:
        load_config(root, RULES)
    assert str(error.value).startswith(f"{name}: {message}")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [KEY_ERRORS[0], KEY_ERRORS[4], KEY_ERRORS[10], KEY_ERRORS[-3], KEY_ERRORS[-1]],
    ids=lambda value: str(value).split("\n")[0],
)
def test_config_error_exits_2_with_one_line(tmp_path, name, body, message):
    text = pyproject(body) if name == PY else body
    root = write(tmp_path, {name: text, "site.conf": WARNINGS["a/site.conf"]})
    run = check(cwd=root)
    assert run.status == 2
    assert run.stdout == ""
    assert run.stderr.startswith(f"authlint: error: {name}: {message}")
    assert len(run.stderr.splitlines()) == 1
    assert "Traceback" not in run.stderr


def test_fail_on_error_message_is_exact(tmp_path: Path) -> None:
    root = write(tmp_path, {"pyproject.toml": pyproject('fail-on = "fatal"\n')})
    assert_config_error(
        check(cwd=root),
        "pyproject.toml: tool.authlint.fail-on: must be one of error, warning, info (got 'fatal')",
    )


def test_error_in_a_config_found_above_names_it_relative_to_the_cwd(tmp_path: Path) -> None:
    root = write(tmp_path, {".authlint.toml": 'ignore = ["AL9"]\n', "a/site.conf": ""})
    assert_config_error(check(cwd=root / "a"), "../.authlint.toml: ignore: 'AL9' matches no rule")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[tool.authlint]\nselect = ["AL3"]]\n',
            "pyproject.toml: line 2, column 17: invalid TOML: Expected newline",
        ),
        (
            '[tool.authlint]\nfail-on = "error"\nselect = ["AL3"\n',
            "pyproject.toml: line 3: invalid TOML: Unclosed array at the end of the file",
        ),
        ('[tool.authlint]\nfail-on = "error\n', "pyproject.toml: line 2, column "),
    ],
)
def test_toml_syntax_error_names_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    root = write(tmp_path, {"pyproject.toml": text})
    run = check(cwd=root)
    assert run.status == 2
    assert run.stdout == ""
    assert run.stderr.startswith(f"authlint: error: {message}")
    assert len(run.stderr.splitlines()) == 1


def test_a_broken_pyproject_on_the_way_up_is_an_error(tmp_path: Path) -> None:
    root = write(tmp_path, {"pyproject.toml": "[project\n", "a/site.conf": ""})
    run = check(cwd=root / "a")
    assert run.status == 2
    assert run.stderr.startswith("authlint: error: ../pyproject.toml: line 1, column ")


def test_config_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".authlint.toml").write_bytes(b'fail-on = "\xff"\n')
    assert_config_error(check(cwd=tmp_path), ".authlint.toml: is not UTF-8 text")


def test_tool_authlint_must_be_a_table(tmp_path: Path) -> None:
    root = write(tmp_path, {"pyproject.toml": "[tool]\nauthlint = 1\n"})
    assert_config_error(check(cwd=root), "pyproject.toml: tool.authlint: must be a table")


def test_explicit_pyproject_without_the_table_is_an_error(tmp_path: Path) -> None:
    root = write(tmp_path, {"ci/pyproject.toml": '[project]\nname = "x"\n'})
    assert_config_error(
        check("--config", "ci/pyproject.toml", cwd=root),
        "ci/pyproject.toml: has no [tool.authlint] table",
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--config", "missing.toml"],
        ["--config", "ci"],
        ["--config", "ci/lint.toml", "--isolated"],
        ["--select", "AL9"],
        ["--select", "AL1,al3"],
        ["--ignore", "AL001"],
        ["--extend-select", "AL399"],
        ["--fail-on", "fatal"],
    ],
    ids=" ".join,
)
def test_bad_flag_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    root = write(tmp_path, {"ci/lint.toml": "", **WARNINGS})
    run = check(*args, cwd=root)
    assert run.status == 2
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1
    assert run.stderr.startswith("authlint: error: ")
    assert "Traceback" not in run.stderr


def test_bad_selector_flag_names_the_flag_and_the_selector(tmp_path: Path) -> None:
    root = write(tmp_path, WARNINGS)
    run = check("--select", "AL1", "--select", "AL3,AL9", cwd=root)
    assert_config_error(run, "Invalid value for --select: 'AL9' matches no rule")


# --- selection ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        ("", [], ["AL102", "AL103"]),
        ("", ["--select", "AL102"], ["AL102"]),
        ("", ["--select", "AL101,AL103"], ["AL103"]),
        ("", ["--select", "AL101", "--select", "AL103"], ["AL103"]),
        ("", ["--ignore", "AL1"], []),
        ("", ["--ignore", "AL1", "--extend-select", "AL103"], ["AL103"]),
        ("", ["--select", "AL1", "--ignore", "AL10", "--extend-select", "AL102"], ["AL102"]),
        ('select = ["AL3"]\n', [], []),
        ('ignore = ["AL102"]\n', [], ["AL103"]),
        ('select = ["AL1"]\nignore = ["AL10"]\nextend-select = ["AL103"]\n', [], ["AL103"]),
        # --select starts over: the config's ignore no longer applies.
        ('ignore = ["AL102"]\n', ["--select", "AL1"], ["AL102", "AL103"]),
        ('select = ["AL3"]\n', ["--select", "AL1"], ["AL102", "AL103"]),
        # --ignore and --extend-select change the config's selection.
        ('ignore = ["AL102"]\n', ["--ignore", "AL103"], []),
        ('select = ["AL3"]\n', ["--extend-select", "AL102"], ["AL102"]),
        ('ignore = ["AL1"]\n', ["--extend-select", "AL102"], ["AL102"]),
        ('ignore = ["AL102"]\n', ["--extend-select", "AL102"], ["AL102", "AL103"]),
        ('select = ["AL102"]\n', ["--ignore", "AL1"], []),
    ],
)
def test_selection_from_config_and_flags(tmp_path, config, args, expected):
    root = write(tmp_path, {**WARNINGS, ".authlint.toml": config})
    run = check(*args, cwd=root)
    assert run.stderr == ""
    assert sorted(rule for rule, _ in run.places()) == expected
    assert run.status == (1 if expected else 0)


@pytest.mark.parametrize(
    ("config", "args"),
    [
        ("", ["--ignore", "AL0"]),
        ("", ["--ignore", "AL"]),
        ("", ["--select", "AL3"]),
        ("", ["--select", ""]),
        ("", ["--exit-zero"]),
        ("", ["--exit-zero", "--select", "AL1"]),
        ('ignore = ["AL0"]\n', []),
        ('select = ["AL4"]\nfail-on = "error"\n', []),
        ('[per-file-ignores]\n"broken.conf" = ["AL"]\n', []),
        ('[per-file-ignores]\n"broken.conf" = ["AL0"]\n', ["--exit-zero"]),
    ],
)
def test_a_file_that_does_not_parse_always_fails_the_run(tmp_path, config, args):
    root = write(tmp_path, {**BROKEN, ".authlint.toml": config})
    run = check(*args, cwd=root)
    assert run.stderr == ""
    assert ("AL001", "broken.conf") in run.places()
    assert run.status == 1


def test_per_file_ignores_drop_only_their_rules_in_their_files(tmp_path: Path) -> None:
    config = '[per-file-ignores]\n"a/" = ["AL1"]\n"*.conf" = ["AL103"]\n'
    root = write(tmp_path, {**WARNINGS, "c/site.conf": WARNINGS["a/site.conf"], DOT: config})
    run = check(cwd=root)
    assert run.places() == [("AL102", "c/site.conf")]
    assert run.files_scanned() == 3


def test_per_file_ignore_globs_are_relative_to_the_config_folder(tmp_path: Path) -> None:
    config = '[per-file-ignores]\n"a/site.conf" = ["AL102"]\n'
    root = write(tmp_path, {**{f"sub/{k}": v for k, v in WARNINGS.items()}, DOT: config})
    assert check(cwd=root / "sub").places() == [
        ("AL102", "a/site.conf"),
        ("AL103", "b/site.conf"),
    ]
    write(root, {DOT: '[per-file-ignores]\n"sub/a/site.conf" = ["AL102"]\n'})
    assert check(cwd=root / "sub").places() == [("AL103", "b/site.conf")]


# --- exclude ------------------------------------------------------------------

EXCLUDED_TREE = {
    **WARNINGS,
    "legacy/old.conf": WARNINGS["a/site.conf"],
    "b/gen/site.sample.conf": WARNINGS["a/site.conf"],
    **{f"vendor/{name}": text for name, text in BROKEN.items()},
    DOT: 'exclude = ["legacy/", "*.sample.conf", "/vendor"]\n',
}


def test_exclude_skips_walked_files_and_folders(tmp_path: Path) -> None:
    root = write(tmp_path, EXCLUDED_TREE)
    run = check(cwd=root)
    assert run.places() == [("AL102", "a/site.conf"), ("AL103", "b/site.conf")]
    assert run.files_scanned() == 2
    everything = check("--isolated", cwd=root)
    assert everything.files_scanned() == 5


@pytest.mark.parametrize(
    "paths",
    [
        ["legacy/old.conf"],
        ["b/gen/site.sample.conf"],
        ["vendor/broken.conf"],
        ["legacy"],
        ["vendor"],
        ["legacy/old.conf", "vendor/broken.conf", "b/gen"],
    ],
)
def test_exclude_holds_for_files_named_on_the_command_line(tmp_path, paths):
    root = write(tmp_path, EXCLUDED_TREE)
    run = check(*paths, cwd=root)
    assert run.stderr == ""
    assert run.status == 0
    assert run.files_scanned() == 0
    assert check("--isolated", *paths, cwd=root).status == 1


def test_named_files_that_are_not_excluded_are_linted(tmp_path: Path) -> None:
    root = write(tmp_path, EXCLUDED_TREE)
    run = check("a/site.conf", "legacy/old.conf", cwd=root)
    assert run.places() == [("AL102", "a/site.conf")]


def test_exclude_globs_are_relative_to_the_config_folder(tmp_path: Path) -> None:
    root = write(
        tmp_path, {**{f"sub/{k}": v for k, v in WARNINGS.items()}, DOT: 'exclude = ["a"]\n'}
    )
    assert check(cwd=root / "sub").places() == [("AL103", "b/site.conf")]
    write(root, {DOT: 'exclude = ["/a"]\n'})
    assert len(check(cwd=root / "sub").places()) == 2
    write(root, {DOT: 'exclude = ["/sub/a"]\n'})
    assert check(cwd=root / "sub").places() == [("AL103", "b/site.conf")]


# --- thresholds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "config", "args", "expected"),
    [
        (WARNINGS, "", [], 1),
        (WARNINGS, 'fail-on = "error"\n', [], 0),
        (WARNINGS, 'fail-on = "error"\n', ["--fail-on", "warning"], 1),
        (WARNINGS, "", ["--fail-on", "error"], 0),
        (INFO, "", [], 0),
        (INFO, 'fail-on = "info"\n', [], 1),
        (INFO, 'fail-on = "info"\n', ["--fail-on", "warning"], 0),
        (WARNINGS, "", ["--exit-zero"], 0),
        (INFO, 'fail-on = "info"\n', ["--exit-zero"], 0),
        (WARNINGS, 'fail-on = "info"\n', ["--exit-zero", "--fail-on", "info"], 0),
    ],
)
def test_fail_on_from_config_and_flag_and_exit_zero(tmp_path, files, config, args, expected):
    root = write(tmp_path, {**files, DOT: config})
    run = check(*args, cwd=root)
    assert run.stderr == ""
    assert run.places(), "the findings are reported whatever the exit status"
    assert run.status == expected


def test_exit_zero_still_prints_the_report(tmp_path: Path) -> None:
    root = write(tmp_path, WARNINGS)
    run = authlint("check", "--exit-zero", cwd=root)
    assert run.status == 0
    assert "AL102" in run.stdout
    assert run.stdout.endswith("Found 2 findings (2 warnings) in 2 files.\n")


# --- include options ------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        ("", [], {("AL003", "site/nginx.conf"), ("AL004", "site/nginx.conf")}),
        (
            'include-map = { "/etc/nginx" = "maps" }\n',
            [],
            {("AL102", "maps/snippets/auth.conf"), ("AL004", "site/nginx.conf")},
        ),
        (
            # A flag for the same prefix wins over the config's map.
            'include-map = { "/etc/nginx" = "shared" }\n',
            ["--include-map", "/etc/nginx=maps"],
            {("AL102", "maps/snippets/auth.conf"), ("AL004", "site/nginx.conf")},
        ),
        (
            'include-map = { "/etc/nginx" = "maps" }\n',
            ["--follow-outside-includes"],
            {("AL102", "maps/snippets/auth.conf"), ("AL102", "shared/auth.conf")},
        ),
    ],
)
def test_include_options_from_config_and_flags(tmp_path, config, args, expected):
    root = write(tmp_path, {**INCLUDES, DOT: config})
    run = check("site", *args, cwd=root)
    assert run.stderr == ""
    if expected is None:
        expected = {("AL003", "site/nginx.conf"), ("AL004", "site/nginx.conf")}
    assert set(run.places()) == expected


# --- what a committed config file may not do -------------------------------------
# A pull request can add or change the config file; it must not make authlint
# read, and print, files of the machine that runs it.

ENVIRON_SECRET = "s3cr3t-from-the-ci-environment"


def _attack(tmp_path: Path, config: str, *args: str) -> Run:
    root = write(
        tmp_path,
        {
            "site/nginx.conf": "events {}\nhttp {\n    include /etc/nginx/proc/self/environ;\n"
            "    include /etc/nginx/etc/passwd;\n}\n",
            DOT: config,
        },
    )
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", "site", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "DATABASE_PASSWORD": ENVIRON_SECRET},
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.mark.parametrize(
    ("config", "refused"),
    [
        (
            'include-map = { "/etc/nginx" = "/" }\n',
            '.authlint.toml: include-map."/etc/nginx": ignored: / is outside the config '
            "file's folder",
        ),
        (
            'include-map = { "/etc/nginx" = "../../../../../../../../.." }\n',
            '.authlint.toml: include-map."/etc/nginx": ignored: ../../../../../../../../.. is '
            "outside the config file's folder",
        ),
        (
            "follow-outside-includes = true\n",
            ".authlint.toml: follow-outside-includes: ignored: a config file cannot let "
            "authlint read outside its folder",
        ),
    ],
)
def test_a_config_file_cannot_make_authlint_read_the_machines_files(
    tmp_path: Path, config: str, refused: str
) -> None:
    run = _attack(tmp_path, config)
    assert ENVIRON_SECRET not in run.stdout + run.stderr
    assert "root:" not in run.stdout + run.stderr
    assert run.stderr.startswith(f"authlint: warning: {refused}")
    assert run.stderr.count("\n") == 1
    # The includes stay unread (/etc/nginx maps onto the main config's folder).
    assert run.stdout.count(" AL003 info include `/etc/nginx/") == 2
    assert run.status == 0


def test_a_config_file_cannot_map_through_a_symlink_leading_out(tmp_path: Path) -> None:
    (tmp_path / "escape").symlink_to("/")
    run = _attack(tmp_path, 'include-map = { "/etc/nginx" = "escape" }\n')
    assert "escape is outside the config file's folder" in run.stderr
    assert ENVIRON_SECRET not in run.stdout + run.stderr


def test_the_command_line_may_read_outside_the_tree(tmp_path: Path) -> None:
    # Whoever runs authlint decides: a map given as a flag is honoured.
    outside = tmp_path / "outside"
    (outside / "etc").mkdir(parents=True)
    (outside / "etc" / "passwd").write_text("proxy_set_header X-Read 1;\n")
    run = _attack(
        tmp_path / "repo", "", "--format", "json", "--include-map", f"/etc/nginx={outside}"
    )
    assert run.stderr == ""
    findings = [(f["rule"], f["line"]) for f in json.loads(run.stdout)["findings"]]
    assert findings == [("AL003", 3)]  # environ is not there; passwd was read


def test_follow_outside_from_a_config_is_refused_even_with_the_no_flag(tmp_path: Path) -> None:
    root = write(tmp_path, {**INCLUDES, DOT: "follow-outside-includes = true\n"})
    run = check("site", "--no-follow-outside-includes", cwd=root)
    assert set(run.places()) == {("AL003", "site/nginx.conf"), ("AL004", "site/nginx.conf")}
    assert run.stderr.startswith("authlint: warning: .authlint.toml: follow-outside-includes")


@pytest.mark.parametrize("name", ["/dev/zero", "fifo"])
def test_config_flag_reads_only_a_regular_file(tmp_path: Path, name: str) -> None:
    if name == "fifo":
        os.mkfifo(tmp_path / "fifo")
    run = authlint("check", "--config", name, ".", cwd=tmp_path)
    assert_config_error(run, f"{name}: is not a regular file")


def test_config_flag_refuses_a_file_too_large_to_be_a_config(tmp_path: Path) -> None:
    (tmp_path / "big.toml").write_text("# x\n" * (MAX_CONFIG_BYTES // 4 + 1))
    run = authlint("check", "--config", "big.toml", ".", cwd=tmp_path)
    assert_config_error(run, "big.toml: is larger than 1024 KiB")


def test_include_map_folder_is_relative_to_the_config_folder(tmp_path: Path) -> None:
    root = write(tmp_path, {**INCLUDES, DOT: 'include-map = { "/etc/nginx" = "maps" }\n'})
    places = check(".", cwd=root / "site").places()
    assert [rule for rule, path in places if path.endswith("maps/snippets/auth.conf")] == ["AL102"]


# --- the command line -----------------------------------------------------------


def test_config_flag_and_isolated_change_what_is_read(tmp_path: Path) -> None:
    root = write(
        tmp_path, {**WARNINGS, DOT: 'ignore = ["AL102"]\n', "ci/lint.toml": 'ignore = ["AL103"]\n'}
    )
    assert check(cwd=root).places() == [("AL103", "b/site.conf")]
    assert check("--config", "ci/lint.toml", cwd=root).places() == [("AL102", "a/site.conf")]
    assert len(check("--isolated", cwd=root).places()) == 2


def test_check_help_lists_the_new_flags(tmp_path: Path) -> None:
    run = authlint("check", "--help", cwd=tmp_path)
    assert run.status == 0
    for flag in (
        "--select",
        "--extend-select",
        "--ignore",
        "--config",
        "--isolated",
        "--exit-zero",
        "--no-follow-outside-includes",
    ):
        assert flag in run.stdout


def test_output_is_byte_identical_with_a_config(tmp_path: Path) -> None:
    root = write(tmp_path, {**EXCLUDED_TREE, **INFO})
    first = authlint("check", cwd=root)
    second = authlint("check", cwd=root)
    assert first.stdout == second.stdout
    assert first.status == second.status == 1


# --- rule options ---------------------------------------------------------------


class HeaderBuffer(Rule):
    """A rule declared by the test, with one option of each kind.

    ## What it does
    Reports each file, with the values of its options.

    ## Why is this bad?
    It is not: it shows what the engine passed.

    ## Example
    ```nginx
    large_client_header_buffers 4 8k;
    ```

    ## Use instead
    ```nginx
    large_client_header_buffers 4 16k;
    ```
    """

    id = "AL599"
    name = "test-header-buffer"
    severity = Severity.WARNING
    summary = "Reports each file with its options."
    fix = "Nothing."
    reference_url = "https://nginx.org/en/docs/http/ngx_http_core_module.html"
    MAX_HEADER = RuleOption("max-header", SIZE, 8192, "The largest request header to accept.")
    BUFFERS = RuleOption("buffers", INTEGER, 4, "How many buffers.")
    STRICT = RuleOption("strict", BOOLEAN, False, "Whether to be strict.")
    HEADERS = RuleOption("headers", STRINGS, ("Authorization",), "Headers to weigh.")
    options: ClassVar = (MAX_HEADER, BUFFERS, STRICT, HEADERS)

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        for file in workspace.files:
            values = (
                self.option(self.MAX_HEADER),
                self.option(self.BUFFERS),
                self.option(self.STRICT),
                self.option(self.HEADERS),
            )
            yield self.finding(Span(file.path, 1), repr(values))


TEST_RULES = [*RULES, HeaderBuffer]


def options_config(tmp_path: Path, body: str) -> Config:
    write(tmp_path, {DOT: f"[rules.AL599]\n{body}"})
    return load_config(tmp_path, TEST_RULES)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ('max-header = "16k"', 16384),
        ('max-header = "16K"', 16384),
        ('max-header = "1m"', 1048576),
        ('max-header = "512"', 512),
        ("max-header = 32768", 32768),
        ("buffers = 8", 8),
        ("strict = true", True),
        ('headers = ["Authorization", "Cookie"]', ("Authorization", "Cookie")),
        ("headers = []", ()),
    ],
)
def test_rule_options_are_converted_to_their_kind(tmp_path: Path, setting: str, value: object):
    config = options_config(tmp_path, setting + "\n")
    name = setting.split(" = ")[0]
    assert config.rule_options == {"AL599": {name: value}}


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('max-header = "16kb"', "must be a size such as 8192, 16k or 1m (got '16kb')"),
        ('max-header = "1g"', "must be a size such as 8192, 16k or 1m (got '1g')"),
        ("max-header = -1", "must be a size such as 8192, 16k or 1m (got -1)"),
        ("max-header = true", "must be a size such as 8192, 16k or 1m (got True)"),
        ("buffers = 1.5", "must be an integer (got 1.5)"),
        ('buffers = "4"', "must be an integer (got '4')"),
        ("buffers = false", "must be an integer (got False)"),
        ("strict = 1", "must be true or false (got 1)"),
        ('headers = "Authorization"', "must be a list of strings (got 'Authorization')"),
        ('headers = ["Authorization", 1]', "must be a list of strings (got ['Authorization', 1])"),
    ],
)
def test_rule_option_of_the_wrong_kind_is_an_error(tmp_path: Path, setting: str, message: str):
    name = setting.split(" = ")[0]
    with pytest.raises(ConfigError) as error:
        options_config(tmp_path, setting + "\n")
    assert str(error.value) == f".authlint.toml: rules.AL599.{name}: {message}"


def test_undeclared_rule_option_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        options_config(tmp_path, 'max-headers = "16k"\n')
    assert str(error.value) == (
        ".authlint.toml: rules.AL599.max-headers: "
        "unknown option; AL599 has buffers, headers, max-header, strict"
    )


def test_rule_options_must_be_a_table(tmp_path: Path) -> None:
    write(tmp_path, {DOT: "[rules]\nAL599 = 1\n"})
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path, TEST_RULES)
    assert str(error.value).startswith(".authlint.toml: rules.AL599: must be a table")


def test_engine_constructs_each_rule_with_its_options(tmp_path: Path) -> None:
    config = options_config(tmp_path, 'max-header = "16k"\nheaders = ["Cookie"]\n')
    write(tmp_path, {"site.conf": "server {\n    listen 80;\n}\n"})
    configured = run(
        [tmp_path],
        IncludeOptions(),
        cwd=tmp_path,
        rules=[HeaderBuffer],
        rule_options=config.rule_options,
    )
    assert [finding.message for finding in configured.findings] == [
        "(16384, 4, False, ('Cookie',))"
    ]
    defaults = run([tmp_path], IncludeOptions(), cwd=tmp_path, rules=[HeaderBuffer])
    assert [finding.message for finding in defaults.findings] == [
        "(8192, 4, False, ('Authorization',))"
    ]


def test_real_rule_options_are_documented() -> None:
    from authlint.ruledocs import render_rule

    with_options = [rule for rule in RULES if rule.options]
    assert [rule.id for rule in with_options] == ["AL501"]
    for rule in with_options:
        page = render_rule(rule)
        assert f"[tool.authlint.rules.{rule.id}]" in page
        assert all(f"`{option.name}`" in page for option in rule.options)


def test_option_names_are_kebab_case() -> None:
    with pytest.raises(RuleDefinitionError):
        RuleOption("max_header", SIZE, 8192, "Snake case is not a TOML key style we use.")


# --- Python 3.10: tomli instead of tomllib -------------------------------------------


def test_without_tomllib_the_config_is_read_with_tomli(tmp_path: Path) -> None:
    """On Python 3.10 (no ``tomllib``) the reader imports ``tomli``, same API, same messages."""
    pytest.importorskip("tomli")
    write(tmp_path, {"pyproject.toml": pyproject('fail-on = "error"\nselect = ["AL1"\n')})
    script = f"""
import sys
sys.modules["tomllib"] = None  # importing it now fails, as on Python 3.10
sys.version_info = (3, 10, 13, "final", 0)
from pathlib import Path
from authlint import config
from authlint.rule import load_rules
print(config.tomllib.__name__)
try:
    config.load_config(Path({str(tmp_path)!r}), load_rules())
except config.ConfigError as error:
    print(error)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        "tomli",
        "pyproject.toml: line 6: invalid TOML: Unclosed array at the end of the file",
    ]
