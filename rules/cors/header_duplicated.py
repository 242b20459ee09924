from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.cors import ALLOW_CREDENTIALS, ALLOW_ORIGIN

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import ResponseHeader
    from authlint.model.workspace import Workspace

# Headers a browser needs exactly once: two values are read as one wrong value.
_SINGLE_VALUED = (ALLOW_ORIGIN, ALLOW_CREDENTIALS, "access-control-max-age")


class HeaderDuplicated(Rule):
    """The same CORS header is sent twice.

    ## What it does
    Finds a response that gets `Access-Control-Allow-Origin`,
    `Access-Control-Allow-Credentials` or `Access-Control-Max-Age` twice: two
    `add_header` lines in effect for one scope (an include and the location,
    or `add_header_inherit merge`), or nginx adding the header while the
    upstream, another server of the same config, adds it too and nginx does
    not drop the upstream's with `proxy_hide_header`. On Apache: `Header add`
    of a header also set, `Header always set` beside `Header set` of the same
    header (httpd sends both tables on the answers its handler makes), or
    `Header always set` where `ProxyPass` goes to another virtual host of the
    same config that sets it too (the backend's headers are in the onsuccess
    table, which `always` does not touch). Headers added under a condition
    (`env=`, `expr=`) are left out: they may be alternatives.

    ## Why is this bad?
    A browser joins the two values (`https://a.example, https://a.example`),
    which equals no origin: the CORS check fails and the response is blocked,
    even when both values are right.

    ## Example
    ```nginx
    location /api/ {
        include snippets/cors.conf;  # adds Access-Control-Allow-Origin
        add_header Access-Control-Allow-Origin https://app.example.com always;
        proxy_pass http://api;
    }
    ```

    ## Use instead
    ```nginx
    location /api/ {
        include snippets/cors.conf;
        proxy_hide_header Access-Control-Allow-Origin;
        proxy_pass http://api;
    }
    ```
    """

    id = "AL308"
    name = "cors-header-duplicated"
    severity = Severity.ERROR
    summary = "A CORS header is sent twice: browsers read it as no valid value."
    fix = "Set each CORS header once: at this hop or at the upstream, not both."
    reference_url = "https://fetch.spec.whatwg.org/#cors-check"
    tags = ("cors", "nginx")
    needs = frozenset({Facet.CORS, Facet.RESPONSE_HEADERS, Facet.ROUTING})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.answering_scopes():
            for header, reason in _duplicates(scope):
                if once.first(header.origin):
                    yield self.finding(
                        header.origin,
                        f"`{header.name}` is sent twice from `{scope.label}` ({reason}): "
                        "browsers join the values and the CORS check fails",
                    )


def _duplicates(scope: Scope) -> Iterator[tuple[ResponseHeader, str]]:
    headers = scope.settings.response_headers
    first: dict[str, ResponseHeader] = {}
    for entry in headers.entries:
        name = entry.name.lower()
        # One added under a condition may be an alternative to the other, never sent with it.
        if name not in _SINGLE_VALUED or entry.condition:
            continue
        if name in first:
            yield entry, f"also added at {first[name].origin.where}"
        else:
            first[name] = entry
    if not first:
        return
    target = scope.settings.upstream_route
    if target is None or target.scope is None or not target.known:
        return
    upstream_headers = target.scope.settings.response_headers
    for name, entry in first.items():
        hidden = scope.settings.hidden_upstream_headers
        if name in hidden.value or not hidden.known:
            continue
        added = upstream_headers.named(name)
        if added:
            yield (
                entry,
                f"the upstream, `{target.scope.label}`, adds it too at {added[0].origin.where}",
            )
