from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import AuthKind, Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.caching import per_user

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class AuthRequestCacheShared(Rule):
    """The `auth_request` subrequest is cached under a key without the credential.

    ## What it does
    Follows each `auth_request` URI to the location that answers it and
    reports that location's cache when its key does not hold the client's
    credential (`$http_authorization`, the session cookie) and requests with
    credentials do not skip it (`proxy_cache_bypass` and `proxy_no_cache`).

    ## Why is this bad?
    The auth service's verdict is cached per URI, not per user: once one user
    is allowed, the cached "200 allowed" lets every later request through,
    with or without credentials. It is an authorization bypass.

    ## Example
    ```nginx
    location = /_auth {
        internal;
        proxy_cache auth;
        proxy_cache_valid 200 5m;
        proxy_pass http://auth/verify;
    }
    ```

    ## Use instead
    ```nginx
    location = /_auth {
        internal;
        proxy_cache auth;
        proxy_cache_valid 200 5m;
        proxy_cache_key $http_authorization$cookie_session;
        proxy_pass http://auth/verify;
    }
    ```
    """

    id = "AL406"
    name = "auth-request-cache-shared"
    severity = Severity.ERROR
    summary = (
        "An auth subrequest's verdict is cached for everyone: one user's 'allowed' lets all in."
    )
    fix = "Key the auth cache on the credential (the Authorization header, the session cookie)."
    reference_url = None
    tags = ("security", "caching", "nginx")
    needs = frozenset({Facet.CACHE, Facet.AUTHENTICATION, Facet.ROUTING, Facet.CACHE_CONDITIONS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.answering_scopes():
            check = scope.settings.authentication.check(AuthKind.SUBREQUEST)
            if check is None or check.target is None or check.origin is None:
                continue
            answered = scope.settings.route(check.target)
            target = answered.scope
            # A redirected subrequest is answered by the server itself: nothing is cached.
            if target is None or not answered.known or answered.redirects:
                continue
            cache = target.settings.cache
            node = cache.store.origin if cache is not None else None
            if cache is None or not cache.store.value or node is None or once.seen(node):
                continue
            if per_user(target, cache) is not False or not once.first(node):
                continue
            yield self.finding(
                node,
                f"`{node.name} {node.arg(0)}` caches the answer of the `{check.origin.name}` "
                f"subrequest (`{check.origin.name} {check.target}` at {check.origin.where}) under "
                f"a key without the credential (`{cache.key.value}`): the first user allowed lets "
                "every later request in",
            )
