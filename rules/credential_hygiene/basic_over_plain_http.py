from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.scope import ScopeRole
from authlint.model.settings import AuthKind, Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.credential_hygiene import answers_requests, written

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import Transport
    from authlint.model.workspace import Workspace

# Names that stand for no site of their own (catch-alls, the machine itself).
_NO_SITE = frozenset({"", "_", "*", "localhost", "_default_", "default", "default_server"})


class BasicOverPlainHttp(Rule):
    """Basic auth on the plain-HTTP twin of a site the config also serves over TLS: the
    password crosses the network in clear.

    ## What it does
    Finds a Basic check in effect on a server that listens for plain HTTP on an
    address other machines reach, answers the protected path itself (no
    `return` or redirect to HTTPS first), and has the same `server_name` as a
    server of the same config that speaks TLS (`listen 443 ssl`), or listens
    for TLS itself too. A plain-HTTP server with no TLS twin is not reported:
    TLS may end in front of it (a load balancer, a tunnel); nor is one that
    listens on loopback only, or whose redirect an `if` makes for some
    requests only.

    On Apache httpd: a `<VirtualHost>` without `SSLEngine on` (its own or the
    main server's) whose `ServerName` or `ServerAlias` another host with
    `SSLEngine on` shares, where no `Redirect /`, `RedirectMatch ^` or
    `SSLRequireSSL` answers first; a `RewriteRule`, which may redirect some
    requests only, keeps it silent.

    ## Why is this bad?
    Basic credentials are the user name and password in base64, sent again
    with every request. The site has TLS, so the plain-HTTP twin is there by
    mistake or for old links; a browser that follows one asks for the
    password there and sends it in clear, to anyone on the network path.

    ## Example
    ```nginx
    server {
        listen 80;
        server_name admin.example.com;
        location / {
            auth_basic "admin";
            auth_basic_user_file /etc/nginx/htpasswd;
            proxy_pass http://admin;
        }
    }
    server {
        listen 443 ssl;
        server_name admin.example.com;
        # ... the same locations
    }
    ```

    ## Use instead
    ```nginx
    server {
        listen 80;
        server_name admin.example.com;
        return 301 https://$host$request_uri;
    }
    ```
    """

    id = "AL602"
    name = "basic-auth-over-plain-http"
    severity = Severity.ERROR
    summary = "Basic auth on the plain-HTTP twin of a TLS site: the password is sent in clear."
    fix = (
        "Redirect every plain-HTTP request of this host to HTTPS before any password is asked for."
    )
    reference_url = None
    tags = ("security", "nginx", "apache")
    needs = frozenset({Facet.AUTHENTICATION, Facet.TRANSPORT})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        twins: dict[Scope, dict[str, tuple[Scope, Transport]]] = {}
        for scope in workspace.scopes():
            authentication = scope.settings.authentication
            basic = authentication.check(AuthKind.BASIC)
            if basic is None or not (basic.enforced and basic.known) or basic.origin is None:
                continue
            transport = scope.settings.transport
            if transport is None or not transport.known or transport.plain is None:
                continue
            if transport.answered_first is not None or not answers_requests(scope):
                continue
            host = _host(scope)
            if host is None:
                continue
            top = _top(host)
            if top not in twins:
                twins[top] = _tls_hosts(top)
            twin = next((twins[top][name] for name in host.hosts if name in twins[top]), None)
            if twin is None or not once.first(basic.origin):
                continue
            other, other_transport = twin
            assert other_transport.tls is not None
            where = f"`{host.label}`" if scope is host else f"`{scope.label}` of `{host.label}`"
            yield self.finding(
                basic.origin,
                f"`{written(basic.origin)}` asks for Basic credentials in {where} over plain "
                f"HTTP (`{written(transport.plain)}` at {transport.plain.where}) with no redirect "
                f"first, while `{other.label}` serves the same name over TLS "
                f"(`{written(other_transport.tls)}` at {other_transport.tls.where}): "
                f"{server_name(scope.format)} lets browsers send the password in clear",
            )


def _host(scope: Scope) -> Scope | None:
    return next(
        (level for level in (scope, *scope.ancestors()) if level.role is ScopeRole.HOST), None
    )


def _top(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _tls_hosts(top: Scope) -> dict[str, tuple[Scope, Transport]]:
    """The site names hosts of one config serve over TLS, each with its first such host."""
    found: dict[str, tuple[Scope, Transport]] = {}
    for host in top.walk():
        if host.role is not ScopeRole.HOST:
            continue
        transport = host.settings.transport
        if transport is None or transport.tls is None or not transport.known:
            continue
        for name in host.hosts:
            if name.lower() not in _NO_SITE and "$" not in name:
                found.setdefault(name, (host, transport))
    return found
