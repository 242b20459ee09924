"""Robustness over the real-world corpus beside the repository (``../shared/corpus``).

The corpus holds nginx files copied from public repositories, some of them
broken on purpose; ``PARSE_CHECK.tsv`` says which ones crossplane cannot parse.
Nothing here copies a corpus file into the repository: the files are read
where they are, and paths are reported relative to the corpus.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from authlint.engine import Result
from authlint.rule import Family

from conftest import CORPUS, lint

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}"),
]

NGINX = CORPUS / "nginx"


@cache
def table(name: str) -> tuple[dict[str, str], ...]:
    """The rows of a TSV file of the corpus, as dicts keyed by its header."""
    with (CORPUS / name).open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def nginx_files() -> list[str]:
    """The manifest's nginx files, as paths relative to the corpus."""
    return sorted(row["local_path"] for row in table("MANIFEST.tsv") if row["kind"] == "nginx")


def unparsable_files() -> list[str]:
    """The nginx files that PARSE_CHECK marks as not parsing."""
    return sorted(
        row["local_path"]
        for row in table("PARSE_CHECK.tsv")
        if row["kind"] == "nginx" and row["status"] == "error"
    )


def lint_alone(local_path: str) -> Result:
    return lint(CORPUS / local_path, cwd=CORPUS)


def test_manifest_lists_nginx_files():
    files = nginx_files()
    assert files, "MANIFEST.tsv lists no nginx file"
    assert len(set(files)) == len(files)
    missing = [path for path in files if not (CORPUS / path).is_file()]
    assert missing == []


def test_whole_nginx_tree_lints_without_crash():
    result = lint(NGINX, cwd=CORPUS)
    assert result.crashes == []
    assert result.files_scanned > 0
    for finding in result.findings:
        assert finding.span.path, finding
        assert not finding.span.path.startswith("/"), finding
        assert finding.span.line >= 1, finding


def test_no_nginx_file_is_read_as_apache_nor_an_apache_file_as_nginx():
    nginx_tree = lint(NGINX, cwd=CORPUS)
    assert {source.format for source in nginx_tree.files.values()} == {"nginx"}
    apache_tree = lint(CORPUS / "apache", cwd=CORPUS)
    assert {source.format for source in apache_tree.files.values()} == {"apache"}
    # Every file called .htaccess, httpd.conf or apache2.conf, and most others.
    assert len(apache_tree.files) > 250


def test_every_nginx_file_alone_lints_without_crash():
    failures = []
    for local_path in nginx_files():
        try:
            result = lint_alone(local_path)
        except Exception as exc:  # collected, so that one run names every broken file
            failures.append(f"{local_path}: raised {type(exc).__name__}: {exc}")
            continue
        if result.crashes:
            failures.append(f"{local_path}: rule crashes {result.crashes}")
        failures.extend(
            f"{local_path}: finding without a place: {finding}"
            for finding in result.findings
            if not finding.span.path or finding.span.line < 1
        )
    assert failures == []


def test_unparsable_nginx_files_yield_al001():
    """crossplane's failures are AL001 (AL007 for a template), unless authlint does not take
    the file for nginx.

    Some of these files were kept although they are templates or not nginx at
    all (an INI file, crossplane's deliberately garbage include targets):
    authlint may rightly leave them alone (files_scanned == 0).
    """
    files = unparsable_files()
    assert files, "PARSE_CHECK.tsv marks no nginx file as an error"
    reported, skipped, failures = [], [], []
    for local_path in files:
        result = lint_alone(local_path)
        if result.crashes:
            failures.append(f"{local_path}: rule crashes {result.crashes}")
        if result.files_scanned == 0:
            skipped.append(local_path)
            if result.findings:
                failures.append(f"{local_path}: not scanned, yet {len(result.findings)} findings")
            continue
        # A template (YunoHost's Jinja `*.tpl.conf`) is AL007, not linted, rather than AL001.
        parse_errors = [
            finding
            for finding in result.findings
            if finding.rule in ("AL001", "AL007") and finding.span.path == local_path
        ]
        if parse_errors:
            reported.append(local_path)
        else:
            failures.append(f"{local_path}: scanned, but no AL001 on it")
    assert failures == []
    # certbot's broken.conf and the ingress-nginx fragments are plainly nginx.
    assert reported, f"every unparsable file was skipped: {skipped}"


def test_cli_json_over_the_nginx_tree():
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", "nginx", "--format", "json"],
        cwd=CORPUS,
        capture_output=True,
        timeout=300,
        check=False,
    )
    stderr = done.stderr.decode("utf-8", errors="replace")
    assert done.returncode in (0, 1), stderr
    assert "Traceback" not in stderr
    document = json.loads(done.stdout)
    assert document["version"] == 1
    assert document["files_scanned"] > 0
    for finding in document["findings"]:
        assert finding["line"] >= 1
        assert finding["path"].startswith("nginx/")
        assert Path(CORPUS, finding["path"]).is_file()


TRIAGE = Path(__file__).resolve().parent.parent / "docs" / "corpus-triage.md"


def triaged_findings() -> set[tuple[str, str, int]]:
    """The (rule, path, line) rows of the triage file's "Current findings" table."""
    current = TRIAGE.read_text().split("## Current findings", 1)[1].split("\n## ", 1)[0]
    rows = set()
    for line in current.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("AL"):
            rows.add((cells[0], cells[1], int(cells[2])))
    return rows


def test_every_rule_finding_is_triaged():
    """Every finding of families 1 to 6 (AL1xx-AL6xx) on the corpus, nginx's and Apache's,
    has a verdict in docs/corpus-triage.md."""
    found = {
        (finding.rule, finding.span.path, finding.span.line)
        for folder in (NGINX, CORPUS / "apache")
        for finding in lint(folder, cwd=CORPUS).findings
        if finding.family is not Family.DIAGNOSTICS
    }
    assert found == triaged_findings()


def test_a_proxy_collection_reports_each_unread_include_target_once():
    # linuxserver's collections include /config/nginx/... from hundreds of samples.
    trees = sorted(path.name for path in NGINX.glob("linuxserver__*"))
    assert trees, "the corpus has no linuxserver collection"
    done = subprocess.run(
        [sys.executable, "-m", "authlint", "check", "--isolated", *trees],
        cwd=NGINX,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    # Each finding's text from its first line to its source line, wrapping undone.
    findings = [
        " ".join(re.split(r"\n  (?:\d+ \||fix:)", block)[0].split())
        for block in ("\n" + done.stdout).split("\nlinuxserver__")[1:]
    ]
    headlines = [finding for finding in findings if " AL004 " in finding]
    targets = [line.split("include `", 1)[1].split("`", 1)[0] for line in headlines]
    assert len(targets) == len(set(targets))
    assert "/config/nginx/proxy.conf" in targets
    (proxy,) = [line for line in headlines if "`/config/nginx/proxy.conf`" in line]
    assert proxy.endswith("more includes of it)")
    # A few dozen lines, not thousands: the notices no longer bury the rest.
    assert len(done.stdout.splitlines()) < 100
