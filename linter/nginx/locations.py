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

from authlint.model.origins import compile_pcre
from authlint.model.scope import Scope, ScopeKind
from authlint.nginx.servers import select_server

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
            compiled = compile_pcre(pattern, _REGEX_MODIFIERS[modifier])
            if compiled is None:
                known = False
                continue
            if compiled.search(uri):
                inner, _, inner_known = _search(location, uri)
                return inner or location, True, known and inner_known
    return best, False, known


_MODIFIERS = ("^~", "~*", "=", "~")


def _modifier_and_pattern(location: Scope) -> tuple[str, str]:
    """``location = /x`` and ``location =/x`` alike: nginx reads a modifier glued to
    its pattern."""
    args = location.node.args if location.node is not None else []
    if len(args) >= 2:
        return args[0], args[1]
    text = args[0] if args else ""
    for modifier in _MODIFIERS:
        if text.startswith(modifier) and len(text) > len(modifier):
            return modifier, text[len(modifier) :]
    return "", text


_PROXIED_URL = re.compile(r"^(https?)://(\[[^\]]+\]|[^/:$\[]+)(?::(\d+))?(/[^$]*)?$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})
# Listen addresses a loopback client reaches: all addresses, or loopback itself.
_REACHABLE = frozenset({"", "*", "0.0.0.0", "[::]", *_LOOPBACK})


def proxied_location(scope: Scope) -> LocationMatch | None:
    """The location of a server in the same config that ``scope`` proxies to, if any.

    Followed only for a ``proxy_pass`` to a loopback address (or an
    ``upstream`` of loopback servers) from a prefix or exact location, whose
    request path is then known: the location's own, or the URI part of
    ``proxy_pass`` in its place. The server is chosen as nginx chooses it:
    by the ``Host`` sent (``$proxy_host`` unless set), as
    :func:`~authlint.nginx.servers.select_server` does.
    """
    upstream = scope.settings.upstream
    location = scope.enclosing(ScopeKind.LOCATION)
    http = scope.enclosing(ScopeKind.HTTP)
    if upstream is None or upstream.origin is None or location is None or http is None:
        return None
    url = _PROXIED_URL.match(upstream.target)
    modifier, pattern = _modifier_and_pattern(location)
    if url is None or upstream.origin.name != "proxy_pass" or modifier not in ("", "=", "^~"):
        return None
    scheme, host, port, uri = url.groups()
    ports = _loopback_ports(http, host, port or ("443" if scheme == "https" else "80"))
    listening = http.settings.loopback_servers
    servers = [server for port in sorted(ports) for server in listening.get(port, ())]
    if not servers:
        return None
    sent_host = _host_sent(scope, host)
    chosen = select_server(servers, sent_host)
    if chosen is None:
        return LocationMatch(None, False)
    return match_location(chosen, uri or pattern)


def _host_sent(scope: Scope, proxy_host: str) -> str | None:
    """The ``Host`` the upstream receives; ``None`` when it depends on the request."""
    headers = scope.settings.request_headers
    if headers is None or not headers.known:
        return None
    for entry in headers.entries:
        if entry.name.lower() == "host":
            value = entry.value.replace("$proxy_host", proxy_host)
            return None if "$" in value else value.split(":")[0]
    return proxy_host


def _loopback_ports(http: Scope, host: str, port: str) -> set[str]:
    if host in _LOOPBACK:
        return {port}
    ports = set()
    for group in http.own.get("upstream", ()):
        if group.arg(0) == host:
            for server in group.children or ():
                address = server.arg(0) if server.name == "server" else ""
                name, _, server_port = address.rpartition(":")
                if not name:
                    name, server_port = address, "80"
                if name in _LOOPBACK:
                    ports.add(server_port)
    return ports


def loopback_listen_ports(server: Scope) -> list[str]:
    """The ports a server listens on for loopback clients (all addresses, or loopback)."""
    ports = []
    for listen in server.own.get("listen", ()):
        address = listen.arg(0)
        host, _, port = address.rpartition(":")
        if host in _REACHABLE and (port if host else address).isdigit():
            ports.append(port if host else address)
    return ports
