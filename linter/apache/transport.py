"""How clients reach an Apache virtual host: plain HTTP or TLS, and what answers before
authentication.

mod_ssl speaks TLS on a host whose ``SSLEngine`` is ``on``, its own or the
main server's (a host inherits it); port 443 alone does not (both seen on
httpd 2.4.71: a host without it answers plain HTTP, and ``SSLEngine on`` in
the main server makes every host answer TLS). A host whose addresses are all loopback takes no other
machine's requests. mod_alias's ``Redirect`` (and its kin) answers when the URL
is mapped, before authentication, and ``Redirect /`` matches every path;
mod_ssl's ``SSLRequireSSL`` refuses plain HTTP in the access checker, before a
password is asked for. A ``RedirectMatch`` of some paths only, a
``RewriteRule`` (its conditions may test ``%{HTTPS}``) or one inside an
``<If>`` may redirect some requests only: not known.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authlint.apache.config import conditions_of
from authlint.apache.scopes import host_of
from authlint.model.scope import ScopeRole
from authlint.model.settings import Transport

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node

_LOOPBACK = re.compile(r"^(?:127\.[\d.]+|localhost|\[::1\])(?::\d+)?$")
_REDIRECTS = frozenset({"redirect", "redirectpermanent", "redirecttemp"})
_MAYBE = frozenset({"redirectmatch", "rewriterule"})
_CONDITIONS = frozenset({"if", "elseif", "else"})
_ANSWERING = _REDIRECTS | _MAYBE | {"sslrequiressl"}
_STATUSES = frozenset({"permanent", "temp", "seeother", "gone"})
# RedirectMatch patterns every path matches.
_EVERY_PATH = frozenset({"^", "^/", "^(.*)$", "^/(.*)$", "(.*)", ".*", "^/?(.*)$", "^.*$"})


def transport(chain: tuple[Scope, ...], scope: Scope) -> Transport | None:
    """How clients reach the requests of ``scope`` (a virtual host or a section in one)."""
    host = host_of(scope)
    if host.role is not ScopeRole.HOST or host.node is None:
        return None
    root = chain[0]
    engine = _last(host, "sslengine") or _last(root, "sslengine")
    tls_on = engine is not None and engine.arg(0).lower() == "on"
    known = not (host.unread or root.unread)
    known = known and (engine is None or not conditions_of(engine))
    external = [address for address in host.node.args if not _LOOPBACK.match(address)]
    plain = host.node if external and not tls_on else None
    tls = (engine or host.node) if external and tls_on else None
    answered_first = None
    for level in chain:
        for node in level.directives:
            key = node.name.lower()
            if key == "sslrequiressl" or (key in _REDIRECTS | _MAYBE and _every_path(node)):
                answered_first = answered_first or node
            elif key in _REDIRECTS | _MAYBE:
                known = False
        known = known and not any(
            child.kind in _CONDITIONS and (_ANSWERING & child.own.keys())
            for child in level.children
        )
    return Transport(plain, tls, answered_first, known)


def _every_path(node: Node) -> bool:
    """``Redirect [status] / URL`` or ``RedirectMatch [status] ^ URL``: every path
    matches (a ``RewriteRule`` never counts: its conditions are not followed)."""
    args = [arg for arg in node.args if not arg.isdigit() and arg.lower() not in _STATUSES]
    if not args:
        return False
    if node.name.lower() == "redirectmatch":
        return args[0] in _EVERY_PATH
    return node.name.lower() != "rewriterule" and args[0] == "/"


def _last(level: Scope, key: str) -> Node | None:
    written = level.own.get(key)
    return written[-1] if written else None
