from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import qualified, server_name
from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.caching import caching_scopes, written

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class StoresPrivate(Rule):
    """The cache stores the answers the backend marks `private` or `no-store`.

    ## What it does
    Finds, on Apache httpd, `CacheStorePrivate On` or `CacheStoreNoStore On`
    in effect (written in the server, the virtual host or a section around the
    URL; the innermost wins) for a URL that `mod_cache` caches and that
    requests without `Authorization` reach: sessions kept in cookies, or no
    login at all. Paths whose every request carries Basic or Digest
    credentials are left out: mod_cache stores no answer to such a request
    unless it says `public`, `s-maxage` or `must-revalidate`, and a `private`
    one is not stored there even with `CacheStorePrivate On`. They are
    reported where the cache runs as a handler (`CacheQuickHandler Off`) and
    `RequestHeader unset Authorization` removes the credentials before it
    decides: it then stores one user's page and serves it to the next.

    Not reported: `CacheIgnoreCacheControl On`. It is about the request's
    `Cache-Control` (a client's `no-cache` no longer bypasses the cache); an
    answer marked `private` is still not stored under it (seen on httpd).

    ## Why is this bad?
    `Cache-Control: private` and `no-store` are how the backend says an answer
    is meant for the one user who asked: their account page, their orders.
    With these settings on, mod_cache stores that answer under its URL and
    serves it to the next client who asks for the URL, logged in as someone
    else or not at all.

    ## Example
    ```apache
    CacheEnable disk /
    CacheStorePrivate On
    ProxyPass / http://127.0.0.1:8080/
    ```

    ## Use instead
    ```apache
    CacheEnable disk /
    ProxyPass / http://127.0.0.1:8080/
    ```
    """

    id = "AL411"
    name = "cache-stores-private"
    severity = Severity.ERROR
    summary = (
        "The cache stores answers the backend marks private or no-store and serves them to others."
    )
    fix = "Let the cache honour the backend's `private` and `no-store`."
    reference_url = None
    tags = ("security", "caching", "apache")
    needs = frozenset({Facet.CACHE, Facet.STORED_PRIVATE})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cache in caching_scopes(workspace, clients_only=True):
            for stored in cache.stored_private:
                if not once.first(stored.setting):
                    continue
                by, removed = stored.stored_by, stored.credentials_removed_by
                asked = (
                    "without `Authorization` (a cookie session, no login)"
                    if removed is None
                    else f"by a user whose `Authorization` `{written(removed)}` at "
                    f"{removed.where} removes before the cache decides"
                )
                yield self.finding(
                    stored.setting,
                    qualified(
                        by,
                        f"`{written(stored.setting)}` makes {server_name(scope.format)}'s "
                        f"cache (`{written(by)}` at {by.where}) keep the answers of "
                        f"`{scope.label}` that the backend marks `{stored.mark}`, meant for the "
                        f"one user who asked: such an answer, given a lifetime and asked for "
                        f"{asked}, is stored and served to the next client who asks for its URL",
                    ),
                )
