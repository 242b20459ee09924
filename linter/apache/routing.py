"""Which section of an Apache host answers a path, and where a ``ProxyPass`` to this same
server lands (the model's routing facet).

httpd does not pick one section for a request: it merges every section that
applies (:func:`authlint.apache.scopes.request_chain`). The route of a path
is the last route section of that merge, the most specific one; its settings
are computed for the request it stands for, so the route is known only where
that request merges the same sections as the path does. Where no section
applies, the host answers with its own settings.

A ``<Location>`` matches what is below its path too: only a ``<LocationMatch>``
(or ``<Location ~>``) anchored at both ends with a literal path between
answers one path alone. httpd has no section only its own subrequests reach.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from authlint.apache.scopes import VIRTUAL_HOST, host_of, request_chain, url_request
from authlint.model.scope import ScopeRole
from authlint.model.settings import Route, UpstreamKind

if TYPE_CHECKING:
    from collections.abc import Callable

    from authlint.model.scope import Scope
    from authlint.model.settings import Upstream

# `^/api$`: a literal path, anchored at both ends (`\.` a literal dot).
_EXACT = re.compile(r"^\^(/(?:[A-Za-z0-9_~/-]|\\\.)*)\$$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_ALIASES = ("aliasmatch", "scriptaliasmatch")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def route(
    scope: Scope,
    path: str,
    sections_of: Callable[[Scope], list[Scope]],
    chain_of: Callable[[Scope], tuple[Scope, ...]],
) -> Route:
    """The section of ``scope``'s host that answers ``path`` (``None``: the host itself)."""
    host = host_of(scope)
    chain, _ = request_chain(host, url_request(host, path), sections_of)
    sections = [level for level in chain if level.role is ScopeRole.ROUTE]
    # An unread include could add a section, a pattern alias map the path elsewhere.
    known = not any(level.unread for level in chain if level.role is not ScopeRole.ROUTE)
    known = known and not _aliased(chain)
    if not sections:
        return Route(None, known)
    answering = sections[-1]
    own = [level for level in chain_of(answering) if level.role is ScopeRole.ROUTE]
    return Route(answering, known and own == sections)


def _aliased(chain: list[Scope]) -> bool:
    """Whether an ``AliasMatch`` (or ``ScriptAliasMatch``) of the server or host may map
    the path to another folder than the one drawn (plain aliases are followed)."""
    return any(
        level.own.get(key)
        for level in chain
        if level.role is not ScopeRole.ROUTE
        for key in _ALIASES
    )


def exact_path(scope: Scope) -> str | None:
    """The one path a ``<LocationMatch "^/api$">`` (or ``<Location ~ ...>``) answers."""
    node = scope.node
    if node is None or scope.kind not in ("location", "locationmatch") or not node.args:
        return None
    if scope.kind == "location":
        if node.args[0] != "~" or len(node.args) < 2:
            return None
        pattern = node.args[1]
    else:
        pattern = node.args[0]
    found = _EXACT.match(pattern)
    return found[1].replace("\\.", ".") if found else None


def upstream_route(
    scope: Scope,
    upstream: Upstream | None,
    route_of: Callable[[Scope, str], Route],
) -> Route | None:
    """Where a ``ProxyPass`` to this same server's loopback address lands: the section of
    the host that answers there (the host itself where no section applies), for the
    path the backend URL names; ``None`` for another backend."""
    if upstream is None or upstream.kind is not UpstreamKind.PROXY:
        return None
    try:
        target = urlsplit(upstream.target)
        port = target.port or _DEFAULT_PORTS.get(target.scheme.lower())
    except ValueError:
        return None
    if target.hostname not in _LOOPBACK or port is None:
        return None
    hosts = _hosts_on(_root(scope), port)
    if not hosts:
        return None
    answered = route_of(hosts[0], target.path or "/")
    # Of several hosts on the address, the request's Host name picks one (the backend
    # URL's, or the client's under `ProxyPreserveHost`): said known for one host only.
    known = answered.known and upstream.known and len(hosts) == 1
    return Route(answered.scope or hosts[0], known, answered.redirects)


def _root(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _hosts_on(root: Scope, port: int) -> list[Scope]:
    """The virtual hosts a loopback connection to ``port`` may reach: those of a loopback
    address, else those of any address (``*``, ``_default_``), as httpd matches the
    address before the name."""
    exact: list[Scope] = []
    wildcard: list[Scope] = []
    for child in root.children:
        if child.role is not ScopeRole.HOST or child.kind != VIRTUAL_HOST or child.node is None:
            continue
        for address in child.node.args:
            name, _, written = address.rpartition(":") if ":" in address else (address, "", "")
            if written not in ("", "*") and written != str(port):
                continue
            name = name.strip("[]")
            if name in _LOOPBACK:
                exact.append(child)
                break
            if name in ("*", "_default_"):
                wildcard.append(child)
                break
    return exact or wildcard
