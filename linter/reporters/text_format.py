"""``--format text``: each finding as ``path:line:col: ID severity message``,
the offending source line with a caret under the span, and the fix.

Source lines are shown masked (:mod:`authlint.masking`). Colour is the
caller's decision (a terminal, no ``NO_COLOR``); without it the output is
plain text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from authlint.reporters import counted, per_severity, rule_counts
from authlint.reporters.layout import WIDTH, printable, window, wrapped
from authlint.rule import Severity

if TYPE_CHECKING:
    from authlint.engine import Result
    from authlint.rule import Finding

_SEVERITY_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
# Tabs would shift the caret by an unknown width: one space each, as in the caret line.
_TAB = " "
# A wrapped fix's later lines start under its first word.
_FIX = "  fix: "
_FIX_INDENT = " " * len(_FIX)


def render(result: Result, *, color: bool = False, summary: bool = True) -> str:
    """The report: each finding, then the summary unless ``summary`` is False (``--quiet``)."""
    paint = _Painter(color)
    lines: list[str] = []
    for finding in result.findings:
        lines.extend(_headline(finding, paint))
        lines.extend(_snippet(finding, result, paint))
        lines.extend(
            _led(
                printable(finding.fix),
                _FIX,
                f"  {paint('fix:', fg='green', bold=True)} ",
                _FIX_INDENT,
            )
        )
    if summary:
        lines.append(_summary(result))
    return "".join(f"{line}\n" for line in lines)


def render_statistics(result: Result, *, color: bool = False, summary: bool = True) -> str:
    """``--statistics``: in place of the findings, one line per rule (count, ID,
    severity, name), most frequent first; then the summary unless ``summary`` is False."""
    paint = _Painter(color)
    rows = rule_counts(result)
    width = max((len(str(row.count)) for row in rows), default=0)
    lines = [
        f"{row.count:>{width}}  {paint(row.rule, bold=True)}  {row.severity.value:<7}  {row.name}"
        for row in rows
    ]
    if summary:
        lines.append(_summary(result))
    return "".join(f"{line}\n" for line in lines)


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, **style: str | bool) -> str:
        return click.style(text, **style) if self.enabled else text  # type: ignore[arg-type]


def _headline(finding: Finding, paint: _Painter) -> list[str]:
    """``path:line:col: RULE severity message``, the message wrapped to the width."""
    span = finding.span
    place = f"{span.path}:{span.line}:{span.column or 1}:"
    colour = _SEVERITY_COLOURS[finding.severity]
    rule, severity = finding.rule, finding.severity.value
    painted = " ".join(
        (paint(place, bold=True), paint(rule, fg=colour, bold=True), paint(severity, fg=colour))
    )
    return _led(printable(finding.message), f"{place} {rule} {severity} ", f"{painted} ", "    ")


def _led(text: str, lead: str, painted_lead: str, indent: str) -> list[str]:
    """``text`` after ``lead`` wrapped to the width, ``lead`` then shown as ``painted_lead``."""
    lines = wrapped(text, lead, indent)
    return [painted_lead + lines[0][len(lead) :], *lines[1:]]


def _snippet(finding: Finding, result: Result, paint: _Painter) -> list[str]:
    """The masked source line and a caret line under the span; nothing if the text is unknown.

    A line longer than the width is shown cut around the span.
    """
    span = finding.span
    source = result.files.get(span.path)
    text = source.masked_line_text(span.line) if source is not None else ""
    if not text.strip():
        return []
    text = printable(text.replace("\t", _TAB))
    start = (span.column or len(text) - len(text.lstrip()) + 1) - 1
    end = len(text.rstrip())
    if span.end_column is not None and span.end_line in (None, span.line):
        end = min(max(span.end_column - 1, start + 1), len(text))
    number = str(span.line)
    gutter = " " * len(number)
    shown = window(text, start, end, WIDTH - len(f"  {number} | "))
    caret = " " * shown.start + "^" * max(shown.end - shown.start, 1)
    bar = paint("|", fg="blue", bold=True)
    return [
        f"  {paint(number, fg='blue', bold=True)} {bar} {shown.visible}".rstrip(),
        f"  {gutter} {bar} {paint(caret, fg=_SEVERITY_COLOURS[finding.severity], bold=True)}",
    ]


def _summary(result: Result) -> str:
    files = counted(result.files_scanned, "file")
    if not result.findings:
        return f"No findings in {files}."
    found = counted(len(result.findings), "finding")
    return f"Found {found} ({per_severity(result.findings)}) in {files}."
