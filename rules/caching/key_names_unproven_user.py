from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import Facet
from authlint.rule import Finding, Rule, Severity
from authlint.rules.caching import caching_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.settings import UnprovenUser
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace


class KeyNamesUnprovenUser(Rule):
    """A cache key that tells users apart by a name nothing verified.

    ## What it does
    Finds a cache key (`proxy_cache_key`, or the FastCGI, uwsgi and SCGI
    ones) whose only per-user part is a name without proof: `$remote_user`
    where no Basic check verifies the password (no `auth_basic`, `auth_basic
    off`, `auth_basic` without a user file, `satisfy any` beside an `allow`
    rule or another check, an auth subrequest that never sees
    `Authorization`), or, where requests are authenticated, a header, cookie
    or query argument named for the user (`$http_x_user_id`,
    `$cookie_username`, `$arg_user`), followed through `set` and `map`. A
    key that also holds a credential (`$http_authorization`, a session
    cookie) or a name the auth subrequest answered (`auth_request_set`) is
    fine.

    ## Why is this bad?
    nginx takes `$remote_user` from any `Authorization: Basic` header,
    whether or not the password was checked, and the client writes its
    headers, cookies and arguments as it likes. A request with `alice:wrong`,
    or with `X-User: alice`, has alice's key, and reads alice's cached page
    without the upstream being asked.

    ## Example
    ```nginx
    location /account/ {
        proxy_cache pages;
        proxy_cache_valid 200 10m;
        proxy_cache_key $scheme$host$request_uri$remote_user;
        proxy_pass http://app;
    }
    ```

    ## Use instead
    ```nginx
    location /account/ {
        auth_basic "account";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_cache pages;
        proxy_cache_valid 200 10m;
        proxy_cache_key $scheme$host$request_uri$remote_user;
        proxy_pass http://app;
    }
    ```
    """

    id = "AL408"
    name = "cache-key-unproven-user"
    severity = Severity.ERROR
    summary = "The cache key tells users apart by a name the server never verified."
    fix = (
        "Verify the name before the cache is read (check the password), or key the cache on "
        "the credential itself or on the user the authentication answered."
    )
    reference_url = None
    tags = ("security", "caching", "nginx")
    needs = frozenset({Facet.CACHE, Facet.AUTHENTICATION, Facet.FORWARDING, Facet.CACHE_CONDITIONS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        # The server's own subrequests count: an auth subrequest's verdict cached by a
        # forged name lets the forger in.
        for scope, cache in caching_scopes(workspace):
            node = cache.key.origin
            if node is None or not cache.unproven_user:
                continue
            # A header or cookie naming the user is a forged label only where the user
            # is known by something else: evidence that credentials matter here, other
            # than the key itself (a name cookie counts as a cookie).
            reason = scope.settings.credential_evidence.reason
            if all(part.client_written for part in cache.unproven_user) and (
                reason is None or reason.origin is node
            ):
                continue
            yield self.finding(
                node,
                f"the cache key of `{scope.label}` tells users apart by "
                f"{_described(cache.unproven_user, node)}: a request that writes another "
                "user's name reads that user's cached answer",
            )


def _described(parts: tuple[UnprovenUser, ...], key: Node) -> str:
    return ", ".join(
        f"`{part.value}`{_through(part, key)}, "
        + (part.reason if part.client_written else f"a Basic user name, and {part.reason}")
        for part in parts
    )


def _through(part: UnprovenUser, key: Node) -> str:
    """Where a variable on the way brings the value in (nothing: the key names it)."""
    node = part.origin
    if node is key:
        return ""
    return f" (through `{node.name} {' '.join(node.args[:2])}` at {node.where})"
