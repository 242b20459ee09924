from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authlint.model.settings import Facet, OriginKind
from authlint.rule import Finding, Once, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.workspace import Workspace

_DYNAMIC = frozenset({OriginKind.REFLECTED, OriginKind.SELECTED})
_FRESH = re.compile(r"\b(public|s-maxage=[1-9]|max-age=[1-9])", re.IGNORECASE)


class VaryOriginMissing(Rule):
    """A per-origin `Access-Control-Allow-Origin` on a cacheable response, without `Vary: Origin`.

    ## What it does
    Finds a scope that answers with the caller's origin (echoed, or chosen
    from an allow-list) in `Access-Control-Allow-Origin`, makes the response
    cacheable (`expires`, or `Cache-Control` with `max-age`, `s-maxage` or
    `public`), and adds no `Vary: Origin`.

    ## Why is this bad?
    A cache keeps the response with the first caller's origin in it and
    serves it to the next caller, from another origin: its browser blocks the
    response. Browser caches do this too, for every site that uses the
    resource. The Fetch standard requires `Vary: Origin` whenever the header
    is not `*` or one fixed origin.

    ## Example
    ```nginx
    location /fonts/ {
        add_header Access-Control-Allow-Origin $cors_origin;
        expires 30d;
    }
    ```

    ## Use instead
    ```nginx
    location /fonts/ {
        add_header Access-Control-Allow-Origin $cors_origin;
        add_header Vary Origin;
        expires 30d;
    }
    ```
    """

    id = "AL309"
    name = "cors-vary-origin-missing"
    severity = Severity.WARNING
    summary = (
        "A per-origin CORS answer is cacheable without `Vary: Origin`: caches serve it to others."
    )
    fix = "Add `Vary: Origin` where `Access-Control-Allow-Origin` changes with the caller."
    reference_url = "https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches"
    tags = ("cors", "nginx")
    needs = frozenset({Facet.CORS, Facet.RESPONSE_HEADERS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.answering_scopes():
            dynamic = [
                allowed
                for allowed in scope.settings.cors.allowed_origins
                if allowed.kind in _DYNAMIC and not once.seen(allowed.header.origin)
            ]
            if not dynamic or not scope.settings.response_headers.known:
                continue
            freshness = _freshness(scope)
            if freshness is None or _varies_on_origin(scope):
                continue
            for allowed in dynamic:
                node = allowed.header.origin
                if once.first(node):
                    yield self.finding(
                        node,
                        f"`Access-Control-Allow-Origin` in `{scope.label}` changes with the "
                        f"caller's origin and the response is cacheable ({freshness}), but "
                        "nothing adds `Vary: Origin`: a cache serves one origin's answer to "
                        "another, whose browser blocks it",
                    )


def _varies_on_origin(scope: Scope) -> bool:
    return any("origin" in entry.names() for entry in scope.settings.response_headers.named("Vary"))


def _freshness(scope: Scope) -> str | None:
    headers = scope.settings.response_headers
    freshness = scope.settings.added_freshness
    node = freshness.origin
    if freshness.value and node is not None:
        return f"`{node.name} {' '.join(node.args)}` at {node.where}"
    for entry in headers.named("Cache-Control"):
        if _FRESH.search(entry.value):
            return f"`Cache-Control: {entry.value}` at {entry.origin.where}"
    return None
