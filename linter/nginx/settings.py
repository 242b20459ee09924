"""nginx's inheritance semantics: the effective settings of a scope.

Every rule that needs to know what nginx does in a scope reads it here. The
facts this module encodes (verified on nginx 1.22 unless noted):

- An inherited directive is replaced, never merged: a level that has its own
  ``proxy_set_header`` (``fastcgi_param``, ``uwsgi_param``, ``scgi_param``,
  ``grpc_set_header``, ``add_header``, ``proxy_hide_header``, ...) takes none of
  the outer level's.
- ``if`` and ``limit_except`` blocks inherit from their location, including
  its ``proxy_pass``; a nested location does not inherit ``proxy_pass``.
- ``auth_basic`` and ``auth_basic_user_file`` inherit independently; Basic auth
  is only checked when both are in effect; ``auth_basic off`` cancels it.
- Client request headers, ``Authorization`` included, are passed upstream
  unless a header entry clears them or ``*_pass_request_headers off``.
- ``add_header_inherit merge`` (nginx 1.29.3+) appends the outer level's
  ``add_header`` list instead of replacing it; ``off`` inherits nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar, cast

from authlint.model.origins import RegexTooSlow, compile_pcre, search_pcre
from authlint.model.scope import NOT_SET, Lookup, Scope, ScopeKind
from authlint.model.settings import (
    AllowedOrigin,
    Authentication,
    AuthorizationForwarding,
    AuthorizationState,
    CachePolicy,
    CacheValid,
    CorsPolicy,
    HeaderBuffers,
    HeaderEntry,
    OriginFilter,
    OriginKind,
    RequestHeaders,
    ResponseHeader,
    ResponseHeaders,
    Setting,
    Upstream,
    UpstreamKind,
    VariableDefinition,
)
from authlint.nginx.locations import loopback_listen_ports
from authlint.nginx.values import is_builtin_variable, only_variable, variables_in
from authlint.sizes import parse_number, parse_size

if TYPE_CHECKING:
    from authlint.model.tree import Node

_HANDLERS = {
    "proxy_pass": UpstreamKind.PROXY,
    "fastcgi_pass": UpstreamKind.FASTCGI,
    "uwsgi_pass": UpstreamKind.UWSGI,
    "scgi_pass": UpstreamKind.SCGI,
    "grpc_pass": UpstreamKind.GRPC,
    "memcached_pass": UpstreamKind.MEMCACHED,
}

# Per upstream kind: the header (or parameter) list and the switch for copying
# the client's headers.
_HEADER_LISTS: dict[UpstreamKind, tuple[str, str | None]] = {
    UpstreamKind.PROXY: ("proxy_set_header", "proxy_pass_request_headers"),
    UpstreamKind.GRPC: ("grpc_set_header", None),
    UpstreamKind.FASTCGI: ("fastcgi_param", "fastcgi_pass_request_headers"),
    UpstreamKind.UWSGI: ("uwsgi_param", "uwsgi_pass_request_headers"),
    UpstreamKind.SCGI: ("scgi_param", "scgi_pass_request_headers"),
}
_MODULE_PREFIX = {
    UpstreamKind.PROXY: "proxy",
    UpstreamKind.GRPC: "grpc",
    UpstreamKind.FASTCGI: "fastcgi",
    UpstreamKind.UWSGI: "uwsgi",
    UpstreamKind.SCGI: "scgi",
}
_CACHING_KINDS = frozenset(
    {UpstreamKind.PROXY, UpstreamKind.FASTCGI, UpstreamKind.UWSGI, UpstreamKind.SCGI}
)
# What nginx keys a proxy cache on when no key is set: the docs write it
# without "://", but nginx 1.22 was seen to key on "http://host:port/uri".
_PROXY_CACHE_KEY = "$scheme://$proxy_host$request_uri"
_CACHE_VALID_DEFAULT_STATUSES = ("200", "301", "302")
_CLIENT_AUTHORIZATION = "http_authorization"
_REQUEST_ORIGIN = "http_origin"
_OBSOLETE_BUFFERS = ("http2_max_field_size", "http2_max_header_size")
_AUTH_DIRECTIVES = frozenset(
    {"auth_basic", "auth_basic_user_file", "auth_request", "auth_jwt", "satisfy"}
)
_NONAME_KINDS = frozenset({ScopeKind.IF, ScopeKind.LIMIT_EXCEPT})
_HANDLER_KINDS = frozenset({ScopeKind.LOCATION, *_NONAME_KINDS})
_DEPTH_LIMIT = 8


_Value = TypeVar("_Value")


class memoized(Generic[_Value]):
    """``functools.cached_property`` without its lock (taken on every first access
    before Python 3.12): settings are computed once per scope and read from the
    instance's ``__dict__`` afterwards.
    """

    def __init__(self, method: Callable[[Any], _Value]) -> None:
        self.method = method
        self.name = method.__name__

    def __get__(self, instance: object, owner: type | None = None) -> _Value:
        value = self.method(instance)
        instance.__dict__[self.name] = value
        return value


class _OwnList(NamedTuple):
    """A scope's own header list, and the entries in it that name Authorization."""

    entries: tuple[HeaderEntry, ...]
    authorization: tuple[HeaderEntry, ...]


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


