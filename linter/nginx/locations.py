"""Which location of a server handles a URI, as nginx chooses it.

nginx tries exact (``=``) locations, then takes the longest matching prefix;
unless that prefix is ``^~``, the regex locations (``~``, ``~*``) are tried in
order and the first match wins. Nested locations are searched inside the
location chosen, the same way, and a nested match wins. A URI one slash short
of a location that passes requests on (``location /app/ { proxy_pass ...; }``
and ``/app``), with no location named as the URI itself, is redirected there
by nginx with a 301, before any regex is tried.
(``ngx_http_core_find_location``; DOC ``ngx_http_core_module.xml#location``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from authlint.model.origins import RegexTooSlow, compile_pcre, search_pcre
from authlint.model.settings import Route
from authlint.nginx import blocks
from authlint.nginx.servers import select_server

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.nginx.settings import NginxSettings

_REGEX_MODIFIERS = {"~": 0, "~*": re.IGNORECASE}
_STATIC_MODIFIERS = frozenset({"", "^~", "="})
# A location ending in "/" with one of these redirects the URI without the
# slash (each module's handler sets the location's auto_redirect).
_PASSING = frozenset(
    {"proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass", "grpc_pass"}
)


def match_location(server: Scope, uri: str) -> Route:
    """The location of ``server`` (a server or location scope) that handles ``uri``.

    ``known`` is false when a regex location could not be read as a Python
    regex before a match was found, or when an unread include in the searched
    blocks could hold another location. ``redirects``: nginx answers with a
    301 to the URI with a slash added, under the location's configuration (its
    ``add_header`` apply), and nothing is passed on.
    """
    found = _search(server, uri)
    return Route(found.scope, found.known, found.redirects)


@dataclass(frozen=True, slots=True)
class _Found(Route):
    decided: bool = False  # by an exact name, a regex or a redirect: no other search


def _search(parent: Scope, uri: str) -> _Found:
    """The location within ``parent`` for ``uri``."""
    known = not parent.may_set("location")
    locations = [
        (child, *_modifier_and_pattern(child))
        for child in parent.children
        if child.kind == blocks.LOCATION and child.node is not None and child.node.args
    ]
    best: Scope | None = None
    best_length = -1
    no_regex = False
    for location, modifier, pattern in locations:
        if modifier == "=" and uri == pattern:
            return _Found(location, known, decided=True)
        if modifier in ("", "^~") and uri.startswith(pattern) and len(pattern) > best_length:
            best, best_length, no_regex = location, len(pattern), modifier == "^~"
    if best_length < len(uri):
        redirecting = next(
            (
                location
                for location, modifier, pattern in locations
                if modifier in _STATIC_MODIFIERS
                and pattern == uri + "/"
                and not _PASSING.isdisjoint(location.own)
            ),
            None,
        )
        if redirecting is not None:
            return _Found(redirecting, known, redirects=True, decided=True)
    if best is not None:
        inner = _search(best, uri)
        known = known and inner.known
        if inner.decided:
            return _Found(inner.scope, known, inner.redirects, decided=True)
        if inner.scope is not None:
            best = inner.scope
    if not no_regex:
        for location, modifier, pattern in locations:
            if modifier not in _REGEX_MODIFIERS:
                continue
            compiled = compile_pcre(pattern, _REGEX_MODIFIERS[modifier])
            if compiled is None:
                known = False
                continue
            try:
                matches = search_pcre(compiled, uri)
            except RegexTooSlow:
                known = False
                continue
            if matches:
                inner = _search(location, uri)
                return _Found(inner.scope or location, known and inner.known, decided=True)
    return _Found(best, known)


_MODIFIERS = ("^~", "~*", "=", "~")


def exact_path(scope: Scope) -> str | None:
    """The URI a ``location = /x`` answers, the only one it matches."""
    if scope.kind != blocks.LOCATION or scope.node is None or not scope.node.args:
        return None
    modifier, pattern = _modifier_and_pattern(scope)
    return pattern if modifier == "=" else None


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


def prefix_of(location: Scope) -> str | None:
    """The path a location's URIs start with (``None``: a regex location)."""
    modifier, pattern = _modifier_and_pattern(location)
    return pattern if modifier in _STATIC_MODIFIERS else None


_PROXIED_URL = re.compile(r"^(https?)://(\[[^\]]+\]|[^/:$\[]+)(?::(\d+))?(/[^$]*)?$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})
# Listen addresses a loopback client reaches: all addresses, or loopback itself.
_REACHABLE = frozenset({"", "*", "0.0.0.0", "[::]", *_LOOPBACK})


def proxied_location(scope: Scope) -> Route | None:
    """The location of a server in the same config that ``scope`` proxies to, if any.

    Followed only for a ``proxy_pass`` to a loopback address (or an
    ``upstream`` of loopback servers) from a prefix or exact location, whose
    request path is then known: the location's own, or the URI part of
    ``proxy_pass`` in its place. The server is chosen as nginx chooses it:
    by the ``Host`` sent (``$proxy_host`` unless set), as
    :func:`~authlint.nginx.servers.select_server` does.
    """
    upstream = scope.settings.upstream
    location = scope.enclosing(blocks.LOCATION)
    http = scope.enclosing(blocks.HTTP)
    if upstream is None or upstream.origin is None or location is None or http is None:
        return None
    url = _PROXIED_URL.match(upstream.target)
    modifier, pattern = _modifier_and_pattern(location)
    if url is None or upstream.origin.name != "proxy_pass" or modifier not in ("", "=", "^~"):
        return None
    scheme, host, port, uri = url.groups()
    ports = _loopback_ports(http, host, port or ("443" if scheme == "https" else "80"))
    listening = cast("NginxSettings", http.settings).loopback_servers
    servers = [server for port in sorted(ports) for server in listening.get(port, ())]
    if not servers:
        return None
    sent_host = _host_sent(scope, host)
    chosen = select_server(servers, sent_host)
    if chosen is None:
        return Route(None, False)
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
