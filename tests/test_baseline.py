"""Baselines: ``--write-baseline`` records today's findings, ``--baseline`` hides them.

Findings are matched by rule, file and the content of their line, so edits
elsewhere in the file do not bring them back.
"""

from __future__ import annotations

import json

from authlint.fingerprint import line_hash

from test_cli import authlint

SITE = """\
server {
    listen 8080;

    location /api/ {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9001;
    }
}
"""

NEW_PROBLEM = """\

    location /svc/ {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:9002;
    }
}
"""


def findings(run) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["path"], f["line"]) for f in run.json()["findings"]]


def test_baseline_hides_todays_findings_and_shows_new_ones(tree):
    root = tree({"site.conf": SITE})
    assert authlint("check", cwd=root).status == 1

    written = authlint("check", "--write-baseline", "baseline.json", cwd=root)
    assert written.status == 0
    assert "recorded 1 finding in baseline.json" in written.stderr
    assert written.stdout == "No findings in 1 file.\n"

    today = authlint("check", "--baseline", "baseline.json", "--format", "json", cwd=root)
    assert today.status == 0
    assert findings(today) == []
    assert "1 finding recorded in baseline.json not shown" in today.stderr

    # A new problem: only it is reported.
    (root / "site.conf").write_text(SITE.removesuffix("}\n") + NEW_PROBLEM)
    later = authlint("check", "--baseline", "baseline.json", "--format", "json", cwd=root)
    assert later.status == 1
    assert findings(later) == [("AL102", "site.conf", 10)]


def test_lines_inserted_above_do_not_bring_a_finding_back(tree):
    root = tree({"site.conf": SITE})
    authlint("check", "--write-baseline", "baseline.json", cwd=root)
    moved = SITE.replace("    listen 8080;\n", "    listen 8080;\n\n\n    # a comment\n\n")
    (root / "site.conf").write_text(moved)
    run = authlint("check", "--baseline", "baseline.json", "--format", "json", cwd=root)
    assert run.status == 0
    assert findings(run) == []


def test_a_copy_of_a_recorded_line_is_new(tree):
    root = tree({"site.conf": SITE})
    authlint("check", "--write-baseline", "baseline.json", cwd=root)
    (root / "site.conf").write_text(
        SITE.replace("location /api/", "location /v1/")
        .removesuffix("}\n")
        .replace(
            "server {\n",
            "server {\n    location /api/ {\n"
            '        proxy_set_header Authorization "";\n'
            "        proxy_pass http://127.0.0.1:9001;\n    }\n",
            1,
        )
        + "}\n"
    )
    run = authlint("check", "--baseline", "baseline.json", "--format", "json", cwd=root)
    assert run.status == 1
    assert len(findings(run)) == 1


def test_baseline_works_from_another_directory(tree):
    root = tree({"conf/site.conf": SITE})
    authlint("check", "conf", "--write-baseline", "conf/baseline.json", cwd=root)
    document = json.loads((root / "conf" / "baseline.json").read_text())
    assert [entry["path"] for entry in document["findings"]] == ["site.conf"]
    run = authlint("check", ".", "--baseline", "baseline.json", cwd=root / "conf")
    assert run.status == 0


def test_parse_errors_are_never_recorded(tree):
    root = tree({"site.conf": SITE, "broken.conf": "server {\n    listen 8080\n}\n"})
    written = authlint("check", "--write-baseline", "baseline.json", "--format", "json", cwd=root)
    # Recorded what it could, and still fails on the file that does not parse.
    assert written.status == 1
    assert [f["rule"] for f in written.json()["findings"]] == ["AL001"]
    document = json.loads((root / "baseline.json").read_text())
    assert [entry["rule"] for entry in document["findings"]] == ["AL102"]
    run = authlint("check", "--baseline", "baseline.json", "--format", "json", cwd=root)
    assert run.status == 1
    assert [f["rule"] for f in run.json()["findings"]] == ["AL001"]


def test_baseline_file_is_deterministic(tree):
    root = tree({"site.conf": SITE + SITE.replace("8080", "8081")})
    authlint("check", "--write-baseline", "one.json", cwd=root)
    authlint("check", "--write-baseline", "two.json", cwd=root)
    assert (root / "one.json").read_bytes() == (root / "two.json").read_bytes()


def test_bad_baseline_is_a_usage_error(tree):
    root = tree({"site.conf": SITE, "not-json.json": "{", "other.json": '{"version": 9}'})
    for name in ("missing.json", "not-json.json", "other.json"):
        run = authlint("check", "--baseline", name, cwd=root)
        assert run.status == 2
        assert run.stdout == ""
        assert len(run.stderr.splitlines()) == 1
        assert name in run.stderr
    both = authlint("check", "--baseline", "a.json", "--write-baseline", "b.json", cwd=root)
    assert both.status == 2


# --- masked lines, and version 1 ---------------------------------------------

FIXED = """\
server {
    listen 8080;

    location /svc/ {
        proxy_set_header Authorization "Basic %s";
        proxy_pass http://127.0.0.1:9002;
    }
}
"""


def test_a_line_is_hashed_masked(tree):
    """The baseline holds no hash to test guesses against: any password of that length matches."""
    root = tree({"site.conf": FIXED % "c2VydmljZTpzM2NyZXQ="})
    authlint("check", "--write-baseline", "baseline.json", cwd=root)
    document = json.loads((root / "baseline.json").read_text())
    assert document["version"] == 2
    assert [entry["line_hash"] for entry in document["findings"]] == [
        line_hash('proxy_set_header Authorization "Basic ********************";')
    ]
    (root / "site.conf").write_text(FIXED % "YWRtaW46aHVudGVyMjI=")
    run = authlint("check", "--baseline", "baseline.json", cwd=root)
    assert run.status == 0


def test_a_version_1_baseline_is_still_read_with_a_warning(tree):
    root = tree({"site.conf": SITE})
    authlint("check", "--write-baseline", "baseline.json", cwd=root)
    document = json.loads((root / "baseline.json").read_text())
    # Version 1 files hold the same entries; lines without secrets hash the same.
    (root / "baseline.json").write_text(json.dumps({**document, "version": 1}))
    run = authlint("check", "--baseline", "baseline.json", "--format", "json", cwd=root)
    assert run.status == 0
    assert findings(run) == []
    assert "baseline.json is a baseline of version 1" in run.stderr
    assert "--write-baseline" in run.stderr
    (root / "baseline.json").write_text(json.dumps(document))
    current = authlint("check", "--baseline", "baseline.json", cwd=root)
    assert current.status == 0
    assert "version" not in current.stderr
