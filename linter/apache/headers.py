"""The response headers httpd adds for a request: ``mod_headers``'s ``Header`` directives
of the merged sections, applied in order.

httpd keeps two tables: ``onsuccess`` (the default), sent on the answers the
handler makes, and ``always``, sent on every answer, httpd's own errors
(401, 403, 500) included (semantics.md §4.4). In each, ``set`` replaces the
header, ``add`` adds another, ``append`` and ``merge`` join a value to the
one there, ``setifempty`` sets it where it is missing, ``unset`` removes it.
An entry with a condition (``env=NAME``, ``expr=...``) may not apply, so it
neither replaces nor removes what is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from authlint.apache.parser import ApacheNode
from authlint.model.settings import ResponseHeader, Setting, UpstreamKind

if TYPE_CHECKING:
    from collections.abc import Iterable

    from authlint.model.scope import Scope
    from authlint.model.settings import Upstream

_TABLES = frozenset({"always", "onsuccess"})
# The table whose headers an upstream's answer arrives in (always: True): mod_proxy_http
# keeps the backend's in the onsuccess table's (`headers_out`); mod_cgi(d) and the FastCGI
# modules scan a script's into the always table's (`err_headers_out`), where `Header set`
# adds a second one (tests/real_apache: bad_acao_fcgi_twice, bad_acao_proxy_always_twice).
_ARRIVES_IN = {UpstreamKind.PROXY: False, UpstreamKind.FASTCGI: True, UpstreamKind.CGI: True}
_WITH_VALUE = frozenset({"set", "append", "merge", "add", "setifempty"})


@dataclass(frozen=True, slots=True)
class HeaderAction:
    """One ``Header`` directive read: its table, action, header name and value, and its
    condition as written (``env=NAME``, ``env=!NAME``, ``expr=...``; empty: none)."""

    always: bool
    action: str
    name: str
    value: str
    condition: str
    origin: ApacheNode


def header_action(node: ApacheNode) -> HeaderAction | None:
    """A ``Header`` directive as mod_headers reads its words (``None``: one it refuses,
    or an action that sets no value authlint follows: ``edit``, ``echo``, ``note``)."""
    args = list(node.args)
    always = False
    if args and args[0].lower() in _TABLES:
        always = args.pop(0).lower() == "always"
    if len(args) < 2:
        return None
    action, name = args[0].lower(), args[1]
    rest = args[2:]
    if action == "unset":
        return HeaderAction(always, action, name, "", _condition(rest), node)
    if action not in _WITH_VALUE or not rest:
        return None
    return HeaderAction(always, action, name, rest[0], _condition(rest[1:]), node)


def _condition(words: list[str]) -> str:
    return next((word for word in words if word.startswith(("env=", "expr="))), "")


def header_actions(chain: Iterable[Scope]) -> list[HeaderAction]:
    """The ``Header`` directives of the merged sections, in httpd's order."""
    found = []
    for scope in chain:
        for node in scope.own.get("header", ()):
            assert isinstance(node, ApacheNode)
            action = header_action(node)
            if action is not None:
                found.append(action)
    return found


def response_headers(actions: list[HeaderAction]) -> tuple[ResponseHeader, ...]:
    """The headers the two tables hold once ``actions`` are applied, always-table first."""
    tables: dict[bool, list[tuple[ResponseHeader, HeaderAction]]] = {True: [], False: []}
    for action in actions:
        table = tables[action.always]
        lowered = action.name.lower()
        present = [item for item in table if item[0].name.lower() == lowered]
        entry = ResponseHeader(
            action.name, action.value, action.always, action.origin, action.condition
        )
        if action.action == "unset":
            if not action.condition:
                table[:] = [item for item in table if item[0].name.lower() != lowered]
        elif action.action == "add" or not present:
            table.append((entry, action))
        elif action.action == "set" and not action.condition:
            table[:] = [item for item in table if item[0].name.lower() != lowered]
            table.append((entry, action))
        elif action.action in ("append", "merge"):
            last, _ = present[-1]
            if action.action == "append" or action.value not in last.value:
                joined = ResponseHeader(
                    last.name,
                    f"{last.value}, {action.value}",
                    last.always,
                    action.origin,
                    last.condition or action.condition,
                )
                table[table.index(present[-1])] = (joined, action)
        elif action.action == "set":
            table.append((entry, action))
    return tuple(entry for always in (True, False) for entry, _ in tables[always])


def condition_of(actions: list[HeaderAction], header: ResponseHeader) -> str:
    """The condition the action that made ``header`` is written with."""
    return next((action.condition for action in actions if action.origin is header.origin), "")


def hidden_upstream_headers(
    actions: list[HeaderAction], upstream: Upstream | None, known: bool
) -> Setting[frozenset[str]]:
    """The upstream's headers that reach no client as it sent them: those an
    unconditioned ``unset`` or ``set`` of the table they arrive in removes or replaces.
    Not known for an upstream whose table was not observed (SCGI, uwsgi)."""
    if upstream is None or not upstream.forwards_headers:
        return Setting(frozenset(), None, known)
    table = _ARRIVES_IN.get(upstream.kind)
    if table is None:
        return Setting(frozenset(), None, known=False)
    hidden = frozenset(
        action.name.lower()
        for action in actions
        if action.always is table and action.action in ("unset", "set") and not action.condition
    )
    return Setting(hidden, None, known and upstream.known)
