"""Family 4: caches that serve one user's authenticated response, or a stale 401, to others."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import CachePolicy
    from authlint.model.workspace import Workspace

SOURCE_URL = "https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_cache"


def caching_scopes(workspace: Workspace) -> Iterator[tuple[Scope, CachePolicy]]:
    """Scopes whose upstream's answers nginx caches (the zone is known and not off)."""
    for scope in workspace.forwarding_scopes():
        cache = scope.settings.cache
        if cache is not None and cache.zone.value and cache.zone.known:
            yield scope, cache


def per_user(scope: Scope, cache: CachePolicy) -> bool | None:
    """Whether no user gets another's entry: the key holds the credential, or requests
    with one do not read the cache and, unless every request has one, do not fill it
    either. ``None`` when an unread file could say otherwise."""
    if not (cache.key.known and cache.bypass.known and cache.no_cache.known):
        return None
    settings = scope.settings
    if cache.key.value and settings.carries_credential(cache.key.value):
        return True
    bypassed = any(settings.depends_on_credential(word) for word in cache.bypass.value)
    not_stored = any(settings.depends_on_credential(word) for word in cache.no_cache.value)
    return bypassed and (not_stored or every_request_authenticated(scope))


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
