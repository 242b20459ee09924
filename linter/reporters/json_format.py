"""``--format json``: the stable schema documented in the README (version 1)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from authlint import __version__

if TYPE_CHECKING:
    from authlint.engine import Result

SCHEMA_VERSION = 1


def render(result: Result) -> str:
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "authlint", "version": __version__},
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
