"""Reporters turn a run's result into text; they only format findings."""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from authlint.rule import Severity

if TYPE_CHECKING:
    from collections.abc import Iterable

    from authlint.engine import Result
    from authlint.rule import Finding

FORMATS = ("text", "json", "sarif", "github")


def counted(number: int, noun: str) -> str:
    """``1 file``, ``2 files``; ``info`` (a severity) stays as it is."""
    return f"{number} {noun}{'s' if number != 1 and noun != 'info' else ''}"


def per_severity(findings: Iterable[Finding]) -> str:
    """``1 error, 2 warnings``: the findings of each severity present, most severe first."""
    counts = Counter(finding.severity for finding in findings)
    return ", ".join(
        counted(counts[severity], severity.value) for severity in Severity if counts[severity]
    )


@dataclass(frozen=True)
class RuleCount:
    """One row of ``--statistics``: how many findings a rule reported."""

    rule: str
    name: str
    severity: Severity
    count: int


def rule_counts(result: Result) -> list[RuleCount]:
    """The findings counted per rule, most frequent first, then by ID."""
    rules = {rule.id: rule for rule in result.rules}
    counts = Counter(finding.rule for finding in result.findings)
    return [
        RuleCount(rule_id, rules[rule_id].name, rules[rule_id].severity, count)
        for rule_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


class Render(Protocol):
    def __call__(self, result: Result) -> str: ...


def renderer(name: str) -> Render:
    """The ``render`` function of a format's module, imported only when asked for."""
    module = importlib.import_module(f"authlint.reporters.{name}_format")
    render: Render = module.render
    return render
