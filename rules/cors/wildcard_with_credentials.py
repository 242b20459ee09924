from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import Facet, OriginKind
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.cors import SOURCE_URL, credentialed_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class WildcardWithCredentials(Rule):
    """`Access-Control-Allow-Origin: *` together with `Access-Control-Allow-Credentials: true`.

    ## What it does
    Finds a scope whose responses carry `Access-Control-Allow-Origin *` and
    `Access-Control-Allow-Credentials true` together.

    ## Why is this bad?
    Browsers refuse the combination: a credentialed request (cookies, or
    `credentials: 'include'`) fails the CORS check, so every logged-in call
    from the front end ends in a CORS error and the app never sees it. The
    usual "fix", echoing the request's `Origin` instead, opens the API to
    every website (AL302); list the origins instead. Proven in a real
    browser: in authlint's test suite, headless Chromium turns the bad
    examples' 200 into a CORS error and reads the good ones' answers.

    ## Example
    ```nginx
    location /api/ {
        add_header Access-Control-Allow-Origin * always;
        add_header Access-Control-Allow-Credentials true always;
        proxy_pass http://api;
    }
    ```

    ## Use instead
    ```nginx
    map $http_origin $cors_origin {
        default "";
        https://app.example.com $http_origin;
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

    id = "AL301"
    name = "cors-wildcard-with-credentials"
    severity = Severity.ERROR
    summary = "A wildcard origin with credentials: browsers reject every credentialed call."
    fix = (
        "Answer with the caller's origin from an allow-list that echoes nothing for other origins."
    )
    reference_url = SOURCE_URL
    tags = ("cors", "nginx")
    needs = frozenset({Facet.CORS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cors in credentialed_scopes(workspace):
            for allowed in cors.allowed_origins:
                node = allowed.header.origin
                if allowed.kind is OriginKind.WILDCARD and once.first(node):
                    yield self.finding(
                        node,
                        "`Access-Control-Allow-Origin *` with `Access-Control-Allow-Credentials "
                        f"true` in `{scope.label}`: browsers reject credentialed requests with "
                        "this answer, so logged-in calls fail with a CORS error",
                    )
