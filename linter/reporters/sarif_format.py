"""``--format sarif``: a SARIF 2.1.0 log that GitHub code scanning accepts.

The log lists every known rule, whether or not it found anything: a clean run
is still a valid log, and uploading it is how code scanning learns that
earlier alerts are fixed. Files are named relative to the repository's root
(``%SRCROOT%``), as code scanning expects, and each result carries GitHub's
own line fingerprint, so an alert keeps its identity when lines above it move.
The fingerprint is computed on the masked text (:mod:`authlint.masking`), on
purpose: a log must not let anyone test guesses of a config's credentials.

authlint has no public home yet, so the log has no ``informationUri`` and no
rule ``helpUri`` (both optional) rather than invented ones: a rule's whole
documentation travels in its ``help``, its outside reference (nginx's docs,
the Fetch standard) last.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from authlint import __version__
from authlint.fingerprint import primary_location_line_hashes
from authlint.formats import references
from authlint.reporters.repository import repository_path, repository_root
from authlint.rule import Family, Rule, Severity

if TYPE_CHECKING:
    from authlint.engine import Result
    from authlint.model.source import SourceFile, Span
    from authlint.rule import Finding

SARIF_VERSION = "2.1.0"
SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SOURCE_ROOT = "%SRCROOT%"

# GitHub code scanning keeps the first 5,000 results of a run, by severity,
# and rejects a file with a run of more than 25,000 (docs: sarif-limits).
GITHUB_KEPT_RESULTS = 5_000
GITHUB_MAX_RESULTS = 25_000

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub ranks security alerts by this score: over 9.0 critical, 7.0 to 8.9
# high, 4.0 to 6.9 medium, below that low.
SECURITY_SEVERITIES = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
# The rank of alerts that are not about security.
PROBLEM_SEVERITIES = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "recommendation",
}
SECURITY_TAG = "security"


def render(result: Result) -> str:
    """The run as one SARIF log (JSON, keys sorted, so the same input gives the same bytes)."""
    cwd = Path.cwd().resolve()
    root = repository_root(cwd)
    rule_index = {rule.id: index for index, rule in enumerate(result.rules)}
    line_hashes: dict[str, list[str] | None] = {}
    results = []
    for finding in result.findings:
        path = finding.span.path
        source = result.files.get(path)
        if path not in line_hashes:
            line_hashes[path] = _line_hashes(source)
        location = repository_path(path, cwd, root)
        sarif_result = _result(
            finding, rule_index[finding.rule], location, source, line_hashes[path]
        )
        if finding.related:
            sarif_result["relatedLocations"] = [
                {
                    "id": number,
                    "physicalLocation": {
                        "artifactLocation": _artifact_location(
                            repository_path(span.path, cwd, root)
                        ),
                        "region": _region(span, result.files.get(span.path)),
                    },
                }
                for number, span in enumerate(finding.related, start=1)
            ]
        results.append(sarif_result)
    log = {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "authlint",
                        "semanticVersion": __version__,
                        "version": __version__,
                        "rules": [_descriptor(rule) for rule in result.rules],
                    }
                },
                "columnKind": "utf16CodeUnits",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _descriptor(rule: type[Rule]) -> dict[str, object]:
    doc = inspect.cleandoc(rule.__doc__ or "")
    what_it_does = doc.partition("## What it does")[2].partition("## Why is this bad?")[0]
    properties: dict[str, object] = {
        "tags": _tags(rule),
        # The load problems (AL0xx) are facts about the files; the other rules
        # reason about what nginx does, proven on the real server.
        "precision": "very-high" if Family.of(rule.id) is Family.DIAGNOSTICS else "high",
    }
    if SECURITY_TAG in rule.tags:
        properties["security-severity"] = SECURITY_SEVERITIES[rule.severity]
    else:
        properties["problem.severity"] = PROBLEM_SEVERITIES[rule.severity]
    reference = "".join(f"\n\nReference: <{url}>" for url in references(rule))
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(what_it_does.split())},
        "help": {
            "text": f"{doc}\n\nFix: {rule.fix}{reference}",
            "markdown": f"{doc}\n\n## Fix\n{rule.fix}{reference}",
        },
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": properties,
    }


def _tags(rule: type[Rule]) -> list[str]:
    family = Family.of(rule.id).value
    return [*rule.tags, family] if family not in rule.tags else list(rule.tags)


def _result(
    finding: Finding,
    index: int,
    location: Path,
    source: SourceFile | None,
    line_hashes: list[str] | None,
) -> dict[str, object]:
    span = finding.span
    message = finding.message
    if not message.endswith((".", "!", "?")):
        message += "."
    physical: dict[str, object] = {
        "artifactLocation": _artifact_location(location),
        "region": _region(span, source),
    }
    sarif_result: dict[str, object] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{message} Fix: {finding.fix}"},
        "locations": [{"physicalLocation": physical}],
    }
    if line_hashes is not None and span.line <= len(line_hashes):
        sarif_result["partialFingerprints"] = {
            "primaryLocationLineHash": line_hashes[span.line - 1]
        }
    return sarif_result


def _artifact_location(path: Path) -> dict[str, str]:
    if path.is_absolute():
        # Outside the repository: no base to be relative to.
        return {"uri": path.as_uri()}
    # Percent-encoded byte for byte, so that a name that is not UTF-8 is its own bytes.
    return {"uri": quote(os.fsencode(path.as_posix())), "uriBaseId": SOURCE_ROOT}


def _region(span: Span, source: SourceFile | None) -> dict[str, int]:
    """The span's lines and columns, the columns counted in UTF-16 code units as SARIF's are."""
    region = {"startLine": span.line}
    if span.column is not None:
        region["startColumn"] = _utf16_column(source, span.line, span.column)
    if span.end_line is not None:
        region["endLine"] = span.end_line
        if span.end_column is not None:
            region["endColumn"] = _utf16_column(source, span.end_line, span.end_column)
    return region


def _utf16_column(source: SourceFile | None, line: int, column: int) -> int:
    """``column`` (1-based, in characters) in UTF-16 code units, as SARIF counts them."""
    return column if source is None else source.utf16_column(line, column)


def _line_hashes(source: SourceFile | None) -> list[str] | None:
    """GitHub's fingerprint of each line of a file the run read (None: none, or unreadable).

    Hashed, on purpose, from the masked text, so that the log gives no hash
    to test guesses of a credential against. Masking keeps every character's
    place, so the hashes line up with the file's lines; on lines near no
    secret they are those the upload action computes from the file.
    """
    text = source.masked_text() if source is not None else None
    return primary_location_line_hashes(text) if text is not None else None


def github_limit_warning(results: int) -> str | None:
    """What to tell a user whose log of ``results`` results GitHub would cut or reject."""
    if results > GITHUB_MAX_RESULTS:
        return (
            f"{results} results: GitHub code scanning rejects a SARIF run of more than "
            f"{GITHUB_MAX_RESULTS:,}; report only new findings (--baseline) or fewer rules "
            "(--select, per-file-ignores)"
        )
    if results > GITHUB_KEPT_RESULTS:
        return (
            f"{results} results: GitHub code scanning keeps only {GITHUB_KEPT_RESULTS:,} of a "
            "run, the most severe; --baseline reports only new findings"
        )
    return None