class NginxSettings:
    """The effective settings of one nginx scope, computed on first use."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._own_lists: dict[str, _OwnList] = {}

    def _single(self, name: str, default: str | None = None) -> Setting[str | None]:
        """A single-valued directive; ``off`` reads as ``None``.

        An explicit value is known even beside an unread include: nginx refuses
        a duplicate, so the include cannot have set it again.
        """
        found = self.scope.lookup(name)
        if not found.nodes:
            return Setting(default, None, found.known)
        node = found.nodes[-1]
        value = " ".join(node.args)
        return Setting(None if value == "off" else value, node, True)

    def _flag(self, name: str | None, default: bool) -> Setting[bool]:
        if name is None:
            return Setting(default)
        found = self.scope.lookup(name)
        if not found.nodes:
            return Setting(default, None, found.known)
        node = found.nodes[-1]
        return Setting(node.arg(0).lower() == "on", node, True)

    def _words(self, found: Lookup) -> Setting[tuple[str, ...]]:
        words = tuple(arg for node in found.nodes for arg in node.args)
        return Setting(words, found.nodes[0] if found.nodes else None, found.known)

    def _size(self, name: str, default: int) -> Setting[int | None]:
        found = self._single(name)
        if found.origin is None:
            return Setting(default, None, found.known)
        return Setting(parse_size(found.origin.arg(0)), found.origin, found.known)

    @memoized
    def upstream(self) -> Upstream | None:
        """Who answers requests in this scope; ``None`` above the location level."""
        scope = self.scope
        if scope.kind not in _HANDLER_KINDS:
            return None
        own = scope.own
        parent = scope.parent if scope.kind in _NONAME_KINDS else None
        # `return` runs in the rewrite phase, before any content handler: the
        # location's own (also for its `if` blocks), and a server-level one,
        # which answers before a location is even chosen.
        answering = [scope] if parent is None else [scope, parent]
        server = scope.enclosing(ScopeKind.SERVER)
        if server is not None:
            answering.append(server)
        for level in answering:
            returned = level.own.get("return")
            if returned:
                return Upstream(UpstreamKind.STATIC, "return", returned[0])
        # An unread include could hold a `return`, which would win.
        known = not any(level.unread and level.may_set("return") for level in answering)
        for name, kind in _HANDLERS.items():
            handlers = own.get(name)
            if handlers:
                return Upstream(kind, handlers[0].arg(0), handlers[0], known)
        if parent is not None:
            inherited = parent.settings.upstream
            if inherited is not None and not known:
                return Upstream(inherited.kind, inherited.target, inherited.origin, False)
            return inherited
        known = known and not any(scope.may_set(name) for name in _HANDLERS)
        return Upstream(UpstreamKind.STATIC, "files", None, known)

    @memoized
    def request_headers(self) -> RequestHeaders | None:
        """The header list sent to this scope's upstream, after inheritance."""
        upstream = self.upstream
        if upstream is None or upstream.kind not in _HEADER_LISTS:
            return None
        list_name, switch = _HEADER_LISTS[upstream.kind]
        found, outer = self._list_lookups(list_name)
        return RequestHeaders(
            entries=_own_list(found, list_name).entries,
            defined_in=found.scope,
            shadowed=_own_list(outer, list_name).entries,
            shadowed_known=outer.known,
            pass_client_headers=self._flag(switch, default=True),
            known=found.known,
        )

    def _list_lookups(self, list_name: str) -> tuple[Lookup, Lookup]:
        """The list in effect here, and the outer one its level replaced."""
        found = self.scope.lookup(list_name)
        defined_in = found.scope
        if defined_in is None or defined_in.parent is None:
            return found, NOT_SET
        return found, defined_in.parent.lookup(list_name)

    @memoized
    def authorization(self) -> AuthorizationForwarding | None:
        """Whether the client's ``Authorization`` reaches the upstream."""
        headers = self.request_headers
        upstream = self.upstream
        if headers is None or upstream is None:
            return None
        list_name = _HEADER_LISTS[upstream.kind][0]
        found, outer = self._list_lookups(list_name)
        mentions = _own_list(found, list_name).authorization
        # Unknown too when an unread file could make this scope answer itself.
        known = headers.known and upstream.known
        forwarding = _forwarding(mentions, headers.pass_client_headers, known)
        # A list that says nothing of Authorization may have replaced an outer
        # list that did.
        outer_mentions = _own_list(outer, list_name).authorization
        if mentions or not outer_mentions:
            return forwarding
        forwarding.shadowed = _forwarding(outer_mentions, headers.pass_client_headers, outer.known)
        return forwarding

    def own_list(self, list_name: str) -> _OwnList:
        """This scope's own header list ``list_name``, built once for all who inherit it."""
        built = self._own_lists.get(list_name)
        if built is None:
            # The parser has checked that each line has a name and a value.
            entries = tuple(
                HeaderEntry(node.args[0], node.args[1], node)
                for node in self.scope.own.get(list_name, ())
            )
            mentions = tuple(
                entry for entry in entries if _names_authorization(list_name, entry.name)
            )
            built = self._own_lists[list_name] = _OwnList(entries, mentions)
        return built

    @memoized
    def authentication(self) -> Authentication:
        scope = self.scope
        if (
            scope.parent is not None
            and not scope.unread
            and not _AUTH_DIRECTIVES & scope.own.keys()
        ):
            return scope.parent.settings.authentication  # all of it inherited
        return Authentication(
            basic_realm=self._single("auth_basic"),
            basic_user_file=self._single("auth_basic_user_file"),
            auth_request=self._single("auth_request"),
            jwt=self._single("auth_jwt"),
            satisfy=_not_none(self._single("satisfy", "all"), "all"),
        )

    @memoized
    def loopback_servers(self) -> dict[str, tuple[Scope, ...]]:
        """The servers below this scope (an ``http``) by the loopback ports they listen on."""
        index: dict[str, list[Scope]] = {}
        for server in self.scope.walk():
            if server.kind is ScopeKind.SERVER:
                for port in loopback_listen_ports(server):
                    index.setdefault(port, []).append(server)
        return {port: tuple(servers) for port, servers in index.items()}

    @memoized
    def internal(self) -> bool:
        """Only nginx's own subrequests and redirects reach this scope: it or a location
        around it is ``internal``."""
        return any(
            level.kind is ScopeKind.LOCATION and "internal" in level.own
            for level in (self.scope, *self.scope.ancestors())
        )

    @memoized
    def authenticates_some_methods(self) -> Setting[bool]:
        """nginx checks credentials here for all methods, or for those a ``limit_except``
        block does not list (its checks apply to every other method)."""
        own = self.authentication.server_authenticates
        if own.value or not own.known:
            return own
        for child in self.scope.children:
            if child.kind is ScopeKind.LIMIT_EXCEPT:
                limited = child.settings.authentication.server_authenticates
                if limited.value or not limited.known:
                    return limited
        return own

    @memoized
    def response_headers(self) -> ResponseHeaders:
        """``add_header`` after inheritance (``add_header_inherit`` honoured)."""
        scope = self.scope
        outer = scope.parent.settings.response_headers if scope.parent is not None else None
        outer_entries = outer.entries if outer is not None else ()
        outer_known = outer.known if outer is not None else True
        mode = (scope.lookup("add_header_inherit").last_arg() or "on").lower()
        own = tuple(
            ResponseHeader(node.arg(0), node.arg(1), node.arg(2).lower() == "always", node)
            for node in scope.own.get("add_header", ())
        )
        unread = bool(scope.unread) and scope.may_set("add_header")
        if own:
            merged = mode == "merge"
            entries = own + outer_entries if merged else own
            discarded = outer_entries if mode == "on" else ()
            defined_in: Scope | None = scope
            known = not unread and (outer_known or not merged)
        elif outer is not None and mode == "on" and not unread and not outer.discarded:
            return outer  # nothing of its own: exactly the outer level's headers
        else:
            entries = () if mode == "off" else outer_entries
            discarded = ()
            defined_in = outer.defined_in if outer is not None and mode != "off" else None
            known = not unread and outer_known
        return ResponseHeaders(entries, defined_in, discarded, known)

    @memoized
    def hidden_upstream_headers(self) -> Setting[frozenset[str]]:
        """The upstream's response headers not passed to the client (lower case), as
        ``proxy_hide_header`` (and the fastcgi, uwsgi, scgi, grpc ones) set them."""
        upstream = self.upstream
        prefix = _MODULE_PREFIX.get(upstream.kind) if upstream is not None else None
        if prefix is None:
            return Setting(frozenset())
        found = self.scope.lookup(f"{prefix}_hide_header")
        names = frozenset(node.arg(0).lower() for node in found.nodes)
        return Setting(names, found.nodes[0] if found.nodes else None, found.known)

    @memoized
    def expires(self) -> Setting[str | None]:
        """The ``expires`` setting (``None``: off or unset)."""
        return self._single("expires")

    @memoized
    def cors(self) -> CorsPolicy:
        headers = self.response_headers
        by_name: dict[str, list[ResponseHeader]] = {}
        for entry in headers.entries:
            name = entry.name.lower()
            if name.startswith("access-control-") or name == "vary":
                by_name.setdefault(name, []).append(entry)
        if not by_name:
            return CorsPolicy((), (), (), (), (), (), headers.known)
        return CorsPolicy(
            allowed_origins=tuple(
                self._allowed_origin(header)
                for header in by_name.get("access-control-allow-origin", ())
            ),
            allow_credentials=tuple(by_name.get("access-control-allow-credentials", ())),
            allow_headers=tuple(by_name.get("access-control-allow-headers", ())),
            allow_methods=tuple(by_name.get("access-control-allow-methods", ())),
            expose_headers=tuple(by_name.get("access-control-expose-headers", ())),
            vary=tuple(by_name.get("vary", ())),
            known=headers.known,
        )

    def _allowed_origin(self, header: ResponseHeader) -> AllowedOrigin:
        value = header.value.strip()
        if value == "*":
            return AllowedOrigin(header, OriginKind.WILDCARD, ())
        names = variables_in(value)
        if not names:
            return AllowedOrigin(header, OriginKind.LITERAL, ())
        source = self._origin_source(names, self._guard_of(header.origin), 0)
        return AllowedOrigin(header, source.kind, source.definitions, source.filters)

    def _guard_of(self, node: Node) -> Node | None:
        """The ``if`` directive whose block holds ``node`` (an ``add_header``), if any."""
        for level in (self.scope, *self.scope.ancestors()):
            if level.kind is ScopeKind.IF and any(node is own for own in level.directives):
                return level.node
        return None

    def _origin_source(self, names: list[str], guard: Node | None, depth: int) -> _OriginSource:
        """How a value built from ``names`` relates to the request's Origin.

        Echoing ``$http_origin`` is REFLECTED, unless an ``if`` on the origin
        or a ``map`` keyed on it chooses what is echoed: SELECTED, with those
        tests as the filters.
        """
        if _REQUEST_ORIGIN in names:
            filters = self._guard_filters(guard)
            if filters is None:
                return _OriginSource(OriginKind.REFLECTED)
            return _OriginSource(OriginKind.SELECTED, filters=filters)
        if depth >= _DEPTH_LIMIT:
            return _OriginSource(OriginKind.UNKNOWN)
        sources = []
        definitions: list[VariableDefinition] = []
        for name in names:
            found = self.variable_definitions(name)
            if not found:
                sources.append(_OriginSource(OriginKind.UNKNOWN))
            for definition in found:
                definitions.append(definition)
                source = self._definition_source(definition, depth)
                if source.kind is OriginKind.REFLECTED and definition.kind == "set":
                    source = _cleared_unless_allowed(definition, found) or source
                sources.append(source)
        filters = tuple(item for source in sources for item in source.filters)
        for kind in (OriginKind.REFLECTED, OriginKind.SELECTED, OriginKind.UNKNOWN):
            if any(source.kind is kind for source in sources):
                return _OriginSource(kind, tuple(definitions), filters)
        return _OriginSource(OriginKind.LITERAL, tuple(definitions))

    def _definition_source(self, definition: VariableDefinition, depth: int) -> _OriginSource:
        if definition.kind != "map":
            names = variables_in(definition.source)
            if not names:
                return _OriginSource(OriginKind.LITERAL)
            return self._origin_source(names, definition.guard, depth + 1)
        keyed_on_origin = _REQUEST_ORIGIN in variables_in(definition.source)
        if _echoes_origin(definition.default, keyed_on_origin, ""):
            return _OriginSource(OriginKind.REFLECTED)
        filters = tuple(
            _map_filter(entry)
            for entry in definition.origin.children or ()
            if entry.name not in _MAP_KEYWORDS
            and _echoes_origin(entry.arg(0), keyed_on_origin, entry.name)
        )
        if filters:
            return _OriginSource(OriginKind.SELECTED, filters=filters)
        if not definition.complete:
            return _OriginSource(OriginKind.UNKNOWN)
        return _OriginSource(OriginKind.LITERAL)

    def _guard_filters(self, guard: Node | None) -> tuple[OriginFilter, ...] | None:
        """The origins an ``if`` lets through; ``None`` when it does not test the origin.

        ``if ($http_origin ~ ...)`` directly, or ``if ($flag)`` where ``$flag``
        comes from a ``map`` keyed on the origin (true for its non-empty,
        non-``0`` values).
        """
        filters = _origin_filters(guard)
        flag = only_variable(guard.args[0]) if guard is not None and len(guard.args) == 1 else None
        if filters is not None or flag is None:
            return filters
        definitions = self.variable_definitions(flag)
        found: list[OriginFilter] = []
        for definition in definitions:
            keyed = definition.kind == "map" and _REQUEST_ORIGIN in variables_in(definition.source)
            if not keyed or _truthy(definition.default):
                return None
            found += [
                _map_filter(entry)
                for entry in definition.origin.children or ()
                if entry.name not in _MAP_KEYWORDS and _truthy(entry.arg(0))
            ]
        return tuple(found) if definitions else None

    def depends_on_credential(self, text: str) -> bool | None:
        """Whether a value (a cache bypass condition) changes with the client's credentials.

        ``None`` when it uses a variable defined nowhere in view (a snippet read
        without the config that defines it): then nobody knows.
        """
        return self._credential_in(text, values_only=False)

    def carries_credential(self, text: str) -> bool | None:
        """Whether a value holds the client's credential itself (one key per user).

        ``$http_authorization``, ``$remote_user``, cookies, JWT claims, and
        what an ``auth_request`` subrequest said about the client; a ``map``
        from a credential to constants (``1``, ``0``) carries none. ``None``
        as for :meth:`depends_on_credential`.
        """
        return self._credential_in(text, values_only=True)

    def _credential_in(
        self, text: str, values_only: bool, depth: int = 0, user_name: bool = True
    ) -> bool | None:
        """``user_name``: whether the name nginx authenticated (``$remote_user``) counts."""
        unknown = False
        for name in variables_in(text):
            if _is_credential_variable(name) and (user_name or name != "remote_user"):
                return True
            definitions = self.variable_definitions(name)
            if not definitions or depth >= _DEPTH_LIMIT:
                unknown = unknown or depth >= _DEPTH_LIMIT or not is_builtin_variable(name)
                continue
            for definition in definitions:
                if definition.kind == "auth_request_set":
                    return True
                unknown = unknown or not definition.complete
                if definition.kind == "set":
                    values = [definition.source]
                else:
                    values = [value for _, value in definition.entries] + [definition.default]
                    source = self._credential_in(
                        definition.source, values_only, depth + 1, user_name
                    )
                    if source and (not values_only or any(_captures(v) for v in values)):
                        return True
                    unknown = unknown or source is None
                for value in values:
                    found = self._credential_in(value, values_only, depth + 1, user_name)
                    if found:
                        return True
                    unknown = unknown or found is None
        return None if unknown else False

    def credentials_sent_upstream(self) -> tuple[HeaderEntry, ...]:
        """The header entries that, as the config shows, send credentials upstream.

        ``$remote_user`` alone does not count: it is the name nginx checked
        (empty unless nginx authenticates), as in the stock ``fastcgi_params``.
        """
        headers = self.request_headers
        if headers is None:
            return ()
        return tuple(
            entry
            for entry in headers.entries
            if self._credential_in(entry.value, values_only=True, user_name=False)
        )

    @memoized
    def preflight_answered_by(self) -> Node | None:
        """What keeps a CORS preflight (``OPTIONS``) from this scope's authentication.

        An ``if ($request_method = OPTIONS)`` with a ``return`` in the location
        or its server (the rewrite phase runs before the access phase), or a
        ``limit_except`` that lists ``OPTIONS`` (its checks apply to the other
        methods).
        """
        scope = self.scope
        if scope.kind is ScopeKind.LIMIT_EXCEPT and _lists_options(scope.node):
            return scope.node
        location = scope.enclosing(ScopeKind.LOCATION)
        server = scope.enclosing(ScopeKind.SERVER)
        for level in (location, server):
            for child in level.children if level is not None else ():
                if (
                    child.kind is ScopeKind.IF
                    and "return" in child.own
                    and _tests_options(child.node)
                ):
                    return child.node
        return None

    def variable_definitions(self, name: str) -> tuple[VariableDefinition, ...]:
        """Where ``$name`` can get its value for a request handled by this scope.

        ``map`` blocks of the enclosing ``http``; ``set`` and ``auth_request_set``
        in this scope, the scopes around it, and the ``if`` blocks among them.
        """
        variable = "$" + name.lower().lstrip("$")
        http = self.scope.enclosing(ScopeKind.HTTP)
        found = [
            _map_definition(node, variable)
            for node in (http.own.get("map", ()) if http is not None else ())
            if len(node.args) >= 2 and node.args[1].lower() == variable
        ]
        chain = [self.scope, *self.scope.ancestors()]
        ifs = [child for level in chain for child in level.children if child.kind is ScopeKind.IF]
        levels = list(dict.fromkeys(chain + ifs))
        for level in levels:
            guard = level.node if level.kind is ScopeKind.IF else None
            found.extend(
                VariableDefinition(kind, variable, node.arg(1), node, guard=guard)
                for kind in ("set", "auth_request_set")
                for node in level.own.get(kind, ())
                if node.arg(0).lower() == variable
            )
        return tuple(found)

    @memoized
    def cache_zone(self) -> Setting[str | None]:
        """The cache zone in use (``proxy_cache`` and friends); ``None``: off, or no cache.

        Cheaper than :attr:`cache`, for rules that first ask whether anything
        is cached here.
        """
        upstream = self.upstream
        if upstream is None or upstream.kind not in _CACHING_KINDS:
            return Setting(None)
        return self._single(f"{_MODULE_PREFIX[upstream.kind]}_cache")

    @memoized
    def cache(self) -> CachePolicy | None:
        """The upstream cache of this scope; ``None`` when the upstream cannot cache."""
        upstream = self.upstream
        if upstream is None or upstream.kind not in _CACHING_KINDS:
            return None
        prefix = _MODULE_PREFIX[upstream.kind]
        default_key = _PROXY_CACHE_KEY if upstream.kind is UpstreamKind.PROXY else None
        zone = self.cache_zone
        valid_found = self.scope.lookup(f"{prefix}_cache_valid")
        valid = tuple(
            CacheValid(tuple(node.args[:-1]) or _CACHE_VALID_DEFAULT_STATUSES, node.args[-1], node)
            for node in valid_found.nodes
            if node.args
        )
        ignored = self._words(self.scope.lookup(f"{prefix}_ignore_headers"))
        methods = self._words(self.scope.lookup(f"{prefix}_cache_methods"))
        return CachePolicy(
            zone=zone,
            key=self._single(f"{prefix}_cache_key", default_key),
            bypass=self._words(self.scope.lookup(f"{prefix}_cache_bypass")),
            no_cache=self._words(self.scope.lookup(f"{prefix}_no_cache")),
            valid=Setting(valid, valid_found.nodes[0] if valid else None, valid_found.known),
            ignore_headers=Setting(
                frozenset(word.lower() for word in ignored.value), ignored.origin, ignored.known
            ),
            # nginx always caches GET and HEAD, whatever the list says.
            methods=Setting(
                frozenset({"GET", "HEAD", *(word.upper() for word in methods.value)}),
                methods.origin,
                methods.known,
            ),
            zone_definition=self._zone_definition(prefix, zone.value),
        )

    def _zone_definition(self, prefix: str, zone: str | None) -> Node | None:
        http = self.scope.enclosing(ScopeKind.HTTP)
        if zone is None or http is None:
            return None
        for node in http.own.get(f"{prefix}_cache_path", ()):
            for arg in node.args[1:]:
                if arg.startswith("keys_zone=") and arg[len("keys_zone=") :].split(":")[0] == zone:
                    return node
        return None

    @memoized
    def buffers(self) -> HeaderBuffers:
        large = self._single("large_client_header_buffers")
        large_value: tuple[int, int] | None = (4, 8192)
        if large.origin is not None:
            number, size = parse_number(large.origin.arg(0)), parse_size(large.origin.arg(1))
            large_value = (number, size) if number is not None and size is not None else None
        upstream = self.upstream
        prefix = _MODULE_PREFIX.get(upstream.kind) if upstream is not None else None
        upstream_size: Setting[int | None] = Setting(None)
        if prefix is not None:
            # The default is one memory page: 4k on x86-64 Linux.
            upstream_size = self._size(f"{prefix}_buffer_size", 4096)
        return HeaderBuffers(
            client_header_buffer_size=self._size("client_header_buffer_size", 1024),
            large_client_header_buffers=Setting(large_value, large.origin, large.known),
            upstream_header_buffer_size=upstream_size,
            obsolete=tuple(
                node for name in _OBSOLETE_BUFFERS for node in self.scope.own.get(name, ())
            ),
        )


