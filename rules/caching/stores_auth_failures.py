from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.caching import caching_scopes, per_user

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace

_AUTH_FAILURES = frozenset({"401", "403"})


class StoresAuthFailures(Rule):
    """`*_cache_valid any` or a `401`/`403` entry: authentication failures are cached.

    ## What it does
    Finds `proxy_cache_valid` (or the fastcgi, uwsgi and scgi ones) with
    `any`, `401` or `403` in a cache whose key does not hold the client's
    credential, where the config shows that credentials matter: nginx checks
    them, or they reach an upstream that uses them (CORS with credentials or
    `Authorization`, a credential sent, tested or read by the cache). A cache
    in front of a public upstream is left alone.

    ## Why is this bad?
    The upstream's 401 or 403 is stored under the URL. A user whose token had
    expired logs in again and still gets the cached 401 until it expires, and
    so does everyone else who asks for that URL: one failed request locks the
    page for all.

    ## Example
    ```nginx
    proxy_cache pages;
    proxy_cache_valid any 10m;
    ```

    ## Use instead
    ```nginx
    proxy_cache pages;
    proxy_cache_valid 200 301 302 10m;
    proxy_cache_valid 404 1m;
    ```
    """

    id = "AL403"
    name = "cache-stores-auth-failures"
    severity = Severity.WARNING
    summary = "401 and 403 answers are cached: fixed credentials keep getting the stale 401."
    fix = (
        "List the statuses to cache (200, 301, 302, 404) instead of all of them; never 401 or 403."
    )
    reference_url = None
    tags = ("caching", "nginx")
    needs = frozenset({Facet.CACHE, Facet.CACHE_CONDITIONS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cache in caching_scopes(workspace):
            reason = scope.settings.credential_evidence.reason
            # Requests with credentials that skip the lookup never get the stale 401.
            if reason is None or cache.skip_lookup_on_credentials:
                continue
            if per_user(scope, cache) is not False:
                continue
            for valid in cache.lifetimes.value:
                statuses = set(valid.statuses)
                if "any" in statuses:
                    covered = "every status, 401 and 403 among them,"
                elif statuses & _AUTH_FAILURES:
                    covered = " and ".join(sorted(statuses & _AUTH_FAILURES))
                else:
                    continue
                if not once.first(valid.origin):
                    continue
                yield self.finding(
                    valid.origin,
                    f"`{valid.origin.name} {' '.join(valid.origin.args)}` caches {covered} "
                    f"answers of `{scope.label}` ({reason.describe()}) under a key without "
                    "the credential: after "
                    f"one failed request, everyone gets the stale 401 or 403 for {valid.time}",
                )
