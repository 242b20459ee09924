"""Family 4: caches that serve one user's authenticated response, or a stale 401, to others."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.settings import CachePolicy
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace


def caching_scopes(
    workspace: Workspace, clients_only: bool = False
) -> list[tuple[Scope, CachePolicy]]:
    """Scopes whose upstream's answers the server caches (the store is known and in use).

    ``clients_only`` leaves out the scopes only the server's own subrequests
    reach (a cached JWKS, a token exchange), which answer no user.
    """
    return workspace.shared(_client_caches if clients_only else _caches)


def _caches(workspace: Workspace) -> list[tuple[Scope, CachePolicy]]:
    found = []
    for scope in workspace.forwarding_scopes():
        settings = scope.settings
        store = settings.cache_store
        if not store.value or not store.known:
            continue
        cache = settings.cache
        if cache is not None:
            found.append((scope, cache))
    return found


def _client_caches(workspace: Workspace) -> list[tuple[Scope, CachePolicy]]:
    return [
        (scope, cache)
        for scope, cache in workspace.shared(_caches)
        if not scope.settings.subrequests_only
    ]


def per_user(scope: Scope, cache: CachePolicy) -> bool | None:
    """Whether no user gets another's entry: the key holds the credential, or requests
    with one neither read the cache nor fill it (one of the two is enough where every
    request has one). ``None`` when an unread file, or an undefined variable, leaves it
    open."""
    if not (cache.key.known and cache.skip_lookup.known and cache.skip_store.known):
        return None
    keyed = cache.key_per_user
    if keyed:
        return True
    bypassed = cache.skip_lookup_on_credentials
    not_stored = cache.skip_store_on_credentials
    if bypassed and not_stored:
        return True
    # Where every request has credentials, either half is enough: nobody reads
    # the cache, or nothing is stored in it.
    if (bypassed or not_stored) and scope.settings.authentication.every_request_authenticated:
        return True
    if None in (keyed, bypassed, not_stored):
        return None
    return False


def written(node: Node) -> str:
    """A directive as a message quotes it, up to a trailing comment (Apache reads a `#`
    after the arguments as one more argument)."""
    args = node.args[: node.args.index("#")] if "#" in node.args else node.args
    return " ".join((node.name, *args))
