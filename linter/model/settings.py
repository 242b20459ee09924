"""The effective settings of a scope, after the format's inheritance rules.

Every value carries the directive that produced it (``origin``; ``None`` means
the server's default) and whether it is ``known``: a value that an unread file
could have changed is not known, and no finding may rest on it.

Values are read-only by convention. The ones built for every scope are plain
slotted dataclasses rather than frozen ones, which cost three times as much to
build.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node

T = TypeVar("T")


class Facet(str, Enum):
    """A group of settings a format may provide; a rule names the ones it reads."""

    ROUTING = "routing"
    FORWARDING = "forwarding"
    AUTHENTICATION = "authentication"
    RESPONSE_HEADERS = "response-headers"
    CORS = "cors"
    CACHE = "cache"
    HEADER_LIMITS = "header-limits"


@dataclass(slots=True)
class Setting(Generic[T]):
    """One effective value, where it comes from, and whether it is known."""

    value: T
    origin: Node | None = None
    known: bool = True


class UpstreamKind(str, Enum):
    """Who produces the response of a scope."""

    PROXY = "proxy"
    FASTCGI = "fastcgi"
    UWSGI = "uwsgi"
    SCGI = "scgi"
    GRPC = "grpc"
    MEMCACHED = "memcached"
    STATIC = "static"


@dataclass(slots=True)
class Upstream:
    """The handler of a scope: ``target`` is the address (or ``return``/files for static)."""

    kind: UpstreamKind
    target: str
    origin: Node | None
    known: bool = True

    @property
    def forwards_headers(self) -> bool:
        """Whether the client's request headers can reach another process."""
        return self.kind not in (UpstreamKind.STATIC, UpstreamKind.MEMCACHED)


@dataclass(slots=True)
class HeaderEntry:
    """A request header (or CGI-style parameter) the server sets for the upstream."""

    name: str
    value: str
    origin: Node


@dataclass(slots=True)
class RequestHeaders:
    """The headers a scope sends upstream, for its upstream kind.

    ``entries`` is the effective list (``proxy_set_header``, ``fastcgi_param``,
    ...) and ``defined_in`` the scope whose own list it is; ``shadowed`` is the
    outer list that ``defined_in`` replaced, if any (``shadowed_known`` false
    when an unread file could have changed it). ``pass_client_headers`` is
    false when the client's headers are not copied (``*_pass_request_headers
    off``).
    """

    entries: tuple[HeaderEntry, ...]
    defined_in: Scope | None
    shadowed: tuple[HeaderEntry, ...]
    shadowed_known: bool
    pass_client_headers: Setting[bool]
    known: bool


class AuthorizationState(str, Enum):
    PASSES = "passes"
    REPLACED = "replaced"
    REMOVED = "removed"


@dataclass(slots=True)
class AuthorizationForwarding:
    """Whether the client's ``Authorization`` reaches the upstream, and why.

    ``origin`` is the directive that decides it (``None``: the default, the
    header passes). ``literal`` marks a replacement by a fixed value (no
    variables). ``shadowed`` is what an outer level's header list would have
    done, had this scope's own list not replaced it; it is set only when that
    outer list mentions ``Authorization``.
    """

    state: AuthorizationState
    origin: Node | None
    literal: bool
    known: bool
    shadowed: AuthorizationForwarding | None = None


@dataclass(slots=True)
class Authentication:
    """Who checks credentials in a scope.

    ``basic_realm`` is ``None`` when ``auth_basic`` is off or unset;
    ``auth_request`` holds the subrequest URI, ``None`` when off or unset;
    ``jwt`` the ``auth_jwt`` realm (NGINX Plus).
    """

    basic_realm: Setting[str | None]
    basic_user_file: Setting[str | None]
    auth_request: Setting[str | None]
    jwt: Setting[str | None]
    satisfy: Setting[str]

    @property
    def basic(self) -> Setting[bool]:
        """Basic auth is checked: a realm and a user file are both in effect.

        nginx skips Basic auth when either is missing, so a realm alone is no
        authentication at all.
        """
        enabled = self.basic_realm.value is not None and self.basic_user_file.value is not None
        known = self.basic_realm.known and (
            self.basic_realm.value is None or self.basic_user_file.known
        )
        return Setting(enabled, self.basic_realm.origin, known)

    @property
    def server_authenticates(self) -> Setting[bool]:
        """The server itself checks credentials here (Basic, a subrequest, or JWT)."""
        basic = self.basic
        parts = (basic, self.auth_request, self.jwt)
        for part in parts:
            if part.value and part.known:
                return Setting(True, part.origin, True)
        return Setting(False, None, all(part.known for part in parts))


@dataclass(slots=True)
class ResponseHeader:
    """A response header the server adds (``add_header``); ``always`` also on errors."""

    name: str
    value: str
    always: bool
    origin: Node


@dataclass(frozen=True, slots=True)
class ResponseHeaders:
    """The headers a scope adds to responses, after inheritance.

    ``discarded`` are the outer level's headers that this scope's own list
    replaced.
    """

    entries: tuple[ResponseHeader, ...]
    defined_in: Scope | None
    discarded: tuple[ResponseHeader, ...]
    known: bool

    def named(self, name: str) -> tuple[ResponseHeader, ...]:
        wanted = name.lower()
        return tuple(entry for entry in self.entries if entry.name.lower() == wanted)


