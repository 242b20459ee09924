from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import qualified, server_name
from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.caching import caching_scopes, written

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class ReplaysSetCookie(Rule):
    """The cache stores the backend's `Set-Cookie` and replays it to everyone.

    ## What it does
    Finds, on Apache httpd, `mod_cache` in front of a backend the config
    shows sets cookies (`Header edit Set-Cookie`, `ProxyPassReverseCookiePath`
    and `ProxyPassReverseCookieDomain` rewrite them) where no
    `CacheIgnoreHeaders Set-Cookie` keeps the cookies out of the cache.
    Paths whose every request carries Basic or Digest credentials are left
    out: the cache stores none of their answers.

    ## Why is this bad?
    mod_cache keeps the answer's headers with its body, `Set-Cookie` among
    them, and sends them again with every copy it serves. When the backend
    lets it keep an answer that sets a cookie (a login, a new session, with a
    lifetime or a `Last-Modified`), everyone who gets that copy receives the
    first visitor's session cookie, and is then logged in as them.

    ## Example
    ```apache
    CacheEnable disk /
    Header edit Set-Cookie "^(.*)$" "$1; HttpOnly; Secure"
    ProxyPass / http://127.0.0.1:8080/
    ```

    ## Use instead
    ```apache
    CacheEnable disk /
    CacheIgnoreHeaders Set-Cookie
    Header edit Set-Cookie "^(.*)$" "$1; HttpOnly; Secure"
    ProxyPass / http://127.0.0.1:8080/
    ```
    """

    id = "AL410"
    name = "cache-replays-set-cookie"
    severity = Severity.ERROR
    summary = "The cache replays the backend's Set-Cookie: the first visitor's session goes to all."
    fix = "Keep `Set-Cookie` out of the cache's stored headers."
    reference_url = None
    tags = ("security", "caching", "apache")
    needs = frozenset({Facet.CACHE, Facet.STORED_COOKIES})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cache in caching_scopes(workspace, clients_only=True):
            replayed = cache.replayed_cookies
            if replayed is None or not once.first(replayed.stored_by):
                continue
            stored, shown = replayed.stored_by, replayed.shown_by
            # The finding rests on the setting that shows the cookies too: its conditions
            # are said.
            yield self.finding(
                stored,
                qualified(
                    shown,
                    f"`{written(stored)}` keeps the backend's `Set-Cookie` with the cached "
                    f"answers of `{scope.label}`, and `{written(shown)}` at {shown.where} shows "
                    "the backend sets cookies there: an answer that sets one and that the "
                    f"backend lets the cache keep is replayed by {server_name(scope.format)} "
                    "with its cookie to everyone who gets it from the cache",
                ),
            )
