"""The lifetime ``mod_expires`` adds to httpd's answers (semantics.md §4.5).

``ExpiresActive On`` turns it on; ``ExpiresDefault`` gives every answer a
lifetime and ``ExpiresByType`` the answers of one media type; each merges
per section (the later section's value wins, ``ExpiresByType`` per type).
An answer then gets ``Expires`` and ``Cache-Control: max-age=N``. A time
counted from the request (``access``, ``now``, ``A<seconds>``) above zero
lets caches keep the answer; one counted from the file's modification
(``modification``, ``M<seconds>``) applies only to files httpd serves
itself, and is left out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authlint.model.settings import Setting

if TYPE_CHECKING:
    from collections.abc import Iterable

    from authlint.model.scope import Scope
    from authlint.model.tree import Node

# `A3600`: seconds after the request.
_CODE = re.compile(r"^A(\d+)$")
# `access plus 1 month 2 days`: the base, then numbers with their units.
_BASE = frozenset({"access", "now"})
_UNIT = re.compile(r"^(?:year|month|week|day|hour|minute|second)s?$", re.IGNORECASE)


def fresh(time: str) -> bool:
    """Whether an ``Expires*`` time, counted from the request, is above zero."""
    code = _CODE.match(time)
    if code is not None:
        return int(code[1]) > 0
    words = time.split()
    if len(words) < 4 or words[0].lower() not in _BASE or words[1].lower() != "plus":
        return False
    counts = words[2::2]
    units = words[3::2]
    if len(counts) != len(units) or not all(count.isdigit() for count in counts):
        return False
    return all(_UNIT.match(unit) for unit in units) and any(int(count) for count in counts)


def added_freshness(chain: Iterable[Scope], known: bool) -> Setting[bool]:
    """Whether the merged sections give answers a lifetime; the origin is the
    ``ExpiresDefault`` (else the first ``ExpiresByType``) that does, or the
    ``ExpiresActive`` that turns it off."""
    active: Node | None = None
    default: Node | None = None
    by_type: dict[str, Node] = {}
    for scope in chain:
        for node in scope.own.get("expiresactive", ()):
            active = node
        for node in scope.own.get("expiresdefault", ()):
            default = node
        for node in scope.own.get("expiresbytype", ()):
            if node.args:
                by_type[node.args[0].lower()] = node
    if active is None or not active.args or active.args[0].lower() != "on":
        return Setting(False, active, known)
    if default is not None and default.args and fresh(default.args[0]):
        return Setting(True, default, known)
    for node in by_type.values():
        if len(node.args) > 1 and fresh(node.args[1]):
            return Setting(True, node, known)
    return Setting(False, active, known)
