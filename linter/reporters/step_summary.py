"""The Markdown summary of a run for a GitHub Actions job (``$GITHUB_STEP_SUMMARY``).

GitHub shows only the first 10 error and 10 warning annotations of a step;
the job's summary page lists every finding: a count per rule, then one row
per finding, linked to its line when the commit is known. GitHub drops a
step summary over 1 MiB whole, so rows stop within :data:`BUDGET` bytes and
a last line says how many were left out.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from authlint.reporters import counted, per_severity
from authlint.reporters.repository import repository_path, repository_root

if TYPE_CHECKING:
    from authlint.engine import Result
    from authlint.rule import Finding

# Half of GitHub's limit: the step may add its own summary beside this one.
BUDGET = 512 * 1024


def render(result: Result, *, blob_url: str | None = None, budget: int = BUDGET) -> str:
    """The summary as GitHub-flavoured Markdown.

    ``blob_url`` is where the checked-out commit's files are shown
    (``https://github.com/OWNER/REPO/blob/SHA``); each row then links to its line.
    """
    cwd = Path.cwd().resolve()
    root = repository_root(cwd)
    findings = result.findings
    files = counted(result.files_scanned, "file")
    if not findings:
        return f"## authlint\n\nNo findings in {files}.\n"
    lines = [
        "## authlint",
        "",
        f"**{counted(len(findings), 'finding')}** in {files}: {per_severity(findings)}.",
        "",
        "| rule | severity | findings |",
        "|---|---|---:|",
    ]
    names = {rule.id: rule.name for rule in result.rules}
    per_rule = Counter(finding.rule for finding in findings)
    severity_of = {finding.rule: finding.severity for finding in findings}
    lines += [
        f"| {rule} `{names[rule]}` | {severity_of[rule].value} | {count} |"
        for rule, count in sorted(per_rule.items())
    ]
    lines += ["", "| file | line | rule | message |", "|---|---:|---|---|"]
    # Counted in the bytes written, a name that is not UTF-8 escaped (see cli.UNENCODABLE).
    size = sum(len(line.encode(errors="backslashreplace")) + 1 for line in lines)
    listed = 0
    for finding in findings:
        row = _row(finding, repository_path(finding.span.path, cwd, root), blob_url)
        size += len(row.encode(errors="backslashreplace")) + 1
        if size > budget:
            break
        lines.append(row)
        listed += 1
    if listed < len(findings):
        left = len(findings) - listed
        lines += [
            "",
            f"{counted(left, 'more finding')} not listed: GitHub drops a step summary over "
            "1 MiB. The step's log lists every finding.",
        ]
    return "\n".join(lines) + "\n"


def _row(finding: Finding, path: Path, blob_url: str | None) -> str:
    line = finding.span.line
    shown = _code(path.as_posix())
    if blob_url is not None and not path.is_absolute():
        # Percent-encoded byte for byte, so that a name that is not UTF-8 is its own bytes.
        shown = f"[{shown}]({blob_url}/{quote(os.fsencode(path.as_posix()))}#L{line})"
    return f"| {shown} | {line} | {finding.rule} | {_cell(finding.message)} |"


def _code(text: str) -> str:
    """``text`` as a code span in a table cell, whatever backticks it holds."""
    fence = "`" * (_longest_backtick_run(text) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}".replace("|", "\\|")


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for character in text:
        run = run + 1 if character == "`" else 0
        longest = max(longest, run)
    return longest


def _cell(text: str) -> str:
    """A message in a table cell: its `code spans` kept, nothing read as HTML or a column.

    Outside code spans ``&``, ``<`` and ``>`` become entities (GitHub would
    read a tag); inside, entities are not decoded, so they stay as they are.
    A stray backtick is escaped. ``|`` is escaped everywhere, as GFM tables
    ask, and a line break becomes a space.
    """
    text = " ".join(text.splitlines())
    parts = text.split("`")
    if len(parts) % 2 == 0:
        parts = [text.replace("`", "\\`")]
    for index in range(0, len(parts), 2):
        parts[index] = parts[index].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts).replace("|", "\\|")
