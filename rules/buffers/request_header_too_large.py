from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.scope import ScopeRole
from authlint.model.settings import Facet
from authlint.rule import SIZE, Finding, Rule, RuleOption, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace

# The option's default: nginx's own line limit, 8k, line ending included
# (Apache's is 8190 bytes).
DEFAULT_LINE = 8 * 1024

LARGEST_REQUEST_HEADER = RuleOption(
    "largest-request-header",
    SIZE,
    DEFAULT_LINE,
    "The longest request header line every server must accept, in bytes, name and line "
    "ending included (8192, 16k). Sites with OIDC or Kerberos tokens need 16k or more.",
)


class RequestHeaderTooLarge(Rule):
    """A server whose header buffers cannot hold the tokens and cookies it must accept.

    ## What it does
    Finds `server` blocks where a request header line of the size the site
    must accept fits neither `client_header_buffer_size` nor one buffer of
    `large_client_header_buffers`. That size is the rule's
    `largest-request-header` option (`[tool.authlint.rules.AL501]`), by
    default nginx's own 8k, so that without the option only buffers cut
    below nginx's default are reported.

    ## Why is this bad?
    nginx rejects a request whose header line does not fit one buffer with
    `400 Request Header Or Cookie Too Large` (over HTTP/2 the connection is
    closed), before any `auth_request` or upstream sees it. OIDC access
    tokens with group claims, Kerberos `Negotiate` tokens and session cookies
    reach 8 to 16 KB, so users with many groups or roles cannot log in while
    others can. The limit applies per server: nginx takes the buffers of the
    server the `Host` header selects.

    On Apache httpd it reads `LimitRequestFieldSize` (default 8190; a header
    line passes at one byte past it, 8193 bytes with its line ending), the
    main server's where a virtual host sets none, read as httpd reads the
    number: `16k` is 16 bytes. httpd reads a request under the limits of the
    default (first) virtual host of the address the connection reached,
    before it knows `Host`, so a named host is held to that host's limit;
    longer lines get `400 Bad Request` (`431` over HTTP/2).

    ## Example
    With `largest-request-header = "16k"`:
    ```nginx
    server {
        server_name app.example.com;
        location / {
            auth_request /oauth2/auth;
            proxy_pass http://app;
        }
    }
    ```

    ## Use instead
    ```nginx
    server {
        server_name app.example.com;
        large_client_header_buffers 4 16k;
        location / {
            auth_request /oauth2/auth;
            proxy_pass http://app;
        }
    }
    ```
    """

    id = "AL501"
    name = "request-header-too-large"
    severity = Severity.WARNING
    summary = "Header buffers smaller than the tokens and cookies the server must accept."
    fix = (
        "Raise the limit to the largest header line the site must accept (16k for OIDC tokens "
        "with groups)."
    )
    reference_url = None
    tags = ("buffers", "nginx")
    needs = frozenset({Facet.HEADER_LIMITS})
    options = (LARGEST_REQUEST_HEADER,)

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        expected = self.option(LARGEST_REQUEST_HEADER)
        for server in workspace.scopes():
            if server.role is not ScopeRole.HOST:
                continue
            limits = server.settings.header_limits
            fits = limits.request_line.value
            if not limits.request_line.known or fits is None:
                continue
            # A snippet's implied server has no line of its own to report at.
            where = limits.request_line.origin or server.node
            if fits >= expected or where is None:
                continue
            need = (
                f"{server_name(server.format)}'s default is {expected}"
                if expected == limits.request_line_default
                else f"the site's `largest-request-header` is {expected}"
            )
            yield self.finding(
                where,
                f"`{server.label}` accepts request header lines of at most {fits} bytes "
                f"(line ending included) and {need}: a longer `Authorization` or `Cookie` "
                f"line gets `{limits.refusal}` before any authentication",
            )