@dataclass(frozen=True, slots=True)
class VariableDefinition:
    """Where a variable gets its value.

    ``kind`` is ``map``, ``set`` or ``auth_request_set``. For a map, ``source``
    is the mapped expression, ``entries`` the (key, value) lines and ``default``
    its default (nginx's is the empty string); for ``set``, ``source`` is the
    value and ``guard`` the enclosing ``if`` directive (its condition in its
    arguments), if any.
    """

    kind: str
    variable: str
    source: str
    origin: Node
    entries: tuple[tuple[str, str], ...] = ()
    default: str = ""
    guard: Node | None = None
    complete: bool = True


class OriginKind(str, Enum):
    """How a scope chooses the ``Access-Control-Allow-Origin`` value."""

    WILDCARD = "wildcard"
    LITERAL = "literal"
    REFLECTED = "reflected"
    SELECTED = "selected"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class OriginFilter:
    """A test the request's Origin passes before it is echoed: an exact value or a regex.

    ``origin`` is the ``map`` or ``if`` that holds it.
    """

    pattern: str
    regex: bool
    ignore_case: bool
    origin: Node


@dataclass(frozen=True, slots=True)
class AllowedOrigin:
    """One ``Access-Control-Allow-Origin`` header and how its value is chosen.

    ``REFLECTED``: the request's ``Origin`` is echoed whatever it is.
    ``SELECTED``: it is echoed only when it passes one of ``filters`` (the
    allow-list, for rules to judge). ``definitions`` are the variables the
    value goes through.
    """

    header: ResponseHeader
    kind: OriginKind
    definitions: tuple[VariableDefinition, ...]
    filters: tuple[OriginFilter, ...] = ()


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """The CORS response headers of a scope, read from its response headers."""

    allowed_origins: tuple[AllowedOrigin, ...]
    allow_credentials: tuple[ResponseHeader, ...]
    allow_headers: tuple[ResponseHeader, ...]
    allow_methods: tuple[ResponseHeader, ...]
    expose_headers: tuple[ResponseHeader, ...]
    vary: tuple[ResponseHeader, ...]
    known: bool

    @property
    def credentials(self) -> bool:
        return any(header.value == "true" for header in self.allow_credentials)


@dataclass(frozen=True, slots=True)
class CacheValid:
    """One ``*_cache_valid`` line: the statuses it covers (or ``any``) and for how long."""

    statuses: tuple[str, ...]
    time: str
    origin: Node


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """The upstream cache of a scope (``proxy_cache`` and friends).

    ``zone`` is ``None`` when caching is off. ``key`` is ``None`` when the
    module has no default key and none is set (fastcgi, uwsgi, scgi).
    ``zone_definition`` is the ``*_cache_path`` that declares the zone.
    """

    zone: Setting[str | None]
    key: Setting[str | None]
    bypass: Setting[tuple[str, ...]]
    no_cache: Setting[tuple[str, ...]]
    valid: Setting[tuple[CacheValid, ...]]
    ignore_headers: Setting[frozenset[str]]
    methods: Setting[frozenset[str]]
    zone_definition: Node | None


@dataclass(frozen=True, slots=True)
class HeaderBuffers:
    """Header size limits in bytes: the client's request and the upstream's response."""

    client_header_buffer_size: Setting[int | None]
    large_client_header_buffers: Setting[tuple[int, int] | None]
    upstream_header_buffer_size: Setting[int | None]
    obsolete: tuple[Node, ...]


class Settings(Protocol):
    """What every format's settings provide for a scope."""

    @property
    def upstream(self) -> Upstream | None: ...

    @property
    def request_headers(self) -> RequestHeaders | None: ...

    @property
    def authorization(self) -> AuthorizationForwarding | None: ...

    @property
    def authentication(self) -> Authentication: ...

    @property
    def authenticates_some_methods(self) -> Setting[bool]: ...

    @property
    def internal(self) -> bool: ...

    @property
    def loopback_servers(self) -> dict[str, tuple[Scope, ...]]: ...

    @property
    def response_headers(self) -> ResponseHeaders: ...

    @property
    def hidden_upstream_headers(self) -> Setting[frozenset[str]]: ...

    @property
    def expires(self) -> Setting[str | None]: ...

    @property
    def cors(self) -> CorsPolicy: ...

    @property
    def cache_zone(self) -> Setting[str | None]: ...

    @property
    def cache(self) -> CachePolicy | None: ...

    @property
    def buffers(self) -> HeaderBuffers: ...

    @property
    def preflight_answered_by(self) -> Node | None: ...

    def variable_definitions(self, name: str) -> tuple[VariableDefinition, ...]: ...

    def depends_on_credential(self, text: str) -> bool | None: ...

    def carries_credential(self, text: str) -> bool | None: ...

    def credentials_sent_upstream(self) -> tuple[HeaderEntry, ...]: ...