_NO_LIST = _OwnList((), ())


def _own_list(found: Lookup, list_name: str) -> _OwnList:
    if found.scope is None:
        return _NO_LIST
    return cast(NginxSettings, found.scope.settings).own_list(list_name)


def _not_none(setting: Setting[str | None], default: str) -> Setting[str]:
    return Setting(setting.value or default, setting.origin, setting.known)


def _map_definition(node: Node, variable: str) -> VariableDefinition:
    entries: list[tuple[str, str]] = []
    default = ""
    complete = True
    for child in node.children or ():
        if child.name == "default":
            default = child.arg(0)
        elif child.name == "include":
            complete = False
        elif child.name not in _MAP_KEYWORDS:
            entries.append((child.name, child.arg(0)))
    return VariableDefinition(
        "map", variable, node.arg(0), node, tuple(entries), default, complete=complete
    )


class _OriginSource(NamedTuple):
    kind: OriginKind
    definitions: tuple[VariableDefinition, ...] = ()
    filters: tuple[OriginFilter, ...] = ()


_IF_OPERATORS = {"=": (False, False), "~": (True, False), "~*": (True, True)}
_MAP_KEYWORDS = frozenset({"default", "hostnames", "volatile", "include"})


def _origin_filters(guard: Node | None) -> tuple[OriginFilter, ...] | None:
    """The test an ``if`` puts on the request's Origin; ``None`` when it puts none."""
    if guard is None:
        return None
    args = guard.args
    if len(args) == 3 and only_variable(args[0]) == _REQUEST_ORIGIN and args[1] in _IF_OPERATORS:
        regex, ignore_case = _IF_OPERATORS[args[1]]
        return (OriginFilter(args[2], regex, ignore_case, guard),)
    return None


