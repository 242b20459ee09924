"""Which files of the server's disk an nginx server sends to clients who ask for them.

A location's folder is its ``root`` (the URI appended to it) or ``alias``
(the location's prefix replaced by it), one setting inherited from the
nearest level that writes either. nginx picks the location for the URI
(:mod:`.locations`) and its static handler sends the file where no ``*_pass``,
``return`` or ``internal`` answers instead, and ``try_files`` tries the URI
itself. The access rules in effect refuse it where a ``deny all`` comes before
any ``allow`` for every address (``ngx_http_access_module``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import ServedFile, UpstreamKind
from authlint.nginx import blocks
from authlint.nginx.authentication import EVERY_ADDRESS, access_rules
from authlint.nginx.locations import prefix_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.tree import Node

_FOLDERS = ("root", "alias")
# The variables with which `try_files` tries the file the URI names.
_URI_VARIABLES = ("$uri", "$request_uri", "$request_filename")


def served_file(server: Scope, path: str) -> ServedFile | None:
    """How ``server`` answers a request for the file at ``path``: sent where some URL maps
    to it and nothing refuses it, else refused, else ``None``."""
    if server.kind != blocks.SERVER or not path.startswith("/"):
        return None
    refused: ServedFile | None = None
    for url in dict.fromkeys(_urls(server, path)):
        found = _answer(server, url, path)
        if found is not None and found.denied_by is None:
            return found
        refused = refused or found
    return refused


def _urls(server: Scope, path: str) -> Iterator[str]:
    """The URLs that some ``root`` or ``alias`` of the server (or above it) maps to ``path``."""
    for level in (*reversed(list(server.ancestors())), *server.walk()):
        for node in level.directives:
            if node.name not in _FOLDERS or "$" in node.arg(0):
                continue
            inside = _below(path, node.arg(0))
            if inside is None:
                continue
            if node.name == "root":
                yield "/" + inside
            elif (prefix := prefix_of(level)) is not None:
                yield prefix.rstrip("/") + "/" + inside


def served_folders(server: Scope) -> frozenset[str]:
    """The folders :func:`_urls` maps URLs to: each ``root`` and ``alias`` of the server
    and above it (one built from variables names no folder)."""
    if server.kind != blocks.SERVER:
        return frozenset()
    return frozenset(
        node.arg(0).rstrip("/")
        for level in (*server.ancestors(), *server.walk())
        for name in _FOLDERS
        for node in level.own.get(name, ())
        if "$" not in node.arg(0) and node.arg(0).startswith("/")
    )


def _below(path: str, folder: str) -> str | None:
    base = folder.rstrip("/")
    if not folder.startswith("/") or not path.startswith(base + "/"):
        return None
    return path[len(base) + 1 :]


def _folder(scope: Scope) -> tuple[Node, Scope] | None:
    """The ``root`` or ``alias`` in effect, and the level that writes it."""
    for level in (scope, *scope.ancestors()):
        for node in reversed(level.directives):
            if node.name in _FOLDERS:
                return node, level
    return None


def _answer(server: Scope, url: str, path: str) -> ServedFile | None:
    """How the location nginx picks for ``url`` answers, where its folder maps the URL to
    ``path`` and its static handler sends files."""
    route = server.settings.route(url)
    scope = route.scope or server
    found = _folder(scope)
    if route.redirects or found is None:
        return None
    folder, level = found
    if folder.name == "root":
        mapped = folder.arg(0).rstrip("/") + url
    else:
        prefix = prefix_of(level)
        if prefix is None or not url.startswith(prefix):
            return None
        mapped = folder.arg(0) + url[len(prefix) :]
    if mapped.replace("//", "/") != path:
        return None
    # A server answers a URI no location takes with its static handler, unless it returns.
    handler = scope.settings.upstream
    if scope is server:
        if server.own.get("return"):
            return None
    elif handler is None or handler.kind is not UpstreamKind.STATIC or handler.origin is not None:
        return None
    if scope.settings.subrequests_only or not _tries_the_file(scope):
        return None
    authentication = scope.settings.authentication
    rules_known, rules = access_rules(scope)
    denied = next((rule for rule in rules if rule.arg(0) in EVERY_ADDRESS), None)
    denied_by = denied if denied is not None and denied.name == "deny" else None
    known = route.known and rules_known and (handler is None or handler.known)
    # With `satisfy any`, a password check may still admit the client `deny all` refuses.
    known = known and not (denied_by is not None and authentication.any_suffices.value)
    return ServedFile(url, folder, authentication, denied_by, known)


def _tries_the_file(scope: Scope) -> bool:
    """``try_files`` in effect, if any, tries the file the URI names."""
    for level in (scope, *scope.ancestors()):
        written = level.own.get("try_files")
        if written:
            return any(variable in arg for arg in written[-1].args for variable in _URI_VARIABLES)
    return True
