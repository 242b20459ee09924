"""Who answers an nginx scope, and which of the client's headers reach the upstream.

- ``if`` and ``limit_except`` blocks inherit from their location, including
  its ``proxy_pass``; a nested location does not inherit ``proxy_pass``.
- A ``return`` (the location's, or its server's) answers in the rewrite
  phase, before any content handler.
- Client request headers, ``Authorization`` included, are passed upstream
  unless a header entry clears them or ``*_pass_request_headers off``; a
  level's own header list (``proxy_set_header``, ``fastcgi_param``, ...)
  replaces the outer level's whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from authlint.model.settings import (
    AuthorizationForwarding,
    AuthorizationState,
    HeaderEntry,
    RequestHeaders,
    Setting,
    Upstream,
    UpstreamKind,
)
from authlint.nginx import blocks
from authlint.nginx.inheritance import NOT_SET, Lookup, inherited
from authlint.nginx.values import only_variable, variables_in

if TYPE_CHECKING:
    from authlint.nginx.settings import NginxSettings

HANDLERS = {
    "proxy_pass": UpstreamKind.PROXY,
    "fastcgi_pass": UpstreamKind.FASTCGI,
    "uwsgi_pass": UpstreamKind.UWSGI,
    "scgi_pass": UpstreamKind.SCGI,
    "grpc_pass": UpstreamKind.GRPC,
    "memcached_pass": UpstreamKind.MEMCACHED,
}
# Per upstream kind: the header (or parameter) list and the switch for copying
# the client's headers.
HEADER_LISTS: dict[UpstreamKind, tuple[str, str | None]] = {
    UpstreamKind.PROXY: ("proxy_set_header", "proxy_pass_request_headers"),
    UpstreamKind.GRPC: ("grpc_set_header", None),
    UpstreamKind.FASTCGI: ("fastcgi_param", "fastcgi_pass_request_headers"),
    UpstreamKind.UWSGI: ("uwsgi_param", "uwsgi_pass_request_headers"),
    UpstreamKind.SCGI: ("scgi_param", "scgi_pass_request_headers"),
}
# The prefix of each upstream module's directives (``proxy_cache``, ``fastcgi_buffer_size``).
MODULE_PREFIX = {
    UpstreamKind.PROXY: "proxy",
    UpstreamKind.GRPC: "grpc",
    UpstreamKind.FASTCGI: "fastcgi",
    UpstreamKind.UWSGI: "uwsgi",
    UpstreamKind.SCGI: "scgi",
}
_CLIENT_AUTHORIZATION = "http_authorization"
_NONAME_KINDS = frozenset({blocks.IF, blocks.LIMIT_EXCEPT})
_HANDLER_KINDS = frozenset({blocks.LOCATION, *_NONAME_KINDS})


class OwnList(NamedTuple):
    """A scope's own header list, and the entries in it that name Authorization."""

    entries: tuple[HeaderEntry, ...]
    authorization: tuple[HeaderEntry, ...]


NO_LIST = OwnList((), ())


def upstream(settings: NginxSettings) -> Upstream | None:
    """Who answers requests in this scope; ``None`` above the location level."""
    scope = settings.scope
    if scope.kind not in _HANDLER_KINDS:
        return None
    own = scope.own
    parent = scope.parent if scope.kind in _NONAME_KINDS else None
    # `return` runs in the rewrite phase, before any content handler: the
    # location's own (also for its `if` blocks), and a server-level one,
    # which answers before a location is even chosen.
    answering = [scope] if parent is None else [scope, parent]
    server = scope.enclosing(blocks.SERVER)
    if server is not None:
        answering.append(server)
    for level in answering:
        returned = level.own.get("return")
        if returned:
            return Upstream(UpstreamKind.STATIC, "return", returned[0])
    # An unread include could hold a `return`, which would win.
    known = not any(level.unread and level.may_set("return") for level in answering)
    for name, kind in HANDLERS.items():
        handlers = own.get(name)
        if handlers:
            return Upstream(kind, handlers[0].arg(0), handlers[0], known)
    if parent is not None:
        inherited_upstream = parent.settings.upstream
        if inherited_upstream is not None and not known:
            return Upstream(
                inherited_upstream.kind, inherited_upstream.target, inherited_upstream.origin, False
            )
        return inherited_upstream
    known = known and not any(scope.may_set(name) for name in HANDLERS)
    return Upstream(UpstreamKind.STATIC, "files", None, known)