def _echoes_origin(value: str, keyed_on_origin: bool, key: str) -> bool:
    """A map value that sends the request's Origin back, or a capture of it (``$1``,
    or a group the key's regex names)."""
    names = variables_in(value)
    if _REQUEST_ORIGIN in names:
        return True
    groups = {name.lower() for name in re.findall(r"\(\?P?<([A-Za-z_]\w*)>", key)}
    return keyed_on_origin and any(name.isdigit() or name in groups for name in names)


def _truthy(value: str) -> bool:
    """What ``if ($variable)`` takes as true: neither empty nor ``0``."""
    return value not in ("", "0")


_NEGATED = {"!=": (False, False), "!~": (True, False), "!~*": (True, True)}


def _cleared_unless_allowed(
    reflecting: VariableDefinition, definitions: tuple[VariableDefinition, ...]
) -> _OriginSource | None:
    """``set $cors $http_origin;`` then ``if ($http_origin !~ allowed) { set $cors ""; }``:
    the origin survives only when it matches, so it is SELECTED by those tests."""
    if reflecting.guard is not None:
        return None
    filters = []
    for definition in definitions:
        guard = definition.guard
        if definition.kind != "set" or guard is None or variables_in(definition.source):
            continue
        args = guard.args
        later = guard.file is reflecting.origin.file and guard.line > reflecting.origin.line
        tests_origin = len(args) == 3 and only_variable(args[0]) == _REQUEST_ORIGIN
        if later and tests_origin and args[1] in _NEGATED:
            regex, ignore_case = _NEGATED[args[1]]
            filters.append(OriginFilter(args[2], regex, ignore_case, guard))
    return _OriginSource(OriginKind.SELECTED, filters=tuple(filters)) if filters else None


