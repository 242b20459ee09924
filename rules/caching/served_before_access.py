from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import qualified, server_name
from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.caching import caching_scopes, written

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class ServedBeforeAccess(Rule):
    """The cache answers before the access checks of a path it caches.

    ## What it does
    Finds, on Apache httpd, `mod_cache` running as a quick handler
    (`CacheQuickHandler On`, the default) in front of a path whose access rules
    let some requests through without an `Authorization` header and refuse
    others: `Require ip`, `Require host`, `Require env`, `Require expr`,
    `Satisfy Any` with `Allow`, or a cookie login (`AuthType form`,
    `openid-connect`, `shibboleth`, `cas`, `mellon`) asked for by `Require
    valid-user`. Paths behind Basic or Digest credentials alone are left out:
    the quick handler neither serves nor stores a request that carries
    `Authorization`.

    ## Why is this bad?
    The quick handler answers from the cache before httpd maps the URL to its
    sections, so before any `Require` runs. Once a request the rules let
    through (from an allowed address, with the session cookie) has had its
    answer stored, the same URL is served from the cache to anyone, the
    clients the rules refuse included. A `CacheDisable on` inside the
    protected `<Location>` does not help: the quick handler does not read it.

    ## Example
    ```apache
    CacheEnable disk /
    <Location /internal>
        Require ip 10.0.0.0/8
    </Location>
    ProxyPass /internal http://127.0.0.1:8080/internal
    ```

    ## Use instead
    ```apache
    CacheEnable disk /
    CacheQuickHandler Off
    <Location /internal>
        Require ip 10.0.0.0/8
    </Location>
    ProxyPass /internal http://127.0.0.1:8080/internal
    ```
    """

    id = "AL409"
    name = "cache-served-before-access"
    severity = Severity.ERROR
    summary = "The cache serves a restricted path's stored answers before access is checked."
    fix = (
        "Have the cache answer after the access checks, or keep the restricted path out of "
        "the cache."
    )
    reference_url = None
    tags = ("security", "caching", "apache")
    needs = frozenset({Facet.CACHE, Facet.AUTHENTICATION, Facet.EARLY_CACHE})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cache in caching_scopes(workspace, clients_only=True):
            skipped = cache.skipped_access
            if skipped is None or not once.first(skipped.rule):
                continue
            rule, first = skipped.rule, skipped.cache_first
            # The finding rests on the cache's setting too: its conditions are said.
            yield self.finding(
                rule,
                qualified(
                    first,
                    f"`{written(rule)}` does not guard the cached answers of "
                    f"`{scope.label}`: `{written(first)}` at {first.where} "
                    f"serves them before {server_name(scope.format)} checks access: once an "
                    f"answer to {skipped.admitted} is stored (the backend lets the cache keep "
                    "it), everyone the rule refuses gets it",
                ),
            )
