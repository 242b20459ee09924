"""The registry of config formats: which files each reads and which settings it fills."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlint.model.settings import Facet

if TYPE_CHECKING:
    from authlint.rule import Rule


@dataclass(frozen=True)
class Format:
    """One config format: ``name`` is the scopes' ``format``; ``provides`` the facets it fills."""

    name: str
    provides: frozenset[Facet]


NGINX = Format("nginx", frozenset(Facet))
FORMATS: tuple[Format, ...] = (NGINX,)


def claimed_formats(rule: type[Rule]) -> tuple[str, ...]:
    """The formats a rule runs on: those that provide every facet it reads."""
    return tuple(item.name for item in FORMATS if rule.needs <= item.provides)