def request_headers(settings: NginxSettings) -> RequestHeaders | None:
    """The header list sent to this scope's upstream, after inheritance."""
    handler = settings.upstream
    if handler is None or handler.kind not in HEADER_LISTS:
        return None
    list_name, switch = HEADER_LISTS[handler.kind]
    found, outer = list_lookups(settings, list_name)
    return RequestHeaders(
        entries=settings.own_list_found(found, list_name).entries,
        defined_in=found.scope,
        shadowed=settings.own_list_found(outer, list_name).entries,
        shadowed_known=outer.known,
        pass_client_headers=settings.flag(switch, default=True),
        known=found.known,
    )


def list_lookups(settings: NginxSettings, list_name: str) -> tuple[Lookup, Lookup]:
    """The list in effect here, and the outer one its level replaced."""
    found = settings.lookup(list_name)
    defined_in = found.scope
    if defined_in is None or defined_in.parent is None:
        return found, NOT_SET
    return found, inherited(defined_in.parent).lookup(list_name)


def authorization(settings: NginxSettings) -> AuthorizationForwarding | None:
    """Whether the client's ``Authorization`` reaches the upstream."""
    headers = settings.request_headers
    handler = settings.upstream
    if headers is None or handler is None:
        return None
    list_name = HEADER_LISTS[handler.kind][0]
    found, outer = list_lookups(settings, list_name)
    mentions = settings.own_list_found(found, list_name).authorization
    # Unknown too when an unread file could make this scope answer itself.
    known = headers.known and handler.known
    forwarding = _forwarding(mentions, headers.pass_client_headers, known)
    # A list that says nothing of Authorization may have replaced an outer
    # list that did.
    outer_mentions = settings.own_list_found(outer, list_name).authorization
    if mentions or not outer_mentions:
        return forwarding
    forwarding.shadowed = _forwarding(outer_mentions, headers.pass_client_headers, outer.known)
    return forwarding


def own_list(settings: NginxSettings, list_name: str) -> OwnList:
    """The scope's own header list ``list_name`` (kept by its settings, for all who inherit it)."""
    # The parser has checked that each line has a name and a value.
    entries = tuple(
        HeaderEntry(node.args[0], node.args[1], node)
        for node in settings.scope.own.get(list_name, ())
    )
    mentions = tuple(entry for entry in entries if _names_authorization(list_name, entry.name))
    return OwnList(entries, mentions)


def hidden_upstream_headers(settings: NginxSettings) -> Setting[frozenset[str]]:
    """``proxy_hide_header`` (and the fastcgi, uwsgi, scgi, grpc ones), lower case."""
    handler = settings.upstream
    prefix = MODULE_PREFIX.get(handler.kind) if handler is not None else None
    if prefix is None:
        return Setting(frozenset())
    found = settings.lookup(f"{prefix}_hide_header")
    names = frozenset(node.arg(0).lower() for node in found.nodes)
    return Setting(names, found.nodes[0] if found.nodes else None, found.known)


def _names_authorization(list_name: str, name: str) -> bool:
    """Whether an entry of ``list_name`` sets Authorization (a header, or a CGI parameter).

    nginx matches a parameter's ``HTTP_`` prefix exactly and the header name
    after it in any case (``HTTP_Authorization`` replaces the header,
    ``http_authorization`` is just another parameter).
    """
    if list_name.endswith("_param"):
        return name.startswith("HTTP_") and name[5:].lower() == "authorization"
    return name.lower() == "authorization"


def _forwarding(
    mentions: tuple[HeaderEntry, ...],
    pass_client_headers: Setting[bool],
    known: bool,
) -> AuthorizationForwarding:
    """What a header list whose Authorization entries are ``mentions`` does to the header."""
    if mentions:
        for entry in mentions:
            if only_variable(entry.value) == _CLIENT_AUTHORIZATION:
                state = AuthorizationState.PASSES
                return AuthorizationForwarding(state, entry.origin, False, known)
        for entry in mentions:
            if entry.value:
                literal = not variables_in(entry.value)
                return AuthorizationForwarding(
                    AuthorizationState.REPLACED, entry.origin, literal, known
                )
        # nginx does not send a header whose value is empty.
        return AuthorizationForwarding(AuthorizationState.REMOVED, mentions[0].origin, False, known)
    known = known and pass_client_headers.known
    if not pass_client_headers.value:
        return AuthorizationForwarding(
            AuthorizationState.REMOVED, pass_client_headers.origin, False, known
        )
    return AuthorizationForwarding(AuthorizationState.PASSES, None, False, known)
