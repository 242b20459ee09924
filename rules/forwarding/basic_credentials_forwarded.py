from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import AuthorizationState, Facet, UpstreamKind
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.forwarding import forwarding_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.workspace import Workspace

_PROXIED = frozenset({UpstreamKind.PROXY, UpstreamKind.GRPC})


class BasicCredentialsForwarded(Rule):
    """nginx checks Basic credentials, then forwards them (the user's password) upstream.

    ## What it does
    Finds a `proxy_pass` or `grpc_pass` in a scope where nginx's own Basic auth
    is in effect (`auth_basic` with an `auth_basic_user_file`) and the
    client's `Authorization` header is not cleared.

    ## Why is this bad?
    nginx never strips the header it has just checked: the backend receives
    `Authorization: Basic ...`, the user's name and password, and may log it.
    If the backend does its own `Authorization` auth, the two fight over the
    one header: nginx's credentials reach the app, which rejects them or asks
    for its own.

    On Apache httpd: `AuthType Basic` with a `Require` that asks for a user,
    in effect where `ProxyPass` (mod_proxy_http) passes the request on,
    without `RequestHeader unset Authorization`. A `<Directory>` check does
    not count for a path `ProxyPass` takes (that request maps to no file),
    and CGI and FastCGI do not get the header (AL102).

    Not reported: an explicit `proxy_set_header Authorization
    $http_authorization`, which forwards the header on purpose; an upstream
    that is a server of the same configuration checking Basic credentials
    itself, which needs the header (AL204 says where its user file differs). A clear at
    an outer level does not count where this level's own `proxy_set_header`
    list replaces it; the message says so.

    ## Example
    ```nginx
    location /admin/ {
        auth_basic "admin";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_pass http://admin;
    }
    ```

    ## Use instead
    ```nginx
    location /admin/ {
        auth_basic "admin";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_set_header Authorization "";
        proxy_pass http://admin;
    }
    ```
    """

    id = "AL104"
    name = "basic-credentials-forwarded"
    severity = Severity.WARNING
    summary = "The Basic credentials this hop checked are forwarded to the upstream."
    fix = "Remove the client's Authorization header at this level before the request is passed on."
    reference_url = None
    tags = ("security", "nginx")
    needs = frozenset({Facet.FORWARDING, Facet.AUTHENTICATION, Facet.ROUTING})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, upstream, authorization in forwarding_scopes(workspace):
            if upstream.kind not in _PROXIED or upstream.origin is None:
                continue
            if authorization.state is not AuthorizationState.PASSES or authorization.origin:
                continue
            basic = scope.settings.authentication.basic
            if not (basic.value and basic.known) or basic.origin is None:
                continue
            if _upstream_checks_basic(scope):
                continue
            if not once.first(upstream.origin):
                continue
            message = (
                f"{server_name(scope.format)} checks Basic credentials in `{scope.label}` "
                f"(`{basic.origin.name}` at {basic.origin.where}) and `{upstream.origin.name}` "
                "still forwards the client's `Authorization` header: the upstream receives the "
                "user's password"
            )
            outer = authorization.shadowed
            if outer is not None and outer.state is AuthorizationState.REMOVED and outer.origin:
                message += (
                    f"; the clear at {outer.origin.where} does not apply because this level "
                    f"has its own `{outer.origin.name}` list"
                )
            yield self.finding(upstream.origin, message)


def _upstream_checks_basic(scope: Scope) -> bool:
    """The upstream is a server of the same configuration whose scope for the request
    checks Basic credentials itself: it reads the header this hop passes on."""
    route = scope.settings.upstream_route
    if route is None or route.scope is None:
        return False
    basic = route.scope.settings.authentication.basic
    return basic.value or not basic.known
