"""``--format github``: one GitHub Actions workflow command per finding, shown as an annotation.

``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`` (``warning``
for warnings, ``notice`` for info), escaped as ``@actions/core`` escapes. Files
are named from the repository's root, where GitHub looks for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from authlint.reporters import counted
from authlint.reporters.repository import repository_path, repository_root
from authlint.rule import Severity

if TYPE_CHECKING:
    from authlint.engine import Result
    from authlint.rule import Finding

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(result: Result, *, summary: bool = True) -> str:
    """One annotation line per finding, then a plain summary line unless ``summary`` is False."""
    cwd = Path.cwd().resolve()
    root = repository_root(cwd)
    names = {rule.id: rule.name for rule in result.rules}
    lines = [
        _annotation(finding, names[finding.rule], repository_path(finding.span.path, cwd, root))
        for finding in result.findings
    ]
    if summary:
        found = counted(len(result.findings), "finding")
        lines.append(f"authlint: {found} in {counted(result.files_scanned, 'file')}")
    return "".join(f"{line}\n" for line in lines)


def _annotation(finding: Finding, name: str, path: Path) -> str:
    span = finding.span
    properties = [("file", path.as_posix()), ("line", str(span.line))]
    # GitHub refuses columns on an annotation that spans several lines.
    one_line = span.end_line is None or span.end_line == span.line
    if span.column is not None and one_line:
        properties.append(("col", str(span.column)))
    if span.end_line is not None:
        properties.append(("endLine", str(span.end_line)))
        if span.end_column is not None and one_line:
            properties.append(("endColumn", str(span.end_column)))
    properties.append(("title", f"{finding.rule} {name}"))
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = f"{finding.message}\nFix: {finding.fix}"
    return f"::{COMMANDS[finding.severity]} {listed}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """A command's message, escaped as ``@actions/core`` does: ``%``, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command property's value: as a message, and ``:`` and ``,`` as well."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
