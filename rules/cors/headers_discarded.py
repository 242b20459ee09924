from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.cors import is_cors_header, read_on

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class HeadersDiscarded(Rule):
    """An inner `add_header` silently discards the CORS headers set at an outer level.

    ## What it does
    Finds a level (a location, an `if` block, a server) with `add_header`
    lines of its own while an outer level adds CORS headers
    (`Access-Control-*`) that this level does not repeat. A header browsers
    do not read on the answers the level makes is left out: an
    `if ($request_method = OPTIONS)` block answers preflights only, which need
    no `Access-Control-Expose-Headers`; the rest of its location never answers
    a preflight, and needs no `Access-Control-Allow-Methods`,
    `-Allow-Headers` or `-Max-Age`.

    Not run on Apache httpd: `RequestHeader` and `Header` lines merge
    across sections there, no section's list replaces another's.

    ## Why is this bad?
    nginx inherits `add_header` all or nothing: one `add_header` of its own,
    even an unrelated `X-Frame-Options` or one inside an `if`, and the level
    takes none of the outer ones. Its responses lose the CORS headers and
    browsers block them.

    ## Example
    ```nginx
    server {
        add_header Access-Control-Allow-Origin https://app.example.com always;
        location /api/ {
            add_header Cache-Control no-store;
            proxy_pass http://api;
        }
    }
    ```

    ## Use instead
    ```nginx
    server {
        add_header Access-Control-Allow-Origin https://app.example.com always;
        location /api/ {
            add_header Access-Control-Allow-Origin https://app.example.com always;
            add_header Cache-Control no-store;
            proxy_pass http://api;
        }
    }
    ```
    """

    id = "AL307"
    name = "cors-headers-discarded"
    severity = Severity.WARNING
    summary = "A level's own response headers discard the CORS headers set at an outer level."
    fix = (
        "Repeat the CORS headers at this level, or keep every response header in one include "
        "used at each level."
    )
    reference_url = None
    tags = ("cors", "nginx")
    needs = frozenset({Facet.CORS, Facet.RESPONSE_HEADERS, Facet.REPLACED_LISTS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.scopes():
            headers = scope.settings.response_headers
            if headers.defined_in is not scope or not headers.known:
                continue
            kept = {entry.name.lower() for entry in headers.entries}
            answers = scope.settings.cors.answers
            lost = sorted(
                {
                    entry.name
                    for entry in headers.discarded
                    if is_cors_header(entry.name)
                    and entry.name.lower() not in kept
                    and read_on(entry.name, answers)
                }
            )
            if not lost:
                continue
            # A level's own list leads its entries.
            cut = headers.entries[0].origin
            if not once.first(cut):
                continue
            outer = next(entry for entry in headers.discarded if entry.name in lost)
            yield self.finding(
                cut,
                f"`{cut.name}` here replaces the inherited list, so `{', '.join(lost)}` from "
                f"{outer.origin.where} is not sent from `{scope.label}`: browsers block its "
                "cross-origin responses",
            )
