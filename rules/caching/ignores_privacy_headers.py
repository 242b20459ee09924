from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import AuthorizationState, Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.caching import caching_scopes, per_user, who_authenticates

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.workspace import Workspace

# Upstream headers that keep private answers out of nginx's cache.
_PRIVACY_HEADERS = ("cache-control", "expires", "set-cookie", "vary", "x-accel-expires")


class IgnoresPrivacyHeaders(Rule):
    """`*_ignore_headers` drops the headers that keep private answers out of the cache.

    ## What it does
    Finds `proxy_ignore_headers` (or the fastcgi, uwsgi and scgi ones) listing
    `Cache-Control`, `Expires`, `Set-Cookie`, `Vary` or `X-Accel-Expires` in a
    cache on a scope whose requests carry credentials or cookies to the
    upstream, unless the cache key holds the credential or such requests skip
    the cache (`proxy_cache_bypass` and `proxy_no_cache`). `internal`
    locations, which answer nginx's own subrequests (a cached JWKS of the
    identity provider), are left out.

    ## Why is this bad?
    These headers are how the app says "private, do not store" (`Cache-Control:
    private`, `Set-Cookie`, `Vary: Cookie`). Ignored, the answer to one user's
    cookie is stored and served to everyone; with `Set-Cookie` ignored and not
    hidden, the first user's session cookie itself is replayed to the next
    visitors, who are then logged in as them.

    ## Example
    ```nginx
    location / {
        proxy_cache pages;
        proxy_ignore_headers Cache-Control Set-Cookie;
        proxy_pass http://app;
    }
    ```

    ## Use instead
    ```nginx
    location / {
        proxy_cache pages;
        proxy_cache_bypass $cookie_session $http_authorization;
        proxy_no_cache $cookie_session $http_authorization;
        proxy_pass http://app;
    }
    ```
    """

    id = "AL404"
    name = "cache-ignores-privacy-headers"
    severity = Severity.ERROR
    summary = "The cache ignores the headers that keep private answers and session cookies out."
    fix = (
        "Stop ignoring them, or skip the cache, both reading and storing, for requests with "
        "credentials."
    )
    reference_url = None
    tags = ("security", "caching", "nginx")
    needs = frozenset({Facet.CACHE, Facet.AUTHENTICATION, Facet.FORWARDING})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cache in caching_scopes(workspace, clients_only=True):
            node = cache.ignored_headers.origin
            ignored = [name for name in _PRIVACY_HEADERS if name in cache.ignored_headers.value]
            if node is None or not ignored or once.seen(node):
                continue
            carried = _credentials_carried(scope)
            if carried is None or per_user(scope, cache) is not False or not once.first(node):
                continue
            hidden = scope.settings.hidden_upstream_headers.value
            replay = ""
            if "set-cookie" in ignored and "set-cookie" not in hidden:
                replay = ", and the first visitor's `Set-Cookie` is replayed to the next ones"
            yield self.finding(
                node,
                f"`{node.name}` drops `{', '.join(ignored)}` for `{scope.label}`, whose requests "
                f"carry {carried} to the upstream: answers meant for one user are cached and "
                f"served to everyone{replay}",
            )


def _credentials_carried(scope: Scope) -> str | None:
    """What credentials this scope's requests bring to the upstream, if any."""
    why = who_authenticates(scope)
    if why is not None:
        return f"credentials ({why})"
    authorization = scope.settings.authorization
    headers = scope.settings.request_headers
    if authorization is None or headers is None or not authorization.known:
        return None
    cookie_cleared = any(
        entry.name.lower() == "cookie" and not entry.value for entry in headers.entries
    )
    passes = authorization.state is AuthorizationState.PASSES
    if not headers.pass_client_headers.value or (cookie_cleared and not passes):
        return None
    return "the client's cookies" if not passes else "the client's cookies and `Authorization`"
