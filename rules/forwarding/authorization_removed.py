from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import AuthorizationState, Facet
from authlint.rule import Finding, Rule, Severity
from authlint.rules.forwarding import where_server_does_not_authenticate

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class AuthorizationRemoved(Rule):
    """`Authorization` is stripped on the way upstream although nginx does not authenticate.

    ## What it does
    Finds proxied scopes where the client's `Authorization` header never
    reaches the upstream: `proxy_set_header Authorization ""`,
    `proxy_pass_request_headers off`, `fastcgi_param HTTP_AUTHORIZATION ""`,
    `fastcgi_pass_request_headers off` and their uwsgi, scgi and gRPC
    equivalents, in a scope where nginx itself checks no credentials
    (no `auth_basic` with a user file, no `auth_request`, no `auth_jwt`, not
    even for the methods a `limit_except` block does not list), and that sends
    none of the client's credentials under another header either (an auth
    subrequest that passes on the session cookie alone gets what it reads).

    ## Why is this bad?
    If nginx does not check the credentials, the upstream is the one that
    must: with the header stripped it answers every request with 401, however
    the client authenticates. Clearing the header is right only where nginx
    consumed it itself, which this rule does not report.

    It follows inheritance: a server-level `proxy_set_header Authorization ""`
    that a location's own `proxy_set_header` list defeats does not remove the
    header in that location.

    ## Example
    ```nginx
    location /api/ {
        proxy_set_header Authorization "";
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

    id = "AL102"
    name = "authorization-removed"
    severity = Severity.WARNING
    summary = "Authorization is removed before the upstream, and this hop does not authenticate."
    fix = (
        "Remove the setting that strips Authorization, or authenticate at this hop if the "
        "upstream must not see it."
    )
    reference_url = None
    tags = ("nginx",)
    needs = frozenset({Facet.FORWARDING, Facet.AUTHENTICATION})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        removed = where_server_does_not_authenticate(workspace, AuthorizationState.REMOVED)
        for scope, upstream, authorization in removed:
            origin = authorization.origin
            assert origin is not None  # the state is decided by a directive
            shown = " ".join(arg or '""' for arg in origin.args)
            handler = f"`{upstream.origin.name}`" if upstream.origin else "the upstream"
            # A format's default (Apache hides it from CGI) is told by its reason.
            how = f"{authorization.reason}: " if authorization.reason else ""
            yield self.finding(
                origin,
                f"{how}`{origin.name} {shown}` removes the client's `Authorization` header "
                f"before {handler} in `{scope.label}`, and {server_name(scope.format)} does not "
                "authenticate that request itself: the upstream never receives the client's "
                "credentials",
            )
