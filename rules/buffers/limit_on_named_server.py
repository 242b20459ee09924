from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.scope import ScopeRole
from authlint.model.settings import Facet
from authlint.rule import Finding, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class LimitOnNamedServer(Rule):
    """A header limit set in a server that is not the default of its listen address.

    ## What it does
    Finds `client_header_buffer_size` and `large_client_header_buffers` set
    in a `server` that shares a plain-text listen address with another
    server, the address's default (`listen ... default_server`, else the
    first server of that address in the config), whose limit differs. Only
    when every server and `listen` of the `http` block was read: which
    server is the default is otherwise unknown.

    ## Why is this bad?
    nginx reads a request with the default server's settings until the
    `Host` header names another server. So the default server's
    `client_header_buffer_size` sizes the first buffer of every request on
    the address, and the other server's is never used; its
    `large_client_header_buffers` hold only the header lines after `Host`:
    the request line and the lines sent before `Host` are held to the
    default server's buffers, so a long token or URL there gets `400` or
    `414` although the server was given room for it. On a TLS address the
    server SNI names reads the request from the start, so this applies to
    plain HTTP only.

    On Apache httpd it finds `LimitRequestFieldSize`, `LimitRequestLine` and
    `LimitRequestFields` in a `<VirtualHost>` that is not the first host of
    an address it is matched on (`*:80`, `_default_:80`, `0.0.0.0:80` and
    `[::]:80` are one address; `10.0.0.5:80` is matched apart, before the
    wildcard), where they differ from that default's, with the server's
    `Listen` read. httpd reads the request line and every header line under
    the default host's limits before `Host` is known, over TLS too: the named
    host's own are never applied, a larger one does not help and a smaller
    one protects nothing.

    ## Example
    ```nginx
    http {
        server {
            listen 80;
            server_name www.example.com;
        }
        server {
            listen 80;
            server_name sso.example.com;
            large_client_header_buffers 4 32k;
        }
    }
    ```

    ## Use instead
    ```nginx
    http {
        large_client_header_buffers 4 32k;
        server {
            listen 80;
            server_name www.example.com;
        }
        server {
            listen 80;
            server_name sso.example.com;
        }
    }
    ```
    """

    id = "AL505"
    name = "limit-on-named-server"
    severity = Severity.WARNING
    summary = (
        "A header limit set in a server that is not the default of its listen address: the "
        "default's limits read the request until `Host` names the server."
    )
    fix = (
        "Set the limit where every server of the address gets it (the top level), or the "
        "same limit on the address's default server too."
    )
    reference_url = None
    tags = ("buffers", "nginx")
    needs = frozenset({Facet.HEADER_LIMITS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        hosts = (scope for scope in workspace.scopes() if scope.role is ScopeRole.HOST)
        for server in hosts:
            for limit in server.settings.partly_applied_limits:
                default = limit.decided_by
                # Two hosts may read alike (Apache's `VirtualHost *:80`): the line tells them apart.
                at = f" ({default.node.where})" if default.node is not None else ""
                yield self.finding(
                    limit.origin,
                    f"{server_name(server.format)} does not fully apply this limit at "
                    f"`{server.label}`: `{default.label}`{at} is the default server of "
                    f"`{limit.listen}`, and {limit.in_effect}; {limit.applies}",
                )
