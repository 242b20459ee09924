from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import AuthorizationState, Facet
from authlint.rule import Finding, Rule, Severity
from authlint.rules.forwarding import where_server_does_not_authenticate

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class AuthorizationFixedValue(Rule):
    """`Authorization` is overwritten with a fixed value for every client.

    ## What it does
    Finds `proxy_set_header Authorization "<fixed value>"` (or the
    `fastcgi_param HTTP_AUTHORIZATION`, `grpc_set_header`, uwsgi and scgi
    equivalents) in effect for a proxied scope where nginx does not
    authenticate the client. A value built from variables (a token taken
    from a cookie, an `auth_request_set` result) is not reported. The value
    itself is never printed.

    ## Why is this bad?
    The client's own credentials never reach the upstream: every request
    arrives as the same caller, so per-user authorization in the app is
    bypassed, or users who log in still get the fixed identity's answers. And
    a credential written into the config is readable by anyone who can read
    the repository.

    Where nginx authenticates the client itself (`auth_basic`,
    `auth_request`), sending a service credential upstream instead is the
    usual design and is not reported.

    On Apache httpd: `RequestHeader set Authorization "<fixed value>"` before
    mod_proxy (or before a script, with `CGIPassAuth On`), where Apache checks
    no credentials itself.

    ## Example
    ```nginx
    location /api/ {
        proxy_set_header Authorization "Basic c2VydmljZTpzZWNyZXQ=";
        proxy_pass http://api;
    }
    ```

    ## Use instead
    ```nginx
    location /api/ {
        proxy_pass http://api;
    }
    ```
    """

    id = "AL103"
    name = "authorization-fixed-value"
    severity = Severity.WARNING
    summary = "Authorization is replaced by a fixed value, so the client's credentials are lost."
    fix = (
        "Drop the fixed Authorization value so the client's header passes, or authenticate "
        "the client at this hop first and keep the service credential out of the config file."
    )
    reference_url = None
    tags = ("security", "nginx")
    needs = frozenset({Facet.FORWARDING, Facet.AUTHENTICATION})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        replaced = where_server_does_not_authenticate(workspace, AuthorizationState.REPLACED)
        for scope, upstream, authorization in replaced:
            origin = authorization.origin
            if origin is None or not authorization.literal:
                continue
            handler = f"`{upstream.origin.name}`" if upstream.origin else "the upstream"
            # Up to the header's name: Apache's `RequestHeader set Authorization` says the
            # action first.
            named = [arg.lower().endswith("authorization") for arg in origin.args]
            header = " ".join(
                origin.args[: named.index(True) + 1] if any(named) else origin.args[:1]
            )
            yield self.finding(
                origin,
                f"`{origin.name} {header}` sets a fixed value for {handler} in "
                f"`{scope.label}`: the client's own credentials never reach the upstream, "
                "which sees every request as the same caller",
            )