def _map_filter(entry: Node) -> OriginFilter:
    """A ``map`` line as a filter: ``~``/``~*`` keys are regexes, others exact values."""
    key = entry.name
    if key.startswith("~*"):
        return OriginFilter(key[2:], True, True, entry)
    if key.startswith("~"):
        return OriginFilter(key[1:], True, False, entry)
    return OriginFilter(key.removeprefix("\\"), False, False, entry)


_CREDENTIAL_VARIABLES = frozenset({"http_authorization", "remote_user", "http_cookie"})
_CREDENTIAL_WORDS = ("auth", "token", "api_key", "apikey", "session")


def _is_credential_variable(name: str) -> bool:
    if name in _CREDENTIAL_VARIABLES or name.startswith(("cookie_", "jwt_")):
        return True
    return name.startswith("http_") and any(word in name for word in _CREDENTIAL_WORDS)


def _captures(value: str) -> bool:
    """A map value that copies part of its source (``$1``, a named capture)."""
    return bool(variables_in(value))


def _lists_options(node: Node | None) -> bool:
    return node is not None and "OPTIONS" in (arg.upper() for arg in node.args)


def _tests_options(node: Node | None) -> bool:
    """``if ($request_method = OPTIONS)`` and its regex spellings."""
    condition = node.args if node is not None else []
    if len(condition) != 3 or only_variable(condition[0]) != "request_method":
        return False
    operator, value = condition[1], condition[2].strip("'\"")
    if operator == "=":
        return value == "OPTIONS"
    if operator in ("~", "~*"):
        compiled = compile_pcre(value, re.IGNORECASE if operator == "~*" else 0)
        try:
            return compiled is not None and search_pcre(compiled, "OPTIONS")
        except RegexTooSlow:
            return True  # unknown: no finding may rest on preflights reaching authentication
    return False
