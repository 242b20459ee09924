"""The cache of an nginx scope's upstream answers (``proxy_cache``, ``fastcgi_cache``, ...).

- The proxy module keys on ``$scheme$proxy_host$request_uri`` by default (nginx
  1.22 was seen to key on ``http://host:port/uri``); fastcgi, uwsgi and scgi
  have no default key.
- ``*_cache_valid`` without statuses covers 200, 301 and 302.
- GET and HEAD are always cached, whatever ``*_cache_methods`` lists.
- ``$remote_user`` is the user name of any ``Authorization: Basic`` header,
  whether or not anything checks its password (nginx 1.22 was seen to fill it
  without ``auth_basic``, with ``auth_basic off``, without a user file, and
  under ``satisfy any`` for a client an ``allow`` rule let through). An
  ``auth_request`` subrequest gets the client's headers, ``Authorization``
  among them, unless its location removes it, and may check the password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from authlint.model.settings import (
    AuthKind,
    AuthorizationState,
    CacheLifetime,
    CachePolicy,
    CacheSettingNames,
    Setting,
    UnprovenUser,
    UpstreamKind,
)
from authlint.nginx.handlers import MODULE_PREFIX
from authlint.nginx.rewrite import true_by_credentials
from authlint.nginx.values import is_builtin_variable, variables_in
from authlint.nginx.variables import (
    DEPTH_LIMIT,
    any_credential,
    credential_in,
    is_credential_variable,
    names_user,
)

if TYPE_CHECKING:
    from authlint.model.settings import AuthCheck
    from authlint.model.tree import Node
    from authlint.nginx.settings import NginxSettings

_CACHING_KINDS = frozenset(
    {UpstreamKind.PROXY, UpstreamKind.FASTCGI, UpstreamKind.UWSGI, UpstreamKind.SCGI}
)
_PROXY_CACHE_KEY = "$scheme://$proxy_host$request_uri"
_CACHE_VALID_DEFAULT_STATUSES = ("200", "301", "302")


def cache_store(settings: NginxSettings) -> Setting[str | None]:
    """The cache zone in use; ``None``: off, or an upstream that cannot cache."""
    upstream = settings.upstream
    if upstream is None or upstream.kind not in _CACHING_KINDS:
        return Setting(None)
    return settings.single(f"{MODULE_PREFIX[upstream.kind]}_cache")


def cache(settings: NginxSettings) -> CachePolicy | None:
    """The upstream cache of this scope; ``None`` when the upstream cannot cache."""
    upstream = settings.upstream
    if upstream is None or upstream.kind not in _CACHING_KINDS:
        return None
    prefix = MODULE_PREFIX[upstream.kind]
    default_key = _PROXY_CACHE_KEY if upstream.kind is UpstreamKind.PROXY else None
    key = settings.single(f"{prefix}_cache_key", default_key)
    valid_found = settings.lookup(f"{prefix}_cache_valid")
    valid = tuple(
        CacheLifetime(tuple(node.args[:-1]) or _CACHE_VALID_DEFAULT_STATUSES, node.args[-1], node)
        for node in valid_found.nodes
        if node.args
    )
    ignored = settings.words(f"{prefix}_ignore_headers")
    methods = settings.words(f"{prefix}_cache_methods")
    bypass = settings.words(f"{prefix}_cache_bypass")
    no_cache = settings.words(f"{prefix}_no_cache")
    return CachePolicy(
        store=settings.cache_store,
        key=key,
        key_per_user=credential_in(settings, key.value, values_only=True) if key.value else False,
        skip_lookup=bypass,
        skip_lookup_on_credentials=_on_credentials(settings, bypass.value),
        skip_store=no_cache,
        skip_store_on_credentials=_on_credentials(settings, no_cache.value),
        lifetimes=Setting(valid, valid_found.nodes[0] if valid else None, valid_found.known),
        ignored_headers=Setting(
            frozenset(word.lower() for word in ignored.value), ignored.origin, ignored.known
        ),
        # nginx always caches GET and HEAD, whatever the list says.
        methods=Setting(
            frozenset({"GET", "HEAD", *(word.upper() for word in methods.value)}),
            methods.origin,
            methods.known,
        ),
        setting_names=CacheSettingNames(f"{prefix}_cache_key", f"{prefix}_no_cache"),
        unproven_user=unproven_user(settings, key) if settings.cache_store.value else (),
    )


def _on_credentials(settings: NginxSettings, conditions: tuple[str, ...]) -> bool | None:
    """Whether the skip conditions depend on the client's credentials: they hold one, or
    one is set by an ``if`` that tested credentials (``None``: unknown)."""
    found = [any_credential(settings, conditions)]
    found += [true_by_credentials(settings, item) for item in conditions]
    if True in found:
        return True
    return None if None in found else False


@dataclass(slots=True)
class _KeyParts:
    """What a key's variables come to: the names of users in it, each with the node that
    brings it in and whether the client writes it; whether it also holds a credential or
    a name an auth subrequest gave (``proven``); whether a variable could not be read."""

    named: list[tuple[str, Node, bool]] = field(default_factory=list)
    proven: bool = False
    unknown: bool = False


def unproven_user(settings: NginxSettings, key: Setting[str | None]) -> tuple[UnprovenUser, ...]:
    """The parts of the cache key that name the user without proof, where nothing else
    in it tells users apart (followed through ``set`` and ``map``)."""
    if not key.known or key.origin is None or not key.value or "$" not in key.value:
        return ()
    parts = _KeyParts()
    _read_key(settings, key.value, key.origin, parts, 0)
    if parts.proven or parts.unknown or not parts.named:
        return ()
    # A map's source read for its captures may name what a value named already.
    named = list(
        {
            (value, id(origin)): (value, origin, client) for value, origin, client in parts.named
        }.values()
    )
    basic_reason = ""
    if any(not client_written for _, _, client_written in parts.named):
        basic_reason = _password_unchecked(settings) or ""
        if not basic_reason:
            return ()  # the Basic name is checked: the key holds a verified user
    return tuple(
        UnprovenUser(
            value,
            origin,
            client_written,
            _client_written(value) if client_written else basic_reason,
        )
        for value, origin, client_written in named
    )


def _read_key(
    settings: NginxSettings, text: str, origin: Node, parts: _KeyParts, depth: int
) -> None:
    for name in variables_in(text):
        if name == "remote_user":
            parts.named.append(("$remote_user", origin, False))
        elif names_user(name):
            parts.named.append(("$" + name, origin, True))
        elif is_credential_variable(name):
            parts.proven = True
        elif depth >= DEPTH_LIMIT:
            parts.unknown = True
        else:
            definitions = settings.variable_definitions(name)
            parts.unknown = parts.unknown or not (definitions or is_builtin_variable(name))
            for definition in definitions:
                if definition.kind == "auth_request_set":
                    parts.proven = True  # what the auth subrequest answered
                elif definition.kind == "set":
                    _read_key(settings, definition.source, definition.origin, parts, depth + 1)
                else:
                    parts.unknown = parts.unknown or not definition.complete
                    values = [(entry.arg(0), entry) for entry in definition.entries]
                    values.append((definition.default, definition.origin))
                    for value, node in values:
                        _read_key(settings, value, node, parts, depth + 1)
                    # The mapped value shows through captures only.
                    if any(variables_in(value) for value, _ in values):
                        _read_key(settings, definition.source, definition.origin, parts, depth + 1)


def _password_unchecked(settings: NginxSettings) -> str | None:
    """Why nothing checks the password of the Basic credential whose user name
    ``$remote_user`` holds; ``None`` when something does, or may."""
    authentication = settings.authentication
    if not authentication.known or not authentication.any_suffices.known:
        return None
    basic = authentication.check(AuthKind.BASIC)
    others = [
        check
        for check in authentication.checks
        if check.kind is not AuthKind.BASIC and check.enforced and check.known
    ]
    if basic is not None and basic.enforced:
        # Under `satisfy any` a check that sees the credential may refuse it too.
        blind = [check for check in others if _subrequest_without_credentials(settings, check)]
        return _skipped_by_satisfy_any(settings, blind)
    if not all(_subrequest_without_credentials(settings, check) for check in others):
        return None  # another check sees the credential and may check the password
    reason = _no_basic_check(settings, basic)
    if others:
        reason += (
            f", and the auth subrequest to `{others[0].target}` gets no `Authorization` header"
        )
    return reason


def _skipped_by_satisfy_any(settings: NginxSettings, others: list[AuthCheck]) -> str | None:
    """Why a request may pass without the Basic check under ``satisfy any``: an ``allow``
    rule or one of ``others``, checks that never see the credential, admits it (``None``:
    nothing else admits a request)."""
    satisfy = settings.authentication.any_suffices
    if not satisfy.value or satisfy.origin is None:
        return None
    known, rule = _allow_rule(settings)
    if not known:
        return None
    if rule is not None:
        admitted = f"clients that `{rule.name} {' '.join(rule.args)}` admits"
    elif others and others[0].origin is not None:
        check = others[0].origin
        admitted = f"requests that `{check.name} {' '.join(check.args)}` admits"
    else:
        return None
    return (
        f"`{satisfy.origin.name} {' '.join(satisfy.origin.args)}` at {satisfy.origin.where} "
        f"lets {admitted} through without the password check"
    )


def _allow_rule(settings: NginxSettings) -> tuple[bool, Node | None]:
    """The first ``allow`` rule in effect, if any (the access rules of the nearest level
    with any replace the outer ones); false first when an unread file could add one."""
    for level in (settings.scope, *settings.scope.ancestors()):
        if level.may_set("allow") or level.may_set("deny"):
            return False, None
        allows, denies = level.own.get("allow", ()), level.own.get("deny", ())
        if allows or denies:
            return True, allows[0] if allows else None
    return True, None


def _subrequest_without_credentials(settings: NginxSettings, check: AuthCheck) -> bool:
    """An auth subrequest whose location removes the client's ``Authorization``: the
    service it asks never sees the password."""
    if check.kind is not AuthKind.SUBREQUEST or not check.target:
        return False
    route = settings.route(check.target)
    if not route.known or route.scope is None:
        return False
    forwarding = route.scope.settings.authorization
    return (
        forwarding is not None
        and forwarding.known
        and forwarding.state is AuthorizationState.REMOVED
    )


def _no_basic_check(settings: NginxSettings, basic: AuthCheck | None) -> str:
    if basic is not None and basic.origin is not None:
        node = basic.origin
        written = f"{node.name} {' '.join(node.args)}"
        return f"`{written}` at {node.where} has no user file, so it checks nothing"
    turned_off = settings.lookup("auth_basic").nodes
    if turned_off:
        node = turned_off[-1]
        return f"`{node.name} {' '.join(node.args)}` at {node.where} turns the Basic check off"
    return "no Basic check runs here"


def _client_written(value: str) -> str:
    """What the client writes to set ``value`` (a ``$http_``, ``$cookie_`` or ``$arg_``
    variable), as a message says it."""
    name = value.removeprefix("$")
    kind = names_user(name) or ""
    written = name.split("_", 1)[1]
    if kind == "request header":
        written = "-".join(word.capitalize() for word in written.split("_"))
    return f"a {kind} the client writes as it likes (`{written}`)"
