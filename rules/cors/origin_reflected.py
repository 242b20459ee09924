from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.origins import LeakKind, check_filter
from authlint.model.settings import AllowedOrigin, Facet, OriginKind
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.cors import SOURCE_URL, credentialed_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class OriginReflected(Rule):
    r"""The request's `Origin` is echoed with credentials, without an allow-list.

    ## What it does
    Finds `Access-Control-Allow-Origin` set from the request's `Origin`
    (`$http_origin`, or a variable set from it, or a `map` whose default
    echoes it) together with `Access-Control-Allow-Credentials true`, where no
    allow-list decides which origins are echoed, or where the allow-list
    accepts any origin (a regex such as `.*`).

    ## Why is this bad?
    Any website the user visits can then make requests with the user's
    cookies or credentials and read the answers: their data, their CSRF
    tokens, whatever the API returns. An allow-list, a `map` with exact or
    anchored keys and an empty default, or an anchored `if` regex, is not
    reported here (AL303 judges its regexes). Proven in a real browser: in
    authlint's test suite, a page of another site in headless Chromium sends
    the user's cookie (third-party cookies allowed) and reads the bad
    examples' answers, and not the good ones'.

    ## Example
    ```nginx
    location /api/ {
        add_header Access-Control-Allow-Origin $http_origin always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://api;
    }
    ```

    ## Use instead
    ```nginx
    map $http_origin $cors_origin {
        default "";
        "~^https://(app|admin)\.example\.com$" $http_origin;
    }
    server {
        location /api/ {
            add_header Access-Control-Allow-Origin $cors_origin always;
            add_header Access-Control-Allow-Credentials true always;
            add_header Vary Origin always;
            proxy_pass http://api;
        }
    }
    ```
    """

    id = "AL302"
    name = "cors-origin-reflected"
    severity = Severity.ERROR
    summary = (
        "Any origin is echoed back with credentials: every website can call the API as the user."
    )
    fix = "Echo only allowed origins: exact or anchored patterns, and nothing for the rest."
    reference_url = SOURCE_URL
    tags = ("security", "cors", "nginx")
    needs = frozenset({Facet.CORS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cors in credentialed_scopes(workspace):
            for allowed in cors.allowed_origins:
                node = allowed.header.origin
                how = _unfiltered(allowed)
                if how is None or not once.first(node):
                    continue
                yield self.finding(
                    node,
                    f"`Access-Control-Allow-Origin` in `{scope.label}` echoes {how}, with "
                    "`Access-Control-Allow-Credentials true`: any website can make credentialed "
                    "requests and read the answers",
                )


def _unfiltered(allowed: AllowedOrigin) -> str | None:
    """How the request's Origin gets through whatever it is; ``None`` if it does not."""
    if allowed.kind is OriginKind.REFLECTED:
        table = allowed.fallback
        if table is not None:
            return f"the request's Origin (the default of the `{table.name}` at {table.where})"
        return "the request's Origin whatever it is"
    if allowed.kind is OriginKind.SELECTED:
        for entry in allowed.filters:
            check = check_filter(entry) if entry.regex else None
            if check and any(leak.kind is LeakKind.ANY_ORIGIN for leak in check.leaks):
                return (
                    f"any origin: the allow-list regex at {entry.origin.where} accepts every origin"
                )
    return None
