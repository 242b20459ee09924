"""docs/external-triage.md holds a verdict for every finding on the external precision
set (real configs from public repositories, listed in docs/external-configs.tsv and kept
beside the checkout in ../external-configs, never in the project). Skips cleanly when
those files are absent, as in CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from authlint.engine import run
from authlint.formats import IncludeOptions

from test_cli import authlint

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO.parent / "external-configs"
TRIAGE = REPO / "docs" / "external-triage.md"
MANIFEST = REPO / "docs" / "external-configs.tsv"
# A row of the Findings table: rule, path, line, verdict, why.
_ROW = re.compile(r"^\| (AL\d{3}) \| ([^|]+?) \| (\d+) \| ([^|]+?) \| (.+) \|$")
VERDICTS = {"true positive", "false positive", "debatable"}


def _findings_table(triage: Path = TRIAGE) -> dict[tuple[str, str, int], tuple[str, str]]:
    text = triage.read_text()
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


# The Apache set (issue 12): real Apache files from public repositories, kept
# beside the checkout in ../external-configs-apache, each repository linted on
# its own as its CI would.
APACHE_CONFIGS = REPO.parent / "external-configs-apache"
APACHE_TRIAGE = REPO / "docs" / "external-apache-triage.md"
APACHE_MANIFEST = REPO / "docs" / "external-apache-configs.tsv"
CORPUS_MANIFEST = REPO.parent / "shared" / "corpus" / "MANIFEST.tsv"
FINDINGS_HEADER = "| rule | path | line | verdict | why |"


def _apache_rows() -> list[list[str]]:
    return [line.split("\t") for line in APACHE_MANIFEST.read_text().splitlines()[1:]]


def test_apache_manifest_names_repository_path_and_commit() -> None:
    lines = APACHE_MANIFEST.read_text().splitlines()
    assert lines[0].split("\t") == ["repository", "path_in_repo", "commit", "local_path"]
    assert lines[1:] == sorted(set(lines[1:])), "rows are sorted and unique"
    for row in _apache_rows():
        repository, path, commit, local = row
        owner, name = repository.split("/")
        assert re.fullmatch(r"[0-9a-f]{40}", commit), row
        # The local copy sits at the same path under the repository's folder.
        assert local == f"../external-configs-apache/{owner}__{name}/{path}", row
    assert len({row[0] for row in _apache_rows()}) >= 60
    assert len(_apache_rows()) >= 350


@pytest.mark.skipif(not CORPUS_MANIFEST.is_file(), reason="../shared/corpus is absent")
@pytest.mark.parametrize("manifest", [MANIFEST, APACHE_MANIFEST], ids=["nginx", "apache"])
def test_no_repository_of_the_corpus_is_in_an_external_set(manifest: Path) -> None:
    """The external sets measure authlint on configs it was not built on."""
    corpus_lines = CORPUS_MANIFEST.read_text().splitlines()
    column = corpus_lines[0].split("\t").index("source_repo")
    corpus = {line.split("\t")[column] for line in corpus_lines[1:]}
    external = {line.split("\t")[0] for line in manifest.read_text().splitlines()[1:]}
    assert external
    assert not external & corpus


@pytest.mark.skipif(
    not APACHE_CONFIGS.is_dir(), reason="../external-configs-apache is not on this machine"
)
def test_the_apache_files_are_the_manifest_rows() -> None:
    # A Debian *-enabled link is a row of its own; resolve() would follow it.
    listed = {(REPO / row[3]).parent.resolve() / (REPO / row[3]).name for row in _apache_rows()}
    on_disk = {
        path.parent.resolve() / path.name
        for path in APACHE_CONFIGS.rglob("*")
        if path.is_file() or path.is_symlink()
    }
    assert listed == on_disk


def test_apache_triage_has_a_findings_table_and_false_classes() -> None:
    """The page is in the nginx triage's shape, so the Apache rules' findings go in it."""
    text = APACHE_TRIAGE.read_text()
    table = text[text.index("\n## Findings") : text.index("\n## False classes")]
    assert FINDINGS_HEADER in table.splitlines()
    for line in table.splitlines():
        if line.startswith("| AL"):
            match = _ROW.match(line)
            assert match, line
            assert match.group(4) in VERDICTS, line
            assert len(match.group(5)) > 20, line


@pytest.mark.skipif(
    not APACHE_CONFIGS.is_dir(), reason="../external-configs-apache is not on this machine"
)
def test_every_current_apache_finding_is_triaged() -> None:
    found = set()
    for repository in sorted(path for path in APACHE_CONFIGS.iterdir() if path.is_dir()):
        result = run([repository], IncludeOptions(), cwd=APACHE_CONFIGS)
        found |= {(item.rule, item.span.path, item.span.line) for item in result.findings}
    assert found == set(_findings_table(APACHE_TRIAGE))
