from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.caching import caching_scopes, per_user

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace

# Upstream headers that keep private answers out of nginx's cache.
_PRIVACY_HEADERS = ("cache-control", "expires", "set-cookie", "vary", "x-accel-expires")


class IgnoresPrivacyHeaders(Rule):
    """`*_ignore_headers` drops the headers that keep private answers out of the cache.

    ## What it does
    Finds `proxy_ignore_headers` (or the fastcgi, uwsgi and scgi ones) listing
    `Cache-Control`, `Expires`, `Set-Cookie`, `Vary` or `X-Accel-Expires` in a
    cache on a scope whose requests carry credentials to an upstream that the
    config shows uses them (nginx checks them, or they reach the upstream and
    CORS allows credentials or `Authorization`, the config sends or tests
    them, or the cache reads them), unless the cache key holds the
    credential or such requests skip
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
    needs = frozenset({Facet.CACHE, Facet.AUTHENTICATION, Facet.FORWARDING, Facet.CACHE_CONDITIONS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cache in caching_scopes(workspace, clients_only=True):
            node = cache.ignored_headers.origin
            ignored = [name for name in _PRIVACY_HEADERS if name in cache.ignored_headers.value]
            if node is None or not ignored or once.seen(node):
                continue
            reason = scope.settings.credential_evidence.reason
            if reason is None or per_user(scope, cache) is not False or not once.first(node):
                continue
            hidden = scope.settings.hidden_upstream_headers.value
            replay = ""
            if "set-cookie" in ignored and "set-cookie" not in hidden:
                replay = ", and the first visitor's `Set-Cookie` is replayed to the next ones"
            yield self.finding(
                node,
                f"`{node.name}` drops `{', '.join(ignored)}` for `{scope.label}`, whose requests "
                f"carry credentials to the upstream ({reason.describe()}): answers meant for "
                "one user are cached and "
                f"served to everyone{replay}",
            )
