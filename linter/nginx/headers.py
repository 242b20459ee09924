"""The response headers of an nginx scope, and the freshness it adds.

- ``add_header`` is inherited all or nothing: a level with its own takes none
  of the outer level's; ``add_header_inherit merge`` (nginx 1.29.3+) appends
  the outer level's list instead, ``off`` inherits nothing.
- ``add_header`` without ``always`` applies to 200, 201, 204, 206, 301, 302,
  303, 304, 307 and 308 answers only.
- ``expires`` with a positive time (or ``max``) adds ``Cache-Control:
  max-age=...``; ``off``, ``epoch``, a negative time and ``0`` (``max-age=0``,
  stale at once) let no cache serve the answer again unchecked.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authlint.model.settings import ResponseHeader, ResponseHeaders, Setting

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.nginx.settings import NginxSettings

# `expires [modified] time`: the times that make no fresh answer. A variable
# is unknown, and no finding rests on it.
_NOT_FRESH = re.compile(r"^(?:modified\s+)?(?:epoch|-.*|\+?0+(?:ms|s|m|h|d|w|M|y)?|\$.*)$")


def response_headers(settings: NginxSettings) -> ResponseHeaders:
    """``add_header`` after inheritance (``add_header_inherit`` honoured)."""
    scope = settings.scope
    outer = scope.parent.settings.response_headers if scope.parent is not None else None
    outer_entries = outer.entries if outer is not None else ()
    outer_known = outer.known if outer is not None else True
    inherit = settings.lookup("add_header_inherit").last_arg()
    # nginx takes add_header_inherit's value in any case, but only `always` in lower case.
    mode = inherit.lower() if inherit is not None else "on"
    own = tuple(
        ResponseHeader(node.arg(0), node.arg(1), node.arg(2) == "always", node)
        for node in scope.own.get("add_header", ())
    )
    unread = scope.may_set("add_header")
    if own:
        merged = mode == "merge"
        entries = own + outer_entries if merged else own
        discarded = outer_entries if mode == "on" else ()
        defined_in: Scope | None = scope
        known = not unread and (outer_known or not merged)
    else:
        entries = () if mode == "off" else outer_entries
        discarded = ()
        defined_in = outer.defined_in if outer is not None and mode != "off" else None
        known = not unread and (outer_known or mode == "off")
    return ResponseHeaders(entries, defined_in, discarded, known)


def added_freshness(settings: NginxSettings) -> Setting[bool]:
    """``expires`` with a time that lets caches keep the answer (``max``, ``1h``, ``@15h``)."""
    expires = settings.single("expires")
    if expires.origin is None or expires.value is None:
        return Setting(False, expires.origin, expires.known)
    return Setting(not _NOT_FRESH.match(expires.value), expires.origin, expires.known)
