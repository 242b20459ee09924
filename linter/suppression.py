"""Inline suppressions: ``# authlint: ignore[...]`` comments in the linted files.

``# authlint: ignore[AL102, AL3] reason`` silences the findings of those rules
(IDs or prefixes) on one line: its own when it trails a statement, else the
line below the run of own-line comments it is part of (a blank line ends the
run). ``# authlint: ignore-file[...]`` anywhere silences them in its whole
file. Either covers only findings whose span is in its own file. The comments
come from each file's parser (``SourceFile.comments``), so a ``#`` inside a
quoted value is no comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlint.model.source import Span

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from authlint.model.source import Comment, SourceFile
    from authlint.model.workspace import Workspace
    from authlint.rule import Finding, Rule

# Any case, so that `# Authlint: ...` is reported as malformed, not skipped.
_LEAD = re.compile(r"\s*authlint:", re.IGNORECASE)
_DIRECTIVE = re.compile(
    r"\s*authlint:\s*(?P<kind>ignore-file|ignore)\s*\[(?P<selectors>[^\]]*)\](?P<reason>.*)",
    re.DOTALL,
)
SELECTOR = re.compile(r"AL\d{0,3}")


@dataclass(frozen=True, slots=True)
class Selector:
    """One rule ID or prefix as written in a suppression, valid or not."""

    text: str
    span: Span

    def matches(self, rule_id: str) -> bool:
        return SELECTOR.fullmatch(self.text) is not None and rule_id.startswith(self.text)


@dataclass(frozen=True, slots=True)
class Suppression:
    """One ``# authlint: ignore[...]`` or ``# authlint: ignore-file[...]`` comment.

    ``line`` is the line a line suppression covers; ``None`` for a whole-file
    one, or when a blank line or the end of the file follows its comments.
    """

    span: Span
    whole_file: bool
    line: int | None
    selectors: tuple[Selector, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Malformed:
    """A comment that starts with ``authlint:`` but does not parse as a suppression."""

    span: Span


@dataclass
class Applied:
    """Findings after suppressions: the ones kept, how many went, and the selectors that hid one."""

    kept: list[Finding]
    suppressed: int
    used: set[Selector]


def scan(workspace: Workspace) -> Iterator[Suppression | Malformed]:
    """Every ``authlint:`` comment of the run, file by file in load order, then by line."""
    for source in workspace.files:
        directives = [comment for comment in source.comments if _LEAD.match(comment.text)]
        if directives:
            yield from _FileComments(source).read(directives)


def apply(
    suppressions: Iterable[Suppression], findings: Iterable[Finding], rules: Iterable[type[Rule]]
) -> Applied:
    """Drop each finding a suppression in its own file covers, if its rule is suppressible."""
    suppressible = {rule.id for rule in rules if rule.suppressible}
    on_line: dict[tuple[str, int], list[Suppression]] = {}
    in_file: dict[str, list[Suppression]] = {}
    for suppression in suppressions:
        if suppression.whole_file:
            in_file.setdefault(suppression.span.path, []).append(suppression)
        elif suppression.line is not None:
            on_line.setdefault((suppression.span.path, suppression.line), []).append(suppression)
    applied = Applied([], 0, set())
    for finding in findings:
        covering = on_line.get((finding.span.path, finding.span.line), []) + in_file.get(
            finding.span.path, []
        )
        matched = {
            selector
            for suppression in covering
            for selector in suppression.selectors
            if selector.matches(finding.rule)
        }
        if matched and finding.rule in suppressible:
            applied.used |= matched
            applied.suppressed += 1
        else:
            applied.kept.append(finding)
    return applied


def selector_problem(selector: Selector, rules: Iterable[type[Rule]]) -> str | None:
    """Why ``selector`` can never suppress anything, or ``None`` when it can.

    The selector's text is quoted only once it has the shape of an ID: any
    other text in a config comment could be a secret.
    """
    if not selector.text:
        return "an empty selector names no rule"
    if SELECTOR.fullmatch(selector.text) is None:
        return "a selector is a rule ID or a prefix of one, such as AL301 or AL3"
    matched = [rule for rule in rules if selector.matches(rule.id)]
    if not matched:
        return f"{selector.text} matches no rule"
    if not any(rule.suppressible for rule in matched):
        return f"{selector.text} cannot be suppressed by a comment"
    return None


class _FileComments:
    """The comments of one file, with where each sits on its line."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.own_lines = {comment.line for comment in source.comments if self._owns_line(comment)}

    def read(self, directives: list[Comment]) -> Iterator[Suppression | Malformed]:
        for comment in directives:
            column = self._column(comment)
            end = None if column is None else column + len(("#" + comment.text).rstrip())
            span = Span(self.source.path, comment.line, column, comment.line, end)
            match = _DIRECTIVE.fullmatch(comment.text)
            if match is None or not match["selectors"].strip():
                yield Malformed(span)
                continue
            whole_file = match["kind"] == "ignore-file"
            yield Suppression(
                span,
                whole_file,
                None if whole_file else self._covered_line(comment),
                tuple(self._selectors(comment, match, column)),
                _reason(match["reason"]),
            )

    def _column(self, comment: Comment) -> int | None:
        """The comment's ``#`` column; ``None`` if the line's text does not end with it."""
        text = self.source.line_text(comment.line)
        marker = "#" + comment.text
        return len(text) - len(marker) + 1 if text.endswith(marker) else None

    def _owns_line(self, comment: Comment) -> bool:
        column = self._column(comment)
        return column is not None and not self.source.line_text(comment.line)[: column - 1].strip()

    def _covered_line(self, comment: Comment) -> int | None:
        if comment.line not in self.own_lines:
            return comment.line
        line = comment.line + 1
        while line in self.own_lines:
            line += 1
        return line if self.source.line_text(line).strip() else None

    def _selectors(
        self, comment: Comment, match: re.Match[str], column: int | None
    ) -> Iterator[Selector]:
        offset = match.start("selectors")
        for item in match["selectors"].split(","):
            text = item.strip()
            start = offset + len(item) - len(item.lstrip())
            offset += len(item) + 1
            if column is None:
                span = Span(self.source.path, comment.line)
            else:
                # The `#` is at `column`; the comment's text starts after it.
                first = column + 1 + start
                span = Span(self.source.path, comment.line, first, comment.line, first + len(text))
            yield Selector(text, span)


def _reason(text: str) -> str:
    """The free text after ``]``, without a leading ``--`` or ``:``."""
    reason = text.strip()
    for lead in ("--", ":"):
        if reason.startswith(lead):
            return reason[len(lead) :].strip()
    return reason
