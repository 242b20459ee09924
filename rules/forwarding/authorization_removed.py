from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import AuthorizationState, Facet
from authlint.rule import Finding, Rule, Severity
from authlint.rules.forwarding import where_server_does_not_authenticate

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import Upstream
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

    On Apache httpd it finds CGI, FastCGI and SCGI handlers (`SetHandler
    "proxy:fcgi://..."` in a `<FilesMatch>` for PHP, `ProxyPass[Match]
    fcgi://...`, `cgi-script`, `ScriptAlias`, `AddHandler`, mod_fcgid): httpd
    hides `Authorization` from them unless `CGIPassAuth On`, or a copy into
    `HTTP_AUTHORIZATION` (`SetEnvIf Authorization "(.+)"
    HTTP_AUTHORIZATION=$1`, `RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]`;
    `%{HTTP_AUTHORIZATION}` is no mod_rewrite variable and copies nothing). A
    copy made before a front controller's internal redirect arrives as
    `REDIRECT_HTTP_AUTHORIZATION`, which frameworks read too: it counts. It
    also finds `RequestHeader unset Authorization` before mod_proxy. Where
    `AllowOverride` lets an `.htaccess` that was not read set these, nothing
    is reported. Where httpd's default hides the header (no directive of the
    config removes it), it is reported only where the config shows the script
    reads it: a PHP handler (PHP frameworks read API tokens and Basic logins
    from it; WordPress and Laravel ship the copy in their `.htaccess` for this
    reason), or a CORS policy that lets scripts send `Authorization`. A
    stock `/cgi-bin/` folder or a FastCGI status page, of whose scripts the
    config says nothing more, is not.

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
            by_default = authorization.reason is not None and origin is upstream.origin
            if by_default and not _reads_authorization(scope, upstream):
                continue
            # A fixture's marker (`# [AL102]`) ends an Apache line as words of its own.
            written = origin.args[: origin.args.index("#")] if "#" in origin.args else origin.args
            shown = " ".join(arg or '""' for arg in written)
            if by_default:
                # A format's default (Apache hides it from CGI) is told by its reason.
                what = (
                    f"{authorization.reason}: `{origin.name} {shown}` in `{scope.label}` gets "
                    "no `Authorization` header"
                )
            else:
                handler = f"`{upstream.origin.name}`" if upstream.origin else "the upstream"
                how = f"{authorization.reason}: " if authorization.reason else ""
                what = (
                    f"{how}`{origin.name} {shown}` removes the client's `Authorization` header "
                    f"before {handler} in `{scope.label}`"
                )
            yield self.finding(
                origin,
                f"{what}, and {server_name(scope.format)} does not authenticate that request "
                "itself: the upstream never receives the client's credentials",
            )


def _reads_authorization(scope: Scope, upstream: Upstream) -> bool:
    """Whether the config shows that what answers reads ``Authorization``: an
    application runtime whose frameworks do, or scripts of other sites allowed to send
    it."""
    if upstream.application is not None:
        return True
    return any("authorization" in header.names() for header in scope.settings.cors.allow_headers)
