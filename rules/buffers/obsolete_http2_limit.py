from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import Facet
from authlint.rule import Finding, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class ObsoleteHttp2Limit(Rule):
    """An HTTP/2 header limit that nginx ignores: the header buffers decide instead.

    ## What it does
    Finds `http2_max_field_size` and `http2_max_header_size`. Since nginx
    1.19.7 both are obsolete: nginx warns and ignores the value, and HTTP/2
    requests are held to `large_client_header_buffers`, like HTTP/1.1 ones.
    The finding says which buffers are in effect there.

    ## Why is this bad?
    The setting reads as if it raised the limit for long tokens and cookies
    over HTTP/2, so nobody raises the buffers that do: a header field whose
    encoded size exceeds one buffer (8k by default), or headers beyond all
    buffers together, make nginx close the HTTP/2 connection, before any
    authentication. A limit lowered on purpose is not applied either.

    ## Example
    ```nginx
    server {
        listen 443 ssl http2;
        http2_max_field_size 16k;
        http2_max_header_size 64k;
    }
    ```

    ## Use instead
    ```nginx
    server {
        listen 443 ssl http2;
        large_client_header_buffers 4 16k;
    }
    ```
    """

    id = "AL503"
    name = "obsolete-http2-limit"
    severity = Severity.WARNING
    summary = "An HTTP/2 header limit the server ignores; the header buffers apply instead."
    fix = "Remove the ignored setting and size the request header buffers instead."
    reference_url = None
    tags = ("buffers", "http2", "nginx")
    needs = frozenset({Facet.IGNORED_LIMITS})
    config_test = True

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        for scope in workspace.scopes():
            for ignored in scope.settings.ignored_limits:
                yield self.finding(
                    ignored.origin,
                    f"{server_name(scope.format)} ignores this limit: to HTTP/2 requests at "
                    f"`{scope.label}` {ignored.in_effect}; its config test warns "
                    f"`{ignored.warning}`",
                )
