from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace

# What lets a shared cache store an answer to a request with Authorization
# (RFC 9111, section 3.5).
_SHARED_CACHE_ALLOWED = re.compile(r"\b(public|s-maxage|must-revalidate)\b", re.IGNORECASE)


class PublicCacheOnAuthenticated(Rule):
    """`Cache-Control: public`, `s-maxage` or `expires` added to authenticated answers.

    ## What it does
    Finds, in a scope where nginx authenticates the request (`auth_basic`,
    `auth_request`, `auth_jwt`) and passes it to an application, an
    `add_header Cache-Control` with `public`, `s-maxage` or
    `must-revalidate`, or an `expires` that makes the answer cacheable. Files
    nginx serves itself are the same for every user and are left out.

    ## Why is this bad?
    Caches downstream store the answer and serve one user's private page to
    the next. Standard shared caches skip answers to requests with
    `Authorization` unless the answer says `public`, `s-maxage` or
    `must-revalidate`, which these headers say; they store any answer with a
    `max-age` (what `expires` adds) when the credential is a cookie; and an
    nginx cache in front stores it whatever the request carried.

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
    headers = scope.settings.response_headers
    for entry in headers.named("Cache-Control"):
        if _SHARED_CACHE_ALLOWED.search(entry.value):
            yield entry.origin, f"`Cache-Control: {entry.value}`"
    freshness = scope.settings.added_freshness
    if freshness.value and freshness.origin is not None:
        yield freshness.origin, f"`{freshness.origin.name} {' '.join(freshness.origin.args)}`"
