from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import AuthKind, Facet
from authlint.rule import Finding, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class AuthAnswerBufferTooSmall(Rule):
    """An auth location whose response-header buffer is too small for the tokens it returns.

    ## What it does
    Finds the location that answers an `auth_request` subrequest when the
    protected location keeps a token, a cookie or an `Authorization` header
    of that answer (`auth_request_set $token
    $upstream_http_x_auth_request_access_token;`) and the auth location holds
    its upstream's response headers in `proxy_buffer_size` (or the fastcgi,
    uwsgi, scgi, grpc one) at nginx's default of one memory page, 4k on
    x86-64 Linux, or less. Without a token read from the answer it stays
    quiet.

    ## Why is this bad?
    The whole header block of the auth service's answer must fit that one
    buffer. Access tokens with group or role claims, and identity providers'
    cookies, pass 4k (Keycloak's `KC_RESTART`, Entra ID groups): nginx logs
    `upstream sent too big header`, the subrequest fails, and the user gets
    `500 Internal Server Error` instead of the page. The buffer of the auth
    location counts: a larger one in the protected location does not help.

    ## Example
    ```nginx
    location = /oauth2/auth {
        internal;
        proxy_pass http://oauth2-proxy:4180;
    }
    location / {
        auth_request /oauth2/auth;
        auth_request_set $token $upstream_http_x_auth_request_access_token;
        proxy_set_header Authorization "Bearer $token";
        proxy_pass http://app;
    }
    ```

    ## Use instead
    ```nginx
    location = /oauth2/auth {
        internal;
        proxy_buffer_size 16k;
        proxy_buffers 8 16k;
        proxy_pass http://oauth2-proxy:4180;
    }
    ```
    """

    id = "AL504"
    name = "auth-answer-buffer-too-small"
    severity = Severity.WARNING
    summary = "An auth location too small to hold the tokens its answer carries in its headers."
    fix = "Raise the auth location's buffer for its upstream's response headers to 16k."
    reference_url = None
    tags = ("buffers", "auth", "nginx")
    needs = frozenset({Facet.UPSTREAM_BUFFERS, Facet.AUTHENTICATION, Facet.ROUTING})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        for scope in workspace.scopes():
            settings = scope.settings
            check = settings.authentication.check(AuthKind.SUBREQUEST)
            if check is None or not check.enforced or not check.known or check.target is None:
                continue
            kept = settings.auth_answer_credentials
            if not kept:
                continue
            route = settings.route(check.target)
            auth = route.scope
            if not route.known or auth is None or auth.node is None:
                continue
            limits = auth.settings.header_limits
            held = limits.upstream_response
            default = limits.upstream_response_default
            if not held.known or held.value is None or default is None or held.value > default:
                continue
            size = f"the default {held.value}" if held.origin is None else str(held.value)
            keeps = " ".join((kept[0].name, *kept[0].args))
            yield self.finding(
                auth.node,
                f"`{auth.label}` answers the authentication subrequest of `{scope.label}`, "
                f"which keeps a credential of the answer (`{keeps}`), and holds "
                f"{size} bytes of its upstream's response headers: a longer header block "
                f"fails the subrequest (`{limits.upstream_refusal}`), and with it the request",
            )
