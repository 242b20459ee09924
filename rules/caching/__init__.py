"""Family 4: caches that serve one user's authenticated response, or a stale 401, to others."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import CachePolicy
    from authlint.model.workspace import Workspace

SOURCE_URL = "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_cache"


def caching_scopes(
    workspace: Workspace, clients_only: bool = False
) -> Iterator[tuple[Scope, CachePolicy]]:
    """Scopes whose upstream's answers nginx caches (the zone is known and not off).

    ``clients_only`` leaves out ``internal`` locations, which answer nginx's own
    subrequests (a cached JWKS, a token exchange) rather than users.
    """
    for scope in workspace.forwarding_scopes():
        settings = scope.settings
        zone = settings.cache_zone
        if not zone.value or not zone.known or (clients_only and settings.internal):
            continue
        cache = settings.cache
        if cache is not None:
            yield scope, cache


def per_user(scope: Scope, cache: CachePolicy) -> bool | None:
    """Whether no user gets another's entry: the key holds the credential, or requests
    with one do not read the cache and, unless every request has one, do not fill it
    either. ``None`` when an unread file, or an undefined variable, leaves it open."""
    if not (cache.key.known and cache.bypass.known and cache.no_cache.known):
        return None
    settings = scope.settings
    keyed = settings.carries_credential(cache.key.value) if cache.key.value else False
    if keyed:
        return True
    bypassed = any_credential(scope, cache.bypass.value)
    not_stored = any_credential(scope, cache.no_cache.value)
    if bypassed and (not_stored or every_request_authenticated(scope)):
        return True
    if None in (keyed, bypassed, not_stored):
        return None
    return False


def any_credential(scope: Scope, conditions: tuple[str, ...]) -> bool | None:
    """Whether one of the conditions depends on the client's credentials (``None``: unknown)."""
    results = [scope.settings.depends_on_credential(condition) for condition in conditions]
    if any(results):
        return True
    return None if None in results else False


def every_request_authenticated(scope: Scope) -> bool:
    """nginx refuses every request without Basic credentials before the cache."""
    authentication = scope.settings.authentication
    basic = authentication.basic
    return bool(basic.value and basic.known and authentication.satisfy.value == "all")


def who_authenticates(scope: Scope) -> str | None:
    """Why this scope's requests are authenticated, as the config shows it; ``None`` if not."""
    settings = scope.settings
    authenticates = settings.authenticates_some_methods
    if authenticates.value and authenticates.origin is not None:
        return f"nginx's `{authenticates.origin.name}` at {authenticates.origin.where}"
    sent = settings.credentials_sent_upstream()
    if sent:
        entry = sent[0]
        return f"`{entry.origin.name} {entry.name}` at {entry.origin.where} sends credentials"
    return None
