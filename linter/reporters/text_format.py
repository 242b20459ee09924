"""``--format text``: one ``path:line:col: ID severity message`` line per finding, then its fix."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from authlint.engine import Result


def render(result: Result) -> str:
    lines = []
    for finding in result.findings:
        span = finding.span
        lines.append(
            f"{span.path}:{span.line}:{span.column or 1}: "
            f"{finding.rule} {finding.severity.value} {finding.message}"
        )
        lines.append(f"  fix: {finding.fix}")
    counts = Counter(finding.severity.value for finding in result.findings)
    files = f"{result.files_scanned} file{'s' if result.files_scanned != 1 else ''}"
    if result.findings:
        detail = ", ".join(
            f"{counts[level]} {level}{'s' if counts[level] != 1 and level != 'info' else ''}"
            for level in ("error", "warning", "info")
            if counts[level]
        )
        total = len(result.findings)
        lines.append(f"Found {total} finding{'s' if total != 1 else ''} ({detail}) in {files}.")
    else:
        lines.append(f"No findings in {files}.")
    return "\n".join(lines) + "\n"
