from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import AuthKind, Facet
from authlint.rule import Finding, Once, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace


class PreflightReachesAuth(Rule):
    """CORS preflight requests (`OPTIONS`) reach nginx's authentication.

    ## What it does
    Finds scopes that answer CORS (they add `Access-Control-Allow-Origin`)
    where nginx checks credentials (`auth_basic` with a user file, or
    `auth_request`) and nothing answers `OPTIONS` first: no
    `if ($request_method = OPTIONS) { return 204; }` in the location or its
    server, and no `limit_except` that leaves `OPTIONS` out of the checks.

    On Apache httpd: `AuthType Basic` with a `Require` rule that asks every
    method for a user, where `Header` adds `Access-Control-Allow-Origin`; not
    reported where `<LimitExcept OPTIONS>`, `<Limit>` without `OPTIONS`,
    `Require method OPTIONS` or an `<If "%{REQUEST_METHOD} == 'OPTIONS'">`
    with its own rules lets preflights through.

    ## Why is this bad?
    A browser sends a preflight before any cross-origin request with an
    `Authorization` header or a JSON body, and a preflight never carries
    credentials. nginx answers it 401, the preflight fails, and the browser
    never sends the real request: every such call fails with a CORS error.
    With `auth_request`, the auth service must let `OPTIONS` through, or nginx
    must answer it first. Proven in a real browser: in authlint's test suite,
    headless Chromium gets 401 for the bad examples' preflights and never
    sends the request, while the good examples' requests go through.

    ## Example
    ```nginx
    location /api/ {
        auth_basic "api";
        auth_basic_user_file /etc/nginx/htpasswd;
        add_header Access-Control-Allow-Origin https://app.example.com always;
        add_header Access-Control-Allow-Headers Authorization always;
        proxy_pass http://api;
    }
    ```

    ## Use instead
    ```nginx
    location /api/ {
        if ($request_method = OPTIONS) {
            add_header Access-Control-Allow-Origin https://app.example.com always;
            add_header Access-Control-Allow-Headers Authorization always;
            return 204;
        }
        auth_basic "api";
        auth_basic_user_file /etc/nginx/htpasswd;
        add_header Access-Control-Allow-Origin https://app.example.com always;
        proxy_pass http://api;
    }
    ```
    """

    id = "AL306"
    name = "cors-preflight-reaches-auth"
    severity = Severity.ERROR
    summary = (
        "CORS preflights meet the server's authentication and get 401: the real request never goes."
    )
    fix = "Answer `OPTIONS` preflights before authentication."
    reference_url = "https://fetch.spec.whatwg.org/#cors-preflight-fetch"
    tags = ("cors", "nginx")
    needs = frozenset({Facet.CORS, Facet.AUTHENTICATION})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.answering_scopes():
            settings = scope.settings
            if not settings.cors.allowed_origins or settings.preflight_answered_by is not None:
                continue
            check = _authentication_check(scope)
            if check is None or not once.first(check):
                continue
            yield self.finding(
                check,
                f"`{check.name}` applies to the CORS preflight (`OPTIONS`) of `{scope.label}`, "
                "which never carries credentials: it gets 401 and the browser never sends the "
                "real request",
            )


def _authentication_check(scope: Scope) -> Node | None:
    """The check a preflight meets: Basic auth that runs, or a subrequest (which sees no
    credentials on a preflight either)."""
    authentication = scope.settings.authentication
    basic = authentication.basic
    if basic.value and basic.known and basic.origin is not None:
        return basic.origin
    subrequest = authentication.check(AuthKind.SUBREQUEST)
    return subrequest.origin if subrequest is not None else None
