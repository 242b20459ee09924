"""The effective settings of a scope: what the server does there, in every format's terms.

Each format computes them with its own inheritance, merging and defaults
(nginx's in ``authlint.nginx``); rules read only these. A value says what
the server does, never which directive did it: it carries the node that
decided it (``origin``; ``None`` means the server's default, unless a member
says where its default lives) for messages, and whether it is ``known``: a
value that an unread file could have changed is not known, and no finding
may rest on it.

Values are read-only by convention. The ones built for every scope are plain
slotted dataclasses rather than frozen ones, which cost three times as much to
build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from authlint.model.evidence import CredentialEvidence
    from authlint.model.scope import Scope
    from authlint.model.tree import Node

T = TypeVar("T")
# One name of a header value that lists names.
_LISTED_NAME = re.compile(r"[^\s,]+")
# Cache-Control directives (RFC 9111 §5.2.2): those that let a shared cache store an
# answer to a request with Authorization (§3.5), a lifetime, and those that keep a
# shared cache from storing the answer at all (a `private` that names fields does not).
_STORED_DESPITE_AUTHORIZATION = re.compile(r"\b(?:public|s-maxage|must-revalidate)\b", re.I)
_LIFETIME = re.compile(r"\bmax-age\s*=\s*\"?0*[1-9]", re.I)
_NOT_SHARED = re.compile(r"\b(?:no-store|private\b(?!\s*=))", re.I)


class Facet(str, Enum):
    """A group of settings a format may provide; a rule names the ones it reads."""

    ROUTING = "routing"
    FORWARDING = "forwarding"
    AUTHENTICATION = "authentication"
    RESPONSE_HEADERS = "response-headers"
    CORS = "cors"
    CACHE = "cache"
    # The request header limits, and the servers whose limits read a request.
    HEADER_LIMITS = "header-limits"
    # The buffers for an upstream's response headers, and the checks the server
    # makes of them as it loads.
    UPSTREAM_BUFFERS = "upstream-buffers"
    # Header limits the server ignores, with its own warning.
    IGNORED_LIMITS = "ignored-limits"
    # An inner level's header list replaces the outer one instead of adding to it
    # (nginx's `proxy_set_header`, `add_header`); httpd's mod_headers merges them.
    REPLACED_LISTS = "replaced-lists"
    # The config writes its cache's key, the conditions that skip it and how long
    # it keeps answers (nginx's `proxy_cache_key`, `proxy_no_cache`,
    # `proxy_cache_valid`); httpd's mod_cache keys on the URL, skips requests
    # with Authorization by itself and keeps what the backend allows.
    CACHE_CONDITIONS = "cache-conditions"
    # The cache may answer before the server's access checks run (httpd's quick
    # handler, `CachePolicy.skipped_access`); nginx reads its cache after them.
    EARLY_CACHE = "early-cache"
    # The cache stores the upstream's `Set-Cookie` with an answer unless told not to
    # (httpd's mod_cache, `CachePolicy.replayed_cookies`); nginx does not cache such
    # an answer unless told to (AL404 judges that).
    STORED_COOKIES = "stored-cookies"
    # The cache can be told to store the answers the upstream marks as one user's
    # (httpd's mod_cache, `CachePolicy.stored_private`); nginx's counterpart,
    # ignoring the upstream's `Cache-Control`, is AL404's.
    STORED_PRIVATE = "stored-private"
    # Which files on the server's disk its hosts send to clients (nginx `root`/`alias`,
    # Apache `DocumentRoot`/`Alias`), and what refuses them.
    SERVED_FILES = "served-files"
    # How clients reach a host: plain HTTP, TLS, and whether it redirects every request.
    TRANSPORT = "transport"


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
    # Apache's mod_cgi and mod_cgid: a process per request, given CGI variables.
    CGI = "cgi"
    STATIC = "static"


@dataclass(slots=True)
class Upstream:
    """The handler of a scope: ``target`` is the address (or ``return``/files for static).

    ``application`` names the runtime the config shows answering, where its
    applications read the client's credentials from ``Authorization`` as a rule
    (``PHP``: its frameworks' API tokens and Basic logins); ``None``: the config
    does not say what runs there.
    """

    kind: UpstreamKind
    target: str
    origin: Node | None
    known: bool = True
    application: str | None = None

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

    ``origin`` is the directive that decides it; ``None`` when the format's
    default lets the header pass. A format whose default removes or replaces
    the header (Apache hides it from CGI and FastCGI, CloudFront drops it
    outside the cache key) gives the node that holds that default (the
    handler line) as ``origin``, with ``reason`` saying why, in a few words
    fit for a message (``None`` where a directive decides). ``literal`` marks a replacement by
    a fixed value (no variables). ``shadowed`` is what an outer level's header
    list would have done, had this scope's own list not replaced it; it is
    set only when that outer list mentions ``Authorization``.
    """

    state: AuthorizationState
    origin: Node | None
    literal: bool
    known: bool
    shadowed: AuthorizationForwarding | None = None
    reason: str | None = None


class AuthKind(str, Enum):
    """How a server checks credentials."""

    BASIC = "basic"
    DIGEST = "digest"
    # A subrequest to another location or service decides (nginx auth_request).
    SUBREQUEST = "subrequest"
    JWT = "jwt"
    # An outside URL decides (ingress-nginx auth-url, Traefik forwardAuth).
    EXTERNAL = "external"
    # A provider-specific check (an identity provider's module, a gateway plugin).
    PROVIDER = "provider"


@dataclass(slots=True)
class AuthCheck:
    """One credential check of a scope.

    ``enforced`` is false where the check is declared but does not run (nginx
    skips Basic auth without a user file); ``target`` is where a subrequest
    or an outside URL goes; ``exempt_methods`` the request methods it does
    not apply to (upper case; none: it covers every method). ``store`` is the
    user list a Basic or Digest check reads, as written (a file path), and
    ``store_origin`` the node that names it (``None``: no list is in effect).
    ``idle_reason``: where the check is declared but asks nobody for credentials
    by an omission of the config, why, in a few words fit for a message (nginx:
    no user list; Apache: no ``Require`` beside ``AuthType`` while the rules in
    effect grant every request); ``None`` where it runs, or is idle on purpose.
    """

    kind: AuthKind
    origin: Node | None
    enforced: bool
    known: bool
    target: str | None = None
    exempt_methods: frozenset[str] = frozenset()
    store: str | None = None
    store_origin: Node | None = None
    idle_reason: str | None = None


@dataclass(slots=True)
class Authentication:
    """Who checks credentials in a scope: its checks, and how they combine.

    ``any_suffices`` is true where passing any one access rule is enough
    (nginx ``satisfy any``, Apache ``<RequireAny>``), so a check may be
    skipped; ``known`` is false when an unread file could add or change a
    check. ``open_to_all`` is the access rule that admits every client without
    credentials where passing it suffices (nginx ``satisfy any`` with ``allow
    all``, Apache ``Require all granted`` beside ``Require valid-user`` in one
    ``<RequireAny>``, ``Satisfy Any`` with ``Allow from all``): no client is ever
    asked for the password; ``None`` where no such rule is known to be in effect.
    """

    checks: tuple[AuthCheck, ...]
    any_suffices: Setting[bool]
    known: bool
    open_to_all: Node | None = None

    def check(self, kind: AuthKind) -> AuthCheck | None:
        """The scope's check of ``kind``, if it has one."""
        for check in self.checks:
            if check.kind is kind:
                return check
        return None

    @property
    def basic(self) -> Setting[bool]:
        """Basic auth runs here (declared, with a user store where the format needs one)."""
        check = self.check(AuthKind.BASIC)
        if check is None:
            return Setting(False, None, self.known)
        return Setting(check.enforced, check.origin, check.known)

    @property
    def server_authenticates(self) -> Setting[bool]:
        """The server itself checks credentials here (any check that runs)."""
        for check in self.checks:
            if check.enforced and check.known:
                return Setting(True, check.origin, True)
        return Setting(False, None, self.known)

    @property
    def every_request_authenticated(self) -> bool:
        """Every request without valid credentials is refused before the response is made:
        a Basic or Digest check runs, and passing another access rule does not suffice."""
        refusing = any(
            check.kind in (AuthKind.BASIC, AuthKind.DIGEST) and check.enforced and check.known
            for check in self.checks
        )
        return refusing and not self.any_suffices.value

    @property
    def cacheable_requests_carry_authorization(self) -> bool:
        """Every ``GET`` the server answers here carries ``Authorization``: a Basic or
        Digest check that covers ``GET`` refuses those without it, and passing another
        access rule does not suffice (a cookie or a subrequest's check leaves the header
        out)."""
        refusing = any(
            check.kind in (AuthKind.BASIC, AuthKind.DIGEST)
            and check.enforced
            and check.known
            and "GET" not in check.exempt_methods
            for check in self.checks
        )
        return refusing and not self.any_suffices.value


def shared_cache_stores(cache_control: str, authorization: bool, lifetime: bool = False) -> bool:
    """Whether a shared cache may store an answer that says ``Cache-Control:
    cache_control`` and serve it again, where the request carried ``Authorization`` or
    not, and the server adds a lifetime of its own (``lifetime``: nginx ``expires``,
    Apache ``mod_expires``) or not: never with ``private`` or ``no-store``; with
    ``Authorization`` only where it says ``public``, ``s-maxage`` or
    ``must-revalidate`` (RFC 9111 §3.5); without it, also with a lifetime."""
    if _NOT_SHARED.search(cache_control):
        return False
    if _STORED_DESPITE_AUTHORIZATION.search(cache_control):
        return True
    return not authorization and (lifetime or _LIFETIME.search(cache_control) is not None)


@dataclass(slots=True)
class ResponseHeader:
    """A response header the server adds; ``always``: also on the error answers it makes
    itself (nginx ``add_header ... always``, Apache ``Header always``); ``condition``:
    the condition it is added under, as written (Apache ``env=``, ``expr=``; empty: on
    every answer of its kind)."""

    name: str
    value: str
    always: bool
    origin: Node
    condition: str = ""

    def names(self) -> frozenset[str]:
        """The value read as a list of names (``Vary``, ``Access-Control-Allow-Headers``):
        split at commas and white space, in lower case."""
        return frozenset(_LISTED_NAME.findall(self.value.lower()))


@dataclass(frozen=True, slots=True)
class ResponseHeaders:
    """The headers a scope adds to responses, after inheritance.

    ``defined_in`` is the scope whose own list this is; ``discarded`` are the
    outer level's headers that this scope's own list replaced (formats that
    merge lists discard none). ``on_upstream_errors``: the headers without
    ``always`` are added to every answer the upstream makes, its errors too
    (Apache's onsuccess table), not to 2xx and 3xx answers only (nginx).
    """

    entries: tuple[ResponseHeader, ...]
    defined_in: Scope | None
    discarded: tuple[ResponseHeader, ...]
    known: bool
    on_upstream_errors: bool = False

    def named(self, name: str) -> tuple[ResponseHeader, ...]:
        wanted = name.lower()
        return tuple(entry for entry in self.entries if entry.name.lower() == wanted)


class RequestsAnswered(str, Enum):
    """Which requests a scope's own configuration answers, as far as the config shows:
    only CORS preflights (``OPTIONS``), never them, or either."""

    PREFLIGHTS = "preflights"
    OTHERS = "others"
    ANY = "any"


class OriginKind(str, Enum):
    """How a scope chooses the ``Access-Control-Allow-Origin`` value."""

    WILDCARD = "wildcard"
    LITERAL = "literal"
    REFLECTED = "reflected"
    SELECTED = "selected"
    UNKNOWN = "unknown"


class RegexDialect(str, Enum):
    """The regex syntax an origin pattern is written in (each format adds its own:
    RE2 for Envoy, Go's for Traefik, globs for CloudFront)."""

    PCRE = "pcre"


@dataclass(frozen=True, slots=True)
class OriginFilter:
    """A test the request's Origin passes before it is echoed: an exact value or a regex.

    ``origin`` is the node that holds it (an nginx ``map`` line or ``if``).
    ``whole``: what is echoed is the text the regex matched (Apache's ``$0``), so
    an origin passes only where the regex matches all of it (browsers compare the
    whole value).
    """

    pattern: str
    regex: bool
    ignore_case: bool
    origin: Node
    dialect: RegexDialect
    whole: bool = False


@dataclass(frozen=True, slots=True)
class AllowedOrigin:
    """One ``Access-Control-Allow-Origin`` header and how its value is chosen.

    ``REFLECTED``: the request's ``Origin`` is echoed whatever it is;
    ``fallback`` is then the node whose default echoes it, where a lookup
    table decides (an nginx ``map``). ``SELECTED``: it is echoed only when it
    passes one of ``filters`` (the allow-list, for rules to judge).
    """

    header: ResponseHeader
    kind: OriginKind
    filters: tuple[OriginFilter, ...] = ()
    fallback: Node | None = None


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """The CORS response headers of a scope, read from its response headers.

    ``credentials``: some answer carries ``Access-Control-Allow-Credentials:
    true``, written so or held by a variable that can be ``true`` there.
    ``answers``: whether the scope answers preflights, other requests or both
    (browsers read some headers on one kind only).
    """

    allowed_origins: tuple[AllowedOrigin, ...]
    allow_credentials: tuple[ResponseHeader, ...]
    allow_headers: tuple[ResponseHeader, ...]
    allow_methods: tuple[ResponseHeader, ...]
    expose_headers: tuple[ResponseHeader, ...]
    vary: tuple[ResponseHeader, ...]
    known: bool
    credentials: bool = False
    answers: RequestsAnswered = RequestsAnswered.ANY


@dataclass(frozen=True, slots=True)
class CacheLifetime:
    """How long the server's cache keeps answers of some statuses (or ``any``)."""

    statuses: tuple[str, ...]
    time: str
    origin: Node


@dataclass(frozen=True, slots=True)
class UnprovenUser:
    """A part of a cache key that tells users apart by a name nothing proves.

    ``value`` is the request value as the format writes it (``$remote_user``,
    ``$http_x_user``) and ``origin`` the node that brings it into the key (the
    key itself, or a variable's definition on the way). ``client_written``: a
    header, cookie or query argument named for the user, which the client
    writes as it likes; otherwise the user name of a credential whose password
    no check verifies there. ``reason`` says why, in a few words fit for a
    message.
    """

    value: str
    origin: Node
    client_written: bool
    reason: str


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """The cache of a scope's upstream answers (nginx ``proxy_cache``, Apache ``mod_cache``).

    ``store`` names where answers are kept (``None``: not cached). ``key``
    is the key as written (``None`` when there is no default and none is
    set), and ``key_per_user`` whether it holds the client's credential
    (``None``: unknown). ``skip_lookup`` and ``skip_store`` are the
    conditions under which a request does not read the cache, or its answer
    is not stored, each with whether one of them changes with the client's
    credentials. ``lifetimes`` say which statuses are kept for how long by
    the server's own say; ``ignored_headers`` the upstream's response headers
    the cache disregards (lower case); ``methods`` the methods it caches.
    ``setting_names`` are the format's own names for the key and the
    store-skipping setting, for messages about one that is missing.
    ``unproven_user`` are the parts of the key that name the user without
    proof, where they are all that tells users apart (empty when the key
    also holds a credential, or a name the server verified): another client
    writes the same name and reads that user's entry. ``skipped_access`` is
    an access rule the cache answers before (``None``: it answers after the
    server's access checks, or none refuses a request it could serve), and
    ``replayed_cookies`` the upstream's cookies it stores and replays (``None``:
    it keeps none, or the config does not show the upstream sets any).
    ``stored_private`` are the settings that make it store answers the upstream
    marks as meant for one user, where requests that reach it are stored.
    """

    store: Setting[str | None]
    key: Setting[str | None]
    key_per_user: bool | None
    skip_lookup: Setting[tuple[str, ...]]
    skip_lookup_on_credentials: bool | None
    skip_store: Setting[tuple[str, ...]]
    skip_store_on_credentials: bool | None
    lifetimes: Setting[tuple[CacheLifetime, ...]]
    ignored_headers: Setting[frozenset[str]]
    methods: Setting[frozenset[str]]
    setting_names: CacheSettingNames
    unproven_user: tuple[UnprovenUser, ...] = ()
    skipped_access: SkippedAccess | None = None
    replayed_cookies: ReplayedCookies | None = None
    stored_private: tuple[StoredPrivate, ...] = ()


@dataclass(frozen=True, slots=True)
class SkippedAccess:
    """An access rule the cache does not apply to the answers it serves.

    The cache answers from its entries before the server's access checks run
    (httpd's quick handler, set up by ``cache_first``), and ``rule`` lets some
    requests through whose answers the cache stores, while refusing others:
    an answer stored for a request it let through is served to the ones it
    refuses. ``admitted`` says which request it lets through, as a message
    says it (``a request it lets through (without `Authorization`)``).
    """

    rule: Node
    cache_first: Node
    admitted: str


@dataclass(frozen=True, slots=True)
class ReplayedCookies:
    """The upstream's cookies, stored by the cache with the answers that set them and
    replayed with every copy it serves.

    ``shown_by`` is the setting that shows the upstream sets cookies here (one
    that rewrites its ``Set-Cookie``), ``stored_by`` the cache setting that keeps
    them (the one that turns the cache on, where no list of headers to leave
    out is written).
    """

    shown_by: Node
    stored_by: Node


@dataclass(frozen=True, slots=True)
class StoredPrivate:
    """A cache setting that stores the upstream's answers marked as meant for one user.

    ``setting`` overrides the upstream's ``mark`` (the ``Cache-Control`` directive as
    HTTP writes it: ``private``, ``no-store``), so such an answer, given to one client,
    is stored and served to others; ``stored_by`` is the setting that turns the cache
    on there. ``credentials_removed_by``: where every request carries credentials, the
    setting that removes them before the cache decides whether to store the answer
    (``None`` where some requests come without).
    """

    setting: Node
    mark: str
    stored_by: Node
    credentials_removed_by: Node | None = None


@dataclass(frozen=True, slots=True)
class CacheSettingNames:
    """A format's names for the cache settings a message may say are missing."""

    key: str
    skip_store: str


@dataclass(frozen=True, slots=True)
class HeaderLimits:
    """The largest request header line a hop accepts from clients, in bytes (line ending
    included), and the largest header block it accepts from its upstream.

    ``request_line``'s origin is the setting that decides it, where one does;
    ``request_line_default`` is what the format accepts when nothing is set,
    and ``refusal`` the answer a longer line gets, as messages quote it.
    """

    request_line: Setting[int | None]
    request_line_default: int
    refusal: str
    upstream_response: Setting[int | None]
    # What the format holds when nothing is set, and what it logs when the
    # upstream's headers do not fit (the request then fails).
    upstream_response_default: int | None = None
    upstream_refusal: str = ""


@dataclass(frozen=True, slots=True)
class RefusedBuffers:
    """Upstream buffers in effect at a hop that its server refuses to load (the
    config test fails), for one kind of upstream.

    ``origin`` is the innermost setting written that takes part; ``values`` says
    what the server computes, defaults derived from other settings included,
    and ``error`` is the server's own refusal, as messages quote them.
    ``known`` is false when an unread file could change one of the values.
    """

    origin: Node
    values: str
    error: str
    known: bool


@dataclass(frozen=True, slots=True)
class IgnoredLimit:
    """A header limit written at a level that the server ignores, with its own
    ``warning``; ``in_effect`` is the limit that applies instead, as messages say it."""

    origin: Node
    warning: str
    in_effect: str


@dataclass(frozen=True, slots=True)
class PartlyAppliedLimit:
    """A header limit written at a host that the server applies only in part on one of
    its listen addresses: that address's default host reads the request until the
    request names its host.

    ``listen`` is the address as messages name it and ``decided_by`` its default
    host; ``in_effect`` says what that host's limit does, and ``applies`` what is
    left of the limit written, both as messages say them.
    """

    origin: Node
    listen: str
    decided_by: Scope
    in_effect: str
    applies: str


@dataclass(frozen=True, slots=True)
class ServedFile:
    """How a host answers a request for a file of its disk (``None``: it does not send it).

    ``url`` is the path that maps to the file and ``folder`` the setting that
    serves the folder holding it (nginx ``root``/``alias``, Apache
    ``DocumentRoot``/``Alias``); ``authentication`` is what the request meets.
    ``denied_by`` is the setting that refuses the request to every client (nginx
    ``deny all``, Apache ``Require all denied`` in a ``<Files>`` section);
    ``None``: its bytes are sent. ``known`` is false when an unread file or a
    pattern authlint cannot read could change the answer, or where the server's
    own main configuration, not read, may refuse it (Debian's and RHEL's deny
    ``.ht*`` files).
    """

    url: str
    folder: Node
    authentication: Authentication
    denied_by: Node | None
    known: bool


@dataclass(frozen=True, slots=True)
class Transport:
    """How clients reach the requests of a scope's host.

    ``plain`` is the address the host takes plain-HTTP requests on from other
    machines (nginx ``listen 80``, Apache ``<VirtualHost *:80>`` without
    ``SSLEngine on``; ``None``: none, or loopback only), ``tls`` one it takes
    TLS on. ``answered_first`` is the setting that answers every request of the
    scope before any credentials are asked for: a redirect (nginx ``return 301
    https://...``, Apache ``Redirect / https://...``), or another answer the
    server makes first (nginx ``return``, Apache ``SSLRequireSSL``). ``known`` is
    false where an unread file or a redirect for some requests only (``if
    ($scheme = http)``, ``RewriteCond %{HTTPS} off``) could change one of them.
    """

    plain: Node | None
    tls: Node | None
    answered_first: Node | None
    known: bool


@dataclass(frozen=True, slots=True)
class Route:
    """The scope that answers a request (``None``: none does).

    ``known`` is false when the choice could not be made for sure (a regex
    that could not be tried, an unread file that could add a route);
    ``redirects``: the server answers with a redirect itself, under
    ``scope``'s settings, and passes nothing on.
    """

    scope: Scope | None
    known: bool
    redirects: bool = False


class Settings(Protocol):
    """What a format computes for each scope: what the server does there.

    ``Facet`` groups the members; a format that provides a facet fills its
    members with meaning, and a format that lacks one gives the neutral value
    (nothing added, nothing cached).
    """

    # Routing
    @property
    def upstream(self) -> Upstream | None:
        """Who answers requests here; ``None`` above the level that routes them."""

    def route(self, path: str) -> Route:
        """The scope of this scope's host that answers a request for ``path``."""

    @property
    def exact_path(self) -> str | None:
        """The one path this route answers (``None``: it answers more than one, or it is
        no route)."""

    @property
    def upstream_route(self) -> Route | None:
        """Where the upstream is this same server (a loopback address it listens on): the
        scope that answers the request passed on; ``None`` otherwise."""

    @property
    def subrequests_only(self) -> bool:
        """Only the server's own subrequests and internal redirects reach this scope."""

    @property
    def transport(self) -> Transport | None:
        """How clients reach this scope's requests (``None`` above the host level)."""

    def served_file(self, path: str) -> ServedFile | None:
        """How this host (a host scope, or a server without hosts) answers a request for
        the file at ``path``, absolute on the server's disk; ``None`` where none of its
        served folders holds it or what answers it sends no file (a proxy, a script)."""

    @property
    def served_folders(self) -> frozenset[str]:
        """The folders (absolute, without a trailing slash) that :meth:`served_file` maps
        URLs to: a file outside all of them is never sent by this host (empty: not a
        host, or it serves no folder)."""

    # Forwarding
    @property
    def request_headers(self) -> RequestHeaders | None: ...

    @property
    def authorization(self) -> AuthorizationForwarding | None: ...

    def credentials_sent_upstream(self) -> tuple[HeaderEntry, ...]:
        """The header entries that send the client's credentials upstream, as the config
        shows it (not the header the client sends itself)."""

    # Authentication
    @property
    def authentication(self) -> Authentication: ...

    @property
    def outer_scope(self) -> Scope | None:
        """The scope whose settings this scope's are merged onto: the level around it
        (nginx), the section httpd merges just before it (Apache); ``None`` at the top."""

    @property
    def authenticates_some_methods(self) -> Setting[bool]:
        """Credentials are checked here for some methods at least."""

    @property
    def preflight_answered_by(self) -> Node | None:
        """What answers a CORS preflight (``OPTIONS``) before authentication, if anything."""

    @property
    def credential_tests(self) -> tuple[Node, ...]:
        """The settings that test the request's credential (a session cookie,
        ``Authorization``) on its way through this scope: the config reads it, so what
        answers uses it."""

    @property
    def credential_evidence(self) -> CredentialEvidence:
        """Whether this scope's answer can depend on the client's credentials, and why
        (:func:`authlint.model.evidence.credential_evidence`, from the members above and
        the CORS and cache ones)."""

    # Response headers and CORS
    @property
    def response_headers(self) -> ResponseHeaders: ...

    @property
    def hidden_upstream_headers(self) -> Setting[frozenset[str]]:
        """The upstream's response headers not passed to the client (lower case)."""

    @property
    def added_freshness(self) -> Setting[bool]:
        """The server gives its answers here a lifetime that lets caches store them
        (nginx ``expires 1h``; the origin is the setting that does): a ``max-age``, which
        lets no shared cache store an answer to a request with ``Authorization``
        (:func:`shared_cache_stores`)."""

    @property
    def cors(self) -> CorsPolicy: ...

    # Caching
    @property
    def cache_store(self) -> Setting[str | None]:
        """Where the cache keeps answers here (``None``: not cached): cheaper than
        :attr:`cache`, for rules that first ask whether anything is cached."""

    @property
    def cache(self) -> CachePolicy | None: ...

    # Header limits
    @property
    def header_limits(self) -> HeaderLimits: ...

    @property
    def refused_buffers(self) -> tuple[RefusedBuffers, ...]:
        """The upstream buffer sets in effect here that the server refuses to load."""

    @property
    def ignored_limits(self) -> tuple[IgnoredLimit, ...]:
        """The header limits written at this level that the server ignores."""

    @property
    def partly_applied_limits(self) -> tuple[PartlyAppliedLimit, ...]:
        """The header limits written at this host that the server applies only in part,
        because another host of the same listen address reads the request first."""

    @property
    def auth_answer_credentials(self) -> tuple[Node, ...]:
        """The settings that keep a credential (a token, a cookie, ``Authorization``) the
        answer to this scope's authentication subrequest carries in its headers."""
