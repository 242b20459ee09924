from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import Facet, shared_cache_stores
from authlint.rule import Finding, Once, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace


class PublicCacheOnAuthenticated(Rule):
    """`Cache-Control: public`, `s-maxage` or `expires` added to authenticated answers.

    ## What it does
    Finds, in a scope where the server authenticates the request (nginx
    `auth_basic`, `auth_request`, `auth_jwt`; Apache `AuthType` with `Require`)
    and passes it to an application, a `Cache-Control` it adds that lets a
    shared cache store the answer: `public`, `s-maxage` or `must-revalidate`
    (without `private` or `no-store`) where every request carries
    `Authorization` (Basic or Digest auth), and there also a `max-age` or a
    lifetime the server adds (nginx `expires`, Apache `mod_expires`) where the
    credential is something else (a cookie an auth subrequest checks, or an
    address rule that admits requests without a password). Files the server
    serves itself are the same for every user and are left out.

    ## Why is this bad?
    Caches downstream store the answer and serve one user's private page to
    the next. A standard shared cache stores an answer to a request with
    `Authorization` only where it says `public`, `s-maxage` or
    `must-revalidate` (RFC 9111, section 3.5; Apache's `mod_cache` keeps to
    it), so behind Basic auth a `max-age` alone is no finding; an answer to a
    request without it (its credential a cookie) is stored with any
    `max-age`.

    ## Example
    ```nginx
    location /account/ {
        auth_basic "account";
        auth_basic_user_file /etc/nginx/htpasswd;
        add_header Cache-Control "public, max-age=600";
        proxy_pass http://app;
    }
    ```

    ## Use instead
    ```nginx
    location /account/ {
        auth_basic "account";
        auth_basic_user_file /etc/nginx/htpasswd;
        add_header Cache-Control "private, max-age=600";
        proxy_pass http://app;
    }
    ```
    """

    id = "AL407"
    name = "public-cache-on-authenticated"
    severity = Severity.WARNING
    summary = "Authenticated answers are marked cacheable by shared caches (a CDN stores them)."
    fix = "Send `Cache-Control: private` (or `no-store`) on authenticated answers."
    reference_url = "https://www.rfc-editor.org/rfc/rfc9111#section-3.5"
    tags = ("security", "caching", "nginx")
    needs = frozenset({Facet.AUTHENTICATION, Facet.RESPONSE_HEADERS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.forwarding_scopes():
            authenticates = scope.settings.authentication.server_authenticates
            if not authenticates.value or authenticates.origin is None:
                continue
            for node, what in _shared_cacheable(scope):
                if once.first(node):
                    yield self.finding(
                        node,
                        f"{what} on the answers of `{scope.label}`, which "
                        f"{server_name(scope.format)} authenticates "
                        f"(`{authenticates.origin.name}` at {authenticates.origin.where}): shared "
                        "caches downstream store one user's page and serve it to others",
                    )


def _shared_cacheable(scope: Scope) -> Iterator[tuple[Node, str]]:
    """The settings that let a shared cache store the scope's answers, as the requests
    that get them carry `Authorization` or not; none where a `Cache-Control` the answers
    also get keeps shared caches away (`private`, `no-store`)."""
    authorization = scope.settings.authentication.cacheable_requests_carry_authorization
    entries = scope.settings.response_headers.named("Cache-Control")
    freshness = scope.settings.added_freshness
    lifetime = freshness.value and freshness.origin is not None
    every = ", ".join(entry.value for entry in entries)
    if not shared_cache_stores(every, authorization, lifetime):
        return
    for entry in entries:
        if shared_cache_stores(entry.value, authorization):
            yield entry.origin, f"`Cache-Control: {entry.value}`"
    if lifetime and freshness.origin is not None and not authorization:
        yield freshness.origin, f"`{freshness.origin.name} {' '.join(freshness.origin.args)}`"
