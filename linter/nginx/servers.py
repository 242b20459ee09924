"""Which server of a port answers a request with a given ``Host``, as nginx chooses.

nginx (``server_name`` docs, "How nginx processes a request") tries, in
order: the exact name; the longest wildcard name starting with ``*.``
(``.example.org`` counts as ``*.example.org`` that also matches
``example.org``); the longest wildcard name ending with ``.*``; the first
regular expression (``~``) that matches, in the order of the config; and
otherwise the port's ``default_server``, or its first server. Host names are
compared lowercased, without a trailing dot.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authlint.model.origins import RegexTooSlow, compile_pcre, search_pcre
from authlint.nginx.listens import is_default_listen

if TYPE_CHECKING:
    from collections.abc import Sequence

    from authlint.model.scope import Scope


def select_server(servers: Sequence[Scope], host: str | None) -> Scope | None:
    """The server of ``servers`` (one port's, in config order) that answers ``host``.

    ``None`` when that cannot be known: the host depends on the request and
    more than one server could answer, or a regular expression that could
    decide is one Python cannot read.
    """
    if host is None:
        return servers[0] if len(servers) == 1 else None
    host = host.lower().rstrip(".")
    names = [(server, name.lower()) for server in servers for name in server.hosts]
    exact = [server for server, name in names if name == host]
    if exact:
        return exact[0]
    for longest in (_leading_wildcards, _trailing_wildcards):
        found = longest(names, host)
        if found is not None:
            return found
    for server, name in names:
        if name.startswith("~"):
            matches = _regex_matches(name[1:], host)
            if matches is None:
                return None
            if matches:
                return server
    defaults = [server for server in servers if _is_default(server)]
    return defaults[0] if defaults else servers[0]


def _leading_wildcards(names: list[tuple[Scope, str]], host: str) -> Scope | None:
    """The server with the longest ``*.suffix`` (or ``.suffix``) name matching ``host``."""
    best: tuple[int, Scope] | None = None
    for server, name in names:
        if name.startswith("*."):
            matches = host.endswith(name[1:])
        elif name.startswith("."):
            matches = host == name[1:] or host.endswith(name)
        else:
            continue
        if matches and (best is None or len(name.lstrip("*")) > best[0]):
            best = (len(name.lstrip("*")), server)
    return None if best is None else best[1]


def _trailing_wildcards(names: list[tuple[Scope, str]], host: str) -> Scope | None:
    """The server with the longest ``prefix.*`` name matching ``host``."""
    best: tuple[int, Scope] | None = None
    for server, name in names:
        if name.endswith(".*") and not name.startswith("~"):
            prefix = name[:-1]
            if host.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), server)
    return None if best is None else best[1]


def _regex_matches(pattern: str, host: str) -> bool | None:
    """Whether a ``server_name`` regex matches ``host``; ``None`` when Python cannot tell."""
    # nginx compiles a server_name regex caseless.
    compiled = compile_pcre(pattern, re.IGNORECASE)
    if compiled is None:
        return None
    try:
        return search_pcre(compiled, host)
    except RegexTooSlow:
        return None


def _is_default(server: Scope) -> bool:
    return any(is_default_listen(listen) for listen in server.own.get("listen", ()))
