"""Which location of a server handles a URI, as nginx chooses it.

nginx tries exact (``=``) locations, then takes the longest matching prefix;
unless that prefix is ``^~``, the regex locations (``~``, ``~*``) are tried in
order and the first match wins. Nested locations are searched inside the
location chosen, the same way, and a nested match wins.
(``ngx_http_core_find_location``; DOC ``ngx_http_core_module.xml#location``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from authlint.model.origins import python_regex
from authlint.model.scope import Scope, ScopeKind

_REGEX_MODIFIERS = {"~": 0, "~*": re.IGNORECASE}


@dataclass(frozen=True, slots=True)
class LocationMatch:
    """The location nginx would choose (``None``: no location matches).

    ``known`` is false when a regex location could not be read as a Python
    regex before a match was found, or when an unread include in the searched
    blocks could hold another location.
    """

    scope: Scope | None
    known: bool


def match_location(server: Scope, uri: str) -> LocationMatch:
    """The location of ``server`` (a server or location scope) that handles ``uri``."""
    found, _, known = _search(server, uri)
    return LocationMatch(found, known)


def _search(parent: Scope, uri: str) -> tuple[Scope | None, bool, bool]:
    """(location, decided by an exact or regex match, known) within ``parent``."""
    known = not parent.may_set("location")
    locations = [
        child
        for child in parent.children
        if child.kind is ScopeKind.LOCATION and child.node is not None and child.node.args
    ]
    best: Scope | None = None
    best_length = -1
    no_regex = False
    for location in locations:
        modifier, pattern = _modifier_and_pattern(location)
        if modifier == "=" and uri == pattern:
            return location, True, known
        if modifier in ("", "^~") and uri.startswith(pattern) and len(pattern) > best_length:
            best, best_length, no_regex = location, len(pattern), modifier == "^~"
    if best is not None:
        inner, decided, inner_known = _search(best, uri)
        known = known and inner_known
        if decided:
            return inner, True, known
        if inner is not None:
            best = inner
    if not no_regex:
        for location in locations:
            modifier, pattern = _modifier_and_pattern(location)
            if modifier not in _REGEX_MODIFIERS:
                continue
            try:
                matched = re.search(python_regex(pattern), uri, _REGEX_MODIFIERS[modifier])
            except re.error:
                known = False
                continue
            if matched:
                inner, _, inner_known = _search(location, uri)
                return inner or location, True, known and inner_known
    return best, False, known


def _modifier_and_pattern(location: Scope) -> tuple[str, str]:
    args = location.node.args if location.node is not None else []
    if len(args) >= 2:
        return args[0], args[1]
    return "", args[0] if args else ""
