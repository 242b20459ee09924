from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.evidence import EvidenceKind
from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.caching import caching_scopes, per_user

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.settings import CachePolicy
    from authlint.model.workspace import Workspace

# Headers by which the upstream decides what nginx may cache.
_FRESHNESS_HEADERS = frozenset({"cache-control", "expires", "x-accel-expires"})


class SharedAcrossUsers(Rule):
    """A cache on an authenticated scope, keyed and filled the same for every user.

    ## What it does
    Finds `proxy_cache` (or `fastcgi_cache`, `uwsgi_cache`, `scgi_cache`) in a
    scope whose requests are authenticated, by nginx (`auth_basic`,
    `auth_request`) or by an upstream that the config shows uses the
    client's credentials (sent or tested by the config, or allowed by CORS),
    when the
    cache key holds no credential (`$http_authorization`, `$remote_user`, a
    session cookie) and requests with credentials do not skip the cache with
    both `proxy_cache_bypass` and `proxy_no_cache` (either alone is enough
    behind Basic auth with `satisfy all`, where every request has
    credentials: nobody reads the cache, or nothing is stored). It stays silent where
    caching is left to the upstream (no `proxy_cache_valid`, and its
    `Cache-Control` obeyed): an app that marks private pages
    `Cache-Control: private` keeps them out; and in `internal` locations,
    which answer nginx's own subrequests (AL406 covers the `auth_request` one).

    ## Why is this bad?
    nginx does not look at `Authorization` or cookies when it caches: the
    first user's page is stored under the URL and served to the next user who
    asks for it.

    ## Example
    ```nginx
    location /account/ {
        auth_request /_auth;
        proxy_cache pages;
        proxy_cache_valid 200 10m;
        proxy_pass http://app;
    }
    ```

    ## Use instead
    ```nginx
    location /account/ {
        auth_request /_auth;
        proxy_cache pages;
        proxy_cache_valid 200 10m;
        proxy_cache_key $scheme$host$request_uri$cookie_session;
        proxy_pass http://app;
    }
    ```
    """

    id = "AL401"
    name = "cache-shared-across-users"
    severity = Severity.ERROR
    summary = "Authenticated responses are cached under one key for all users."
    fix = (
        "Put the credential in the cache key, or skip the cache, both reading and storing, "
        "for requests with credentials."
    )
    reference_url = None
    tags = ("security", "caching", "nginx")
    needs = frozenset({Facet.CACHE, Facet.AUTHENTICATION, Facet.FORWARDING, Facet.CACHE_CONDITIONS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cache in caching_scopes(workspace, clients_only=True):
            reason = scope.settings.credential_evidence.reason
            node = cache.store.origin
            # A cache skipped by the credential (the only sign) is AL402's.
            if reason is None or reason.kind is EvidenceKind.CACHE_BY_CREDENTIAL:
                continue
            if node is None:
                continue
            if (
                per_user(scope, cache) is not False
                or not _stores_unmarked_answers(cache)
                or not once.first(node)
            ):
                continue
            key = cache.key.value or "one entry for every URL"
            yield self.finding(
                node,
                f"`{node.name} {node.arg(0)}` caches the authenticated answers of "
                f"`{scope.label}` ({reason.describe()}) under a key without the credential "
                f"(`{key}`), and requests with credentials do not skip it: one user's response "
                "is served to the next",
            )


def _stores_unmarked_answers(cache: CachePolicy) -> bool:
    """The cache stores answers the upstream did not mark cacheable, as far as the config
    shows: a ``*_cache_valid`` lifetime, or the upstream's freshness headers ignored."""
    lifetimes, ignored = cache.lifetimes, cache.ignored_headers
    return bool(lifetimes.known and lifetimes.value) or bool(
        ignored.known and ignored.value & _FRESHNESS_HEADERS
    )
