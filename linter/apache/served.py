"""Which files of the server's disk an Apache host sends to clients who ask for them.

mod_alias maps a URL below an ``Alias`` to its folder, any other to the
``DocumentRoot``; the request then merges the sections of that file and URL
(:func:`authlint.apache.scopes.request_chain`), whose rules may refuse it.
Stock configurations refuse ``.ht*`` files in their main configuration
(upstream's and RHEL's ``httpd.conf``: ``<Files ".ht*"> Require all denied``;
Debian's ``apache2.conf``: ``<FilesMatch "^\\.ht">``, the same): where that
main configuration was not read, such a file's answer is not known. Its other
rules are taken to grant the served folders (a host whose folder its server
refuses serves nothing at all).
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING, cast

from authlint.apache import authentication
from authlint.apache.htaccess import overrides_at
from authlint.apache.scopes import (
    HTACCESS,
    Request,
    aliases,
    request_chain,
    written_document_root,
)
from authlint.model.settings import ServedFile

if TYPE_CHECKING:
    from authlint.apache.settings import ApacheSettings
    from authlint.model.scope import Scope
    from authlint.model.tree import Node

# What the stock main configurations refuse to every client.
_STOCK_REFUSED = re.compile(r"^\.ht")
_MAIN_NAMES = frozenset({"apache2.conf", "httpd.conf"})
# What answers a request otherwise than with the file: a handler, a redirect, a rewrite.
_NOT_THE_FILE = frozenset({"sethandler", "addhandler", "redirect", "redirectmatch", "rewriterule"})
_STATIC_HANDLERS = frozenset({"none", "default-handler"})


def served_file(host: Scope, path: str) -> ServedFile | None:
    """How ``host`` answers a request for the file at ``path``."""
    mapped = _url(host, path)
    if mapped is None:
        return None
    url, folder = mapped
    chain, proxied = request_chain(host, Request(url, path), _sections)
    if proxied:
        return None
    levels = tuple(chain)
    known = not any(level.unread for level in levels)
    for level in levels:
        for node in level.directives:
            key = node.name.lower()
            if key == "sethandler" and node.arg(0).lower() in _STATIC_HANDLERS:
                continue
            if key in _NOT_THE_FILE:
                # A handler or a rule that may answer instead: authlint does not follow it.
                known = False
    known = known and not _unread_htaccess(host, levels, path)
    name = posixpath.basename(path)
    if _STOCK_REFUSED.match(name) and not _main_read(levels[0]):
        known = False
    answer = authentication.authentication(levels, host, None, known)
    refusing, refusal_known = authentication.refused_by(levels)
    return ServedFile(url, folder, answer.authentication, refusing, known and refusal_known)


def _url(host: Scope, path: str) -> tuple[str, Node] | None:
    """The URL that maps to ``path`` and the setting that serves its folder: an ``Alias``
    whose folder holds it, else the ``DocumentRoot`` (the host's, else the server's)."""
    levels = [host] if host.parent is None else [host, host.parent]
    for level in levels:
        for node in level.own.get("alias", ()):
            if len(node.args) >= 2:
                inside = _below(path, node.args[1])
                if inside is not None:
                    return node.args[0].rstrip("/") + "/" + inside, node
    for level in levels:
        written = level.own.get("documentroot")
        if written and written[-1].args:
            node = written[-1]
            inside = _below(path, node.args[0])
            return ("/" + inside, node) if inside is not None else None
    return None


def served_folders(host: Scope) -> frozenset[str]:
    """The folders :func:`_url` maps URLs to (and the script folders beside them): each
    alias folder, and the ``DocumentRoot`` (the host's, else the server's)."""
    found = {folder.rstrip("/") for _, folder in aliases(host) if folder.startswith("/")}
    root = written_document_root(host)
    return frozenset(found if root is None else {*found, root.rstrip("/")})


def _below(path: str, folder: str) -> str | None:
    """``path`` relative to ``folder`` where the folder holds it (absolute paths only)."""
    base = folder.rstrip("/")
    if not folder.startswith("/") or not path.startswith(base + "/"):
        return None
    return path[len(base) + 1 :]


def _sections(level: Scope) -> list[Scope]:
    return cast("ApacheSettings", level.settings).route_sections


def _unread_htaccess(host: Scope, levels: tuple[Scope, ...], path: str) -> bool:
    """An ``.htaccess`` of the file's folders that httpd reads and the tree does not hold
    could refuse the file, or answer otherwise."""
    if any(level.kind == HTACCESS for level in levels):
        return False
    return overrides_at(host, posixpath.dirname(path) or "/").reads


def _main_read(root: Scope) -> bool:
    """The server's main configuration (``apache2.conf``, ``httpd.conf``) is among the
    files read: the server's own directives come from it."""
    return any(node.file.abspath.name in _MAIN_NAMES for node in root.directives)
