from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.cors import credentialed_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class AllowHeadersWildcard(Rule):
    """`Access-Control-Allow-Headers: *` relied on to allow `Authorization`, with credentials.

    ## What it does
    Finds `Access-Control-Allow-Headers *` (without `Authorization` listed)
    in a scope that also sends `Access-Control-Allow-Credentials true`.

    ## Why is this bad?
    With credentials, `*` is not a wildcard but the literal header name `*`;
    and even without them, `Authorization` is never covered by `*`: it must be
    listed by name. Preflights of requests that send `Authorization` then
    fail in browsers that follow the Fetch standard (Chromium lets it through
    when the request has no credentials, so that failure shows only in some
    browsers). CloudFront
    refuses the combination outright. Proven in a real browser: in
    authlint's test suite, headless Chromium refuses `Authorization`, and any
    other header, under `*` with credentials, and accepts it listed by name.

    ## Example
    ```nginx
    add_header Access-Control-Allow-Credentials true always;
    add_header Access-Control-Allow-Headers * always;
    ```

    ## Use instead
    ```nginx
    add_header Access-Control-Allow-Credentials true always;
    add_header Access-Control-Allow-Headers "Authorization, Content-Type" always;
    ```
    """

    id = "AL311"
    name = "cors-allow-headers-wildcard"
    severity = Severity.WARNING
    summary = (
        "`Access-Control-Allow-Headers: *` never covers Authorization, nor anything with "
        "credentials."
    )
    fix = "List the request headers by name, `Authorization` among them."
    reference_url = "https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name"
    tags = ("cors", "nginx")
    needs = frozenset({Facet.CORS})
    states_server_behaviour = False  # the Fetch standard's preflight check, in the browser

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cors in credentialed_scopes(workspace):
            for header in cors.allow_headers:
                names = header.names()
                node = header.origin
                if "*" in names and "authorization" not in names and once.first(node):
                    yield self.finding(
                        node,
                        f"`Access-Control-Allow-Headers *` in `{scope.label}` with credentials "
                        "allows no header at all, and `*` never covers `Authorization`: "
                        "preflights of requests that send it fail",
                    )
