from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import Facet
from authlint.rule import Finding, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class BuffersRefused(Rule):
    """Upstream buffers that nginx refuses to load: raising one size alone fails `nginx -t`.

    ## What it does
    Finds servers and locations whose `proxy_buffer_size`, `proxy_buffers`
    and `proxy_busy_buffers_size` (and their `fastcgi_`, `uwsgi_` and
    `scgi_` twins, and the temporary-file sizes) break one of the checks
    nginx makes when it merges them into each level, with the defaults nginx
    derives from the others (its defaults are one memory page, 4k on x86-64
    Linux): the busy size defaults to twice the larger of
    the header buffer and one body buffer, and must stay within all buffers
    but one.

    ## Why is this bad?
    The usual fix for `upstream sent too big header` (a big `Set-Cookie`, a
    token from an identity provider) is `proxy_buffer_size 16k;` alone. With
    the default `proxy_buffers 8 4k` that makes the default busy size 32k,
    more than the 28k of seven buffers, and nginx refuses the whole config:
    `nginx -t` fails, a reload keeps the old config, a restart leaves the site
    down. nginx checks every server and location the value reaches, even one
    that proxies nothing.

    ## Example
    ```nginx
    location /login/ {
        proxy_buffer_size 16k;
        proxy_pass http://keycloak:8080;
    }
    ```

    ## Use instead
    ```nginx
    location /login/ {
        proxy_buffer_size 16k;
        proxy_buffers 8 16k;
        proxy_busy_buffers_size 32k;
        proxy_pass http://keycloak:8080;
    }
    ```
    """

    id = "AL502"
    name = "buffers-refused"
    severity = Severity.ERROR
    summary = "Upstream buffer sizes that make the server refuse to load the config."
    fix = "Set the buffer sizes together, so that the server's own checks of them pass."
    reference_url = None
    tags = ("buffers", "nginx")
    needs = frozenset({Facet.UPSTREAM_BUFFERS})
    config_test = True

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        for scope in workspace.scopes():
            for refused in scope.settings.refused_buffers:
                if not refused.known:
                    continue
                yield self.finding(
                    refused.origin,
                    f"{server_name(scope.format)} refuses to load this config: "
                    f"{refused.values}; its config test fails with `{refused.error}`",
                )
