from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.cors import SOURCE_URL

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


_EMPTY = '""'


class CredentialsNotTrue(Rule):
    """`Access-Control-Allow-Credentials` with a value other than exactly `true`.

    ## What it does
    Finds `add_header Access-Control-Allow-Credentials` whose value is not
    the lower-case word `true` (`True`, `1`, `yes`, `false`).

    ## Why is this bad?
    Browsers compare the value byte for byte with `true`: anything else fails
    the CORS check of a credentialed request. A `false` value does nothing a
    missing header would not do, and reads as if it did. Proven in a real
    browser: in authlint's test suite, headless Chromium refuses the bad
    examples' `True` and `1` and accepts the good example's `true`.

    ## Example
    ```nginx
    add_header Access-Control-Allow-Credentials True always;
    ```

    ## Use instead
    ```nginx
    add_header Access-Control-Allow-Credentials true always;
    ```
    """

    id = "AL310"
    name = "cors-credentials-not-true"
    severity = Severity.WARNING
    summary = "Access-Control-Allow-Credentials must be exactly `true`; other values fail."
    fix = "Write `true` (lower case), or remove the header if credentials are not meant."
    reference_url = SOURCE_URL
    tags = ("cors", "nginx")
    needs = frozenset({Facet.CORS})
    states_server_behaviour = False  # the Fetch standard's CORS check, in the browser

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.answering_scopes():
            for header in scope.settings.cors.allow_credentials:
                node = header.origin
                if header.value != "true" and "$" not in header.value and once.first(node):
                    yield self.finding(
                        node,
                        f"`Access-Control-Allow-Credentials {header.value or _EMPTY}` is not "
                        "exactly `true`: browsers fail the CORS check of credentialed requests",
                    )
