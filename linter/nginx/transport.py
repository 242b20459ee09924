"""How clients reach an nginx server: plain HTTP or TLS, and what answers before the
access checks.

A ``listen`` with ``ssl`` (or ``quic``) takes TLS, any other plain HTTP
(``ssl on``, obsolete since 1.15.0, made every address of its level TLS); one
on a loopback address or a Unix socket takes no other machine's requests. A
``return`` in the location or its server answers in the rewrite phase, before
the access phase where credentials are asked for; so does a server-level
``rewrite`` of every URI to an absolute URL or with ``redirect`` or
``permanent``. Another ``rewrite`` that redirects, or an ``if`` block that
returns or rewrites, may redirect some requests only: not known.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authlint.model.settings import Transport
from authlint.nginx import blocks
from authlint.nginx.inheritance import inherited

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node

_LOOPBACK = re.compile(r"^(?:127\.[\d.]+|localhost|\[::1\])(?::\d+)?$")
_TLS_PARAMETERS = frozenset({"ssl", "quic"})
# A rewrite regex every URI matches.
_EVERY_URI = frozenset({"^", "^/", "^(.*)$", "^/(.*)$", "^(.*)", "^/(.*)", "(.*)", ".*", "^.*$"})
_REDIRECT_FLAGS = frozenset({"redirect", "permanent"})
_ANSWERING = frozenset({"return", "rewrite"})


def transport(scope: Scope) -> Transport | None:
    """How clients reach the requests of ``scope`` (a server or a scope inside one)."""
    server = scope.enclosing(blocks.SERVER)
    if server is None:
        return None
    ssl = inherited(server).flag("ssl", default=False)
    known = ssl.known and not server.may_set("listen")
    plain = tls = None
    for listen in server.own.get("listen", ()):
        if listen.arg(0).startswith("unix:") or _LOOPBACK.match(listen.arg(0)):
            continue
        if ssl.value or _TLS_PARAMETERS & set(listen.args):
            tls = tls or listen
        else:
            plain = plain or listen
    answered_first = None
    for level in (scope, *scope.ancestors()):
        answers, certain = _answers(level)
        answered_first = answered_first or answers
        known = known and certain and not any(level.may_set(name) for name in _ANSWERING)
        known = known and not any(
            child.kind == blocks.IF and _ANSWERING & child.own.keys() for child in level.children
        )
        if level is server:
            break
    return Transport(plain, tls, answered_first, known)


def _answers(level: Scope) -> tuple[Node | None, bool]:
    """A ``return``, or a ``rewrite`` that redirects every URI, of one level; false where
    a ``rewrite`` redirects some URIs only."""
    returned = level.own.get("return")
    if returned:
        return returned[0], True
    certain = True
    for rule in level.own.get("rewrite", ()):
        redirects = bool(_REDIRECT_FLAGS & set(rule.args[2:])) or rule.arg(1).startswith(
            ("http://", "https://", "$scheme://")
        )
        if redirects and rule.arg(0) in _EVERY_URI:
            return rule, True
        certain = certain and not redirects
    return None, certain
