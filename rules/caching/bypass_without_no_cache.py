from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.caching import caching_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class BypassWithoutNoCache(Rule):
    """`*_cache_bypass` on the credential without the matching `*_no_cache`.

    ## What it does
    Finds `proxy_cache_bypass` (or the fastcgi, uwsgi and scgi ones) with a
    condition on the client's credentials (`$http_authorization`, a session
    cookie) where `proxy_no_cache` has no such condition.

    ## Why is this bad?
    `proxy_cache_bypass` only stops nginx from answering from the cache; it
    still stores the upstream's answer. An authenticated request fetches the
    user's private page, nginx caches it, and the next anonymous request gets
    it. Both directives are needed: `proxy_no_cache` keeps it out.

    Not reported behind nginx's own Basic auth with `satisfy all`: there no
    request without credentials reaches the cache (AL401 judges that cache).

    ## Example
    ```nginx
    proxy_cache pages;
    proxy_cache_valid 200 10m;
    proxy_cache_bypass $http_authorization;
    ```

    ## Use instead
    ```nginx
    proxy_cache pages;
    proxy_cache_valid 200 10m;
    proxy_cache_bypass $http_authorization;
    proxy_no_cache $http_authorization;
    ```
    """

    id = "AL402"
    name = "cache-bypass-without-no-cache"
    severity = Severity.ERROR
    summary = "Authenticated requests skip the cache but their answers are still stored."
    fix = (
        "Keep the answers of requests with credentials out of the cache too, on the same condition."
    )
    reference_url = None
    tags = ("security", "caching", "nginx")
    needs = frozenset({Facet.CACHE, Facet.AUTHENTICATION, Facet.CACHE_CONDITIONS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cache in caching_scopes(workspace):
            node = cache.skip_lookup.origin
            if node is None or once.seen(node) or not cache.skip_store.known:
                continue
            if cache.skip_lookup_on_credentials is not True:
                continue
            if scope.settings.authentication.every_request_authenticated:
                continue
            if cache.skip_store_on_credentials is not False or not once.first(node):
                continue
            skip_store = cache.setting_names.skip_store
            yield self.finding(
                node,
                f"`{node.name}` skips the cache for requests with credentials in "
                f"`{scope.label}`, but no `{skip_store}` keeps their answers out of it: the "
                "user's page is stored and served to the next anonymous request",
                fields={
                    "skip_store_setting": skip_store,
                    "conditions": " ".join(cache.skip_lookup.value),
                },
            )
