from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import AuthorizationState, Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.forwarding import forwarding_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class InheritedAuthorizationDropped(Rule):
    """An inner `proxy_set_header` list silently discards an outer `Authorization` header.

    ## What it does
    Finds a level (server, location) that has its own `proxy_set_header`
    lines while an outer level sets `Authorization`, and does not repeat it.
    The same holds for `grpc_set_header`, `fastcgi_param`, `uwsgi_param` and
    `scgi_param`.

    Not run on Apache httpd: `RequestHeader` and `Header` lines merge
    across sections there, no section's list replaces another's.

    ## Why is this bad?
    nginx inherits these lists all or nothing: a level with even one line of
    its own takes none of the outer level's. The `Authorization` header set
    outside (a service token, a bearer token built from a cookie) is silently
    not sent from this level, and the upstream answers 401. Adding an unrelated
    header such as `X-Request-Id` to one location is enough to cause it.

    Not reported: losing an outer `fastcgi_param HTTP_AUTHORIZATION
    $http_authorization` while the client's headers are passed anyway (nginx
    sends every request header to FastCGI), and losing an outer
    `proxy_set_header Authorization ""` (see AL104 when nginx's own Basic
    credentials then reach the upstream).

    ## Example
    ```nginx
    server {
        proxy_set_header Authorization "Bearer $cookie_access_token";
        location /api/ {
            proxy_set_header X-Request-Id $request_id;
            proxy_pass http://api;
        }
    }
    ```

    ## Use instead
    ```nginx
    server {
        proxy_set_header Authorization "Bearer $cookie_access_token";
        location /api/ {
            proxy_set_header Authorization "Bearer $cookie_access_token";
            proxy_set_header X-Request-Id $request_id;
            proxy_pass http://api;
        }
    }
    ```
    """

    id = "AL101"
    name = "inherited-authorization-dropped"
    severity = Severity.ERROR
    summary = "A level's own header list discards the Authorization header set at an outer level."
    fix = (
        "Repeat the Authorization line at this level, or keep the server's whole header list "
        "in one include used at each level."
    )
    reference_url = None
    tags = ("security", "nginx")
    needs = frozenset({Facet.FORWARDING, Facet.REPLACED_LISTS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, _, authorization in forwarding_scopes(workspace):
            outer = authorization.shadowed
            if outer is None or not outer.known or outer.origin is None:
                continue
            if outer.state is AuthorizationState.REMOVED or outer.state is authorization.state:
                continue
            headers = scope.settings.request_headers
            # An outer list is shadowed only by a list of this scope's own.
            assert headers is not None
            cut = headers.entries[0].origin
            if not once.first(cut):
                continue
            line = f"`{outer.origin.name} {outer.origin.arg(0)}` from {outer.origin.where}"
            consequence = (
                "only the `Authorization` header the client sends itself, if any"
                if authorization.state is AuthorizationState.PASSES
                else "no `Authorization` header at all"
            )
            yield self.finding(
                cut,
                f"`{cut.name}` here replaces the inherited list, so {line} is not sent "
                f"from `{scope.label}`: the upstream gets {consequence}",
                f"Repeat `{outer.origin.name} {outer.origin.arg(0)} ...;` next to this "
                f"`{cut.name}`, or keep every `{cut.name}` of the server in one include "
                "used at each level.",
            )
