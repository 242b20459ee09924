"""Which rules run, and where: selectors, their resolution, per-file ignores.

A selector is a rule ID (``AL301``) or a prefix of one (``AL``, ``AL3``,
``AL30``). Resolution follows ruff: the selections are applied in order (the
defaults, the config file, the command line). Within one, a rule is decided
by the most specific selector that matches it (``select`` and
``extend-select`` enable it, ``ignore`` disables it; on a tie ``ignore``
wins). A selection with ``select`` starts over from what it enables; one
without changes the rules enabled so far. AL001 (a file that does not parse)
is always enabled and can never be ignored: a file authlint could not read
must never pass silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlint.rules.diagnostics.parse_error import ParseError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence
    from pathlib import Path

    from authlint.globs import Globs

PARSE_ERROR = ParseError.id
ALL = "AL"
_SELECTOR = re.compile(r"^AL\d{0,3}$")


class SelectorError(ValueError):
    """A selector that is malformed or matches no rule; the message names it."""


def matches(selector: str, rule_id: str) -> bool:
    """Whether ``selector`` selects the rule ``rule_id``."""
    return rule_id.startswith(selector)


def parse_selectors(values: Iterable[str], rule_ids: Collection[str]) -> tuple[str, ...]:
    """``values`` checked as selectors of the known ``rule_ids``; raises ``SelectorError``."""
    selectors = []
    for value in values:
        if not _SELECTOR.match(value):
            raise SelectorError(
                f"{value!r} is not a rule ID or prefix (such as AL, AL3, AL30, AL301)"
            )
        if not any(matches(value, rule_id) for rule_id in rule_ids):
            raise SelectorError(f"{value!r} matches no rule")
        selectors.append(value)
    return tuple(selectors)


def parse_ignores(values: Iterable[str], rule_ids: Collection[str]) -> tuple[str, ...]:
    """``parse_selectors`` for selectors that ignore: naming AL001 itself is an error."""
    selectors = parse_selectors(values, rule_ids)
    if PARSE_ERROR in selectors:
        raise SelectorError(
            f"{PARSE_ERROR} cannot be ignored: a file that does not parse always fails the run"
        )
    return selectors


def split_selectors(values: Iterable[str]) -> list[str]:
    """Comma-separated selectors (as the command line takes them), stripped, empty ones dropped."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class RuleSelection:
    """One layer of selection: ``select`` is None when this layer does not set it."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


DEFAULT = RuleSelection(select=(ALL,))


def resolve(layers: Sequence[RuleSelection], rule_ids: Iterable[str]) -> frozenset[str]:
    """The IDs of the rules enabled by ``layers``, applied in order after the default (all)."""
    ids = sorted(rule_ids)
    enabled: set[str] = set()
    for layer in (DEFAULT, *layers):
        enabling = (*(layer.select or ()), *layer.extend_select)
        decided: dict[str, bool] = {}
        for rule_id in ids:
            # (specificity, ignore): the longest selector decides, ignore on a tie.
            best = max(
                [(len(s), False) for s in enabling if matches(s, rule_id)]
                + [(len(s), True) for s in layer.ignore if matches(s, rule_id)],
                default=None,
            )
            if best is not None:
                decided[rule_id] = not best[1]
        if layer.select is not None:
            enabled = {rule_id for rule_id, on in decided.items() if on}
        else:
            enabled |= {rule_id for rule_id, on in decided.items() if on}
            enabled -= {rule_id for rule_id, on in decided.items() if not on}
    return frozenset(enabled | {PARSE_ERROR})


@dataclass(frozen=True)
class PerFileIgnore:
    """The rules ``ignored`` (IDs) in the files ``globs`` match."""

    globs: Globs
    ignored: frozenset[str]


@dataclass(frozen=True)
class Selection:
    """The rules a run reports: ``enabled`` (IDs), less the per-file ignores of a finding's file.

    Build it with ``Selection.of``, which keeps AL001 enabled and never ignored.
    """

    enabled: frozenset[str]
    per_file_ignores: tuple[PerFileIgnore, ...] = ()

    @classmethod
    def of(
        cls,
        layers: Sequence[RuleSelection],
        rule_ids: Iterable[str],
        per_file_ignores: Sequence[PerFileIgnore] = (),
    ) -> Selection:
        """The selection ``layers`` resolve to; AL001 is dropped from the per-file ignores."""
        return cls(
            resolve(layers, rule_ids),
            tuple(
                PerFileIgnore(entry.globs, entry.ignored - {PARSE_ERROR})
                for entry in per_file_ignores
            ),
        )

    def ignored_in(self, path: Path) -> frozenset[str]:
        """The IDs of the rules ignored in the file ``path`` (resolved)."""
        ignored: set[str] = set()
        for entry in self.per_file_ignores:
            if entry.globs.match(path):
                ignored |= entry.ignored
        return frozenset(ignored)


def expand(selectors: Iterable[str], rule_ids: Iterable[str]) -> frozenset[str]:
    """The IDs of the rules ``selectors`` match."""
    chosen = tuple(selectors)
    return frozenset(rule_id for rule_id in rule_ids if any(matches(s, rule_id) for s in chosen))
