from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.workspace import Workspace


class HeadersWithoutAlways(Rule):
    """CORS headers added without `always` where a 401 or 403 can be answered.

    ## What it does
    Finds `add_header Access-Control-Allow-Origin` (or
    `Access-Control-Allow-Credentials`) without the `always` parameter in a
    scope whose answer can be a 401 or 403: nginx authenticates there
    (`auth_basic`, `auth_request`, `auth_jwt`), or the request goes to an
    upstream that the config shows uses the client's credentials (they reach
    it, and CORS allows credentials or `Authorization`, the config sends or
    tests them, or the cache is keyed by them). A public proxy that nothing
    shows to authenticate is left alone. On Apache, `Header set` (the
    onsuccess table) where httpd itself asks for credentials (`AuthType` with
    a `Require` that needs a user).

    ## Why is this bad?
    Without `always`, nginx adds the header only to 200, 201, 204, 206, 301,
    302, 303, 304, 307 and 308 responses. The 401 or 403 then has no
    `Access-Control-Allow-Origin`, the browser reports a CORS error instead
    of the 401, and the front end cannot tell "log in again" from "the server
    is broken". Proven in a real browser: in authlint's test suite, the
    script in headless Chromium gets a CORS error for the bad examples' 401
    and the 401 itself for the good one's. Apache's onsuccess table misses
    only the answers httpd makes itself (its own 401 and 403): a backend's
    401 behind `ProxyPass` gets `Header set`'s headers, so there only
    httpd's own check counts.

    ## Example
    ```nginx
    location /api/ {
        add_header Access-Control-Allow-Origin https://app.example.com;
        add_header Access-Control-Allow-Credentials true;
        proxy_pass http://api;
    }
    ```

    ## Use instead
    ```nginx
    location /api/ {
        add_header Access-Control-Allow-Origin https://app.example.com always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://api;
    }
    ```
    """

    id = "AL305"
    name = "cors-headers-without-always"
    severity = Severity.WARNING
    summary = (
        "CORS headers without `always` are missing on 401/403: the browser shows a CORS error."
    )
    fix = "Send the CORS headers on error answers too."
    reference_url = None
    tags = ("cors", "nginx")
    needs = frozenset({Facet.CORS, Facet.AUTHENTICATION})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.answering_scopes():
            cors = scope.settings.cors
            candidates = [
                header
                for header in (
                    *(item.header for item in cors.allowed_origins),
                    *cors.allow_credentials,
                )
                if not header.always and not once.seen(header.origin)
            ]
            refuser = _who_can_refuse(scope) if candidates else None
            if refuser is None:
                continue
            for header in candidates:
                if once.first(header.origin):
                    yield self.finding(
                        header.origin,
                        f"`{header.origin.name} {header.name}` has no `always`, so "
                        f"{server_name(scope.format)} leaves it off "
                        f"the 401 and 403 answers of `{scope.label}` ({refuser}): the browser "
                        "reports a CORS error instead of the 401",
                    )


def _who_can_refuse(scope: Scope) -> str | None:
    """What can answer this scope's requests with a 401 or 403: the server's own check,
    or an upstream that the config shows uses the client's credentials."""
    reason = scope.settings.credential_evidence.reason
    if reason is None:
        return None
    if not reason.upstream:
        return f"`{reason.origin.name}` at {reason.origin.where}"
    if scope.settings.response_headers.on_upstream_errors:
        # The upstream's own 401 gets them too.
        return None
    return f"the upstream can answer them: {reason.describe()}"
