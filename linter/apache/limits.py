"""The request limits httpd reads a request under: ``LimitRequestFieldSize``,
``LimitRequestLine`` and ``LimitRequestFields``.

Each is a server setting (main server or ``<VirtualHost>``; a virtual host
without its own takes the main server's), read as C's ``atoi`` reads it:
``16k`` is 16 bytes, a negative value is refused (``core.c``). The defaults
are 8190, 8190 and 100 (``httpd.h``). On httpd 2.4.71 a header line passes
when it is at most one byte past ``LimitRequestFieldSize``, its line ending
left out (8191 bytes of ``Name: value`` with the default, 17 with ``16``),
the request line likewise past ``LimitRequestLine`` (else ``414``), and at
most ``LimitRequestFields`` header fields (else ``400``).

A virtual host's limits apply only where it is the default of the address a
connection reaches: that host reads the request before its ``Host`` is
known (:mod:`.vhosts`), so a named host's own limits are never used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from authlint.apache.config import conditions_of
from authlint.apache.scopes import host_of
from authlint.model.scope import ScopeRole
from authlint.model.settings import HeaderLimits, PartlyAppliedLimit, Setting

if TYPE_CHECKING:
    from authlint.apache.settings import ApacheSettings
    from authlint.apache.vhosts import AddressGroup
    from authlint.model.scope import Scope
    from authlint.model.tree import Node

FIELD_SIZE = "limitrequestfieldsize"
REQUEST_LINE = "limitrequestline"
FIELDS = "limitrequestfields"
# httpd's names as its documentation writes them, and its defaults (httpd.h).
_NAMES = {
    FIELD_SIZE: "LimitRequestFieldSize",
    REQUEST_LINE: "LimitRequestLine",
    FIELDS: "LimitRequestFields",
}
_DEFAULTS = {FIELD_SIZE: 8190, REQUEST_LINE: 8190, FIELDS: 100}
# A header line passes at one byte past the limit; the model counts its CRLF too.
_PAST_LIMIT = 1 + 2
_FIELD_REFUSAL = "400 Bad Request (Size of a request header field exceeds server limit)"
_ATOI = re.compile(r"\s*([+-]?)(\d*)")


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit in effect for a server: its value (``None``: one httpd refuses), the
    directive that sets it (``None``: httpd's default), and whether an unread file
    could set it instead."""

    value: int | None
    origin: Node | None
    known: bool


def _atoi(text: str) -> int | None:
    """The number C's ``atoi`` reads; ``None`` for a negative one, which httpd refuses."""
    match = _ATOI.match(text)
    assert match is not None
    sign, digits = match.groups()
    value = int(digits) if digits else 0
    return None if sign == "-" and value else value


def limit(host: Scope, key: str) -> Limit:
    """The limit ``key`` a server (the main one or a virtual host) is given."""
    levels = [host] if host.parent is None else [host, host.parent]
    for index, level in enumerate(levels):
        # An unread file at an outer level cannot undo what an inner one writes.
        known = not any(inner.may_set(key) for inner in levels[: index + 1])
        written = level.own.get(key)
        if written:
            node = written[-1]
            return Limit(_atoi(node.arg(0)), node, known)
    return Limit(_DEFAULTS[key], None, not any(level.may_set(key) for level in levels))


def _groups(host: Scope) -> tuple[AddressGroup, ...]:
    """The addresses a virtual host is matched on (none: not a whole server's host)."""
    root = host.parent
    if host.role is not ScopeRole.HOST or root is None:
        return ()
    groups = cast("ApacheSettings", root.settings).address_groups
    return groups.get(host, ()) if groups is not None else ()


def read_under(host: Scope, key: str) -> Limit:
    """The limit a request to ``host`` is read under: its address's default host's, the
    smallest of them where it has several addresses. Where the default is not known,
    the host's own, as httpd reads it when it is the default."""
    readers = [group.default or host for group in _groups(host)] or [host]
    limits = [limit(reader, key) for reader in readers]
    smallest = min(limits, key=lambda found: -1 if found.value is None else found.value)
    return Limit(smallest.value, smallest.origin, all(found.known for found in limits))


def header_limits(scope: Scope) -> HeaderLimits:
    """The longest request header line a request to the scope's server passes with."""
    field = read_under(host_of(scope), FIELD_SIZE)
    line = None if field.value is None else field.value + _PAST_LIMIT
    return HeaderLimits(
        request_line=Setting(line, field.origin, field.known),
        request_line_default=_DEFAULTS[FIELD_SIZE] + _PAST_LIMIT,
        refusal=_FIELD_REFUSAL,
        upstream_response=Setting(None),
    )


def partly_applied_limits(host: Scope) -> tuple[PartlyAppliedLimit, ...]:
    """The limits written in a virtual host that the default host of one of its
    addresses reads its requests under instead (where the two differ)."""
    written = [(key, host.own[key][-1]) for key in _NAMES if key in host.own]
    if not written:
        return ()
    found = []
    for group in _groups(host):
        default = group.default
        if default is None or default is host:
            continue
        for key, node in written:
            mine, theirs = limit(host, key), limit(default, key)
            if not (mine.known and theirs.known) or theirs.value is None:
                continue
            # The default's limit under a condition not decided: which one reads is not known.
            if theirs.origin is not None and conditions_of(theirs.origin):
                continue
            if mine.value == theirs.value:
                continue
            found.append(
                PartlyAppliedLimit(
                    node,
                    group.address,
                    default,
                    _in_effect(key, theirs),
                    _applies(key, theirs.value),
                )
            )
    return tuple(found)


def _in_effect(key: str, theirs: Limit) -> str:
    origin = theirs.origin
    written = f"{origin.name} {origin.arg(0)}" if origin is not None else _NAMES[key]
    where = f"set at {origin.where}" if origin is not None else "httpd's default"
    shown = written if origin is not None else f"{written} {theirs.value}"
    return (
        f"httpd reads each request to that address, its request line and all its header "
        f"lines, under that host's `{shown}` ({where}) before the `Host` header chooses a "
        f"virtual host (over TLS too)"
    )


def _applies(key: str, value: int) -> str:
    if key == FIELDS:
        accepted = (
            "any number of header fields"
            if value == 0
            else f"at most {value} header fields, more get `400`"
        )
        return f"this limit is never applied there: httpd accepts {accepted}"
    what = "header line" if key == FIELD_SIZE else "request line"
    refusal = "400" if key == FIELD_SIZE else "414"
    return (
        f"this limit is never applied there: httpd accepts a {what} of at most {value + 1} "
        f"bytes (line ending left out), a longer one gets `{refusal}`"
    )
