"""docs/external-triage.md holds a verdict for every finding on the external precision
set (real configs from public repositories, listed in docs/external-configs.tsv and kept
beside the checkout in ../external-configs, never in the project). Skips cleanly when
those files are absent, as in CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_cli import authlint

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO.parent / "external-configs"
TRIAGE = REPO / "docs" / "external-triage.md"
MANIFEST = REPO / "docs" / "external-configs.tsv"
# A row of the Findings table: rule, path, line, verdict, why.
_ROW = re.compile(r"^\| (AL\d{3}) \| ([^|]+?) \| (\d+) \| ([^|]+?) \| (.+) \|$")
VERDICTS = {"true positive", "false positive", "debatable"}


def _findings_table() -> dict[tuple[str, str, int], tuple[str, str]]:
    text = TRIAGE.read_text()
    table = text[text.index("\n## Findings") : text.index("\n## False classes")]
    rows = {}
    for line in table.splitlines():
        match = _ROW.match(line)
        if match:
            rule, path, number, verdict, why = match.groups()
            rows[(rule, path, int(number))] = (verdict, why)
    return rows


def test_every_row_has_a_verdict_and_a_reason() -> None:
    rows = _findings_table()
    assert rows
    for key, (verdict, why) in rows.items():
        assert verdict in VERDICTS, key
        assert len(why) > 20, key


def test_manifest_names_repository_path_and_commit() -> None:
    lines = MANIFEST.read_text().splitlines()
    assert lines[0].split("\t") == ["repository", "path_in_repo", "commit", "local_path"]
    for line in lines[1:]:
        repository, path, commit, local = line.split("\t")
        assert "/" in repository, line
        assert path, line
        assert re.fullmatch(r"[0-9a-f]{40}", commit), line
        assert local.startswith("../external-configs/"), line


@pytest.mark.skipif(not CONFIGS.is_dir(), reason="../external-configs is not on this machine")
def test_every_current_finding_is_triaged() -> None:
    run = authlint("check", "--isolated", "--format", "json", CONFIGS.name, cwd=CONFIGS.parent)
    found = {
        (item["rule"], item["path"].removeprefix("external-configs/"), item["line"])
        for item in run.json()["findings"]
    }
    assert found == set(_findings_table())
