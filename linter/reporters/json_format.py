"""``--format json``: the stable schema documented in the README (version 1).

With ``--statistics``, a document of the same version holds the count per
rule in place of the findings.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from authlint import __version__
from authlint.reporters import rule_counts

if TYPE_CHECKING:
    from authlint.engine import Result

SCHEMA_VERSION = 1
TOOL = {"name": "authlint", "version": __version__}


def render(result: Result) -> str:
    document = {
        "version": SCHEMA_VERSION,
        "tool": TOOL,
        "findings": [
            {
                "rule": finding.rule,
                "severity": finding.severity.value,
                "family": finding.family.value,
                "message": finding.message,
                "fix": finding.fix,
                "path": finding.span.path,
                "line": finding.span.line,
                "column": finding.span.column,
                "end_line": finding.span.end_line,
                "end_column": finding.span.end_column,
                "related": [
                    {"path": span.path, "line": span.line, "column": span.column}
                    for span in finding.related
                ],
            }
            for finding in result.findings
        ],
        "files_scanned": result.files_scanned,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_statistics(result: Result) -> str:
    """``--statistics --format json``: the findings counted per rule, most frequent first."""
    document = {
        "version": SCHEMA_VERSION,
        "tool": TOOL,
        "statistics": [
            {"rule": row.rule, "name": row.name, "severity": row.severity.value, "count": row.count}
            for row in rule_counts(result)
        ],
        "files_scanned": result.files_scanned,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
