from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.origins import LeakKind, check_filter
from authlint.model.settings import Facet, OriginKind
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.cors import SOURCE_URL, credentialed_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.settings import AllowedOrigin
    from authlint.model.tree import Node
    from authlint.model.workspace import Workspace


class NullOrigin(Rule):
    """`null` is an allowed origin, with credentials.

    ## What it does
    Finds `Access-Control-Allow-Origin null` with
    `Access-Control-Allow-Credentials true`, and allow-lists (a `map` key, an
    `if` regex) that accept the `null` origin.

    ## Why is this bad?
    Browsers send `Origin: null` from sandboxed iframes, `data:` URLs, local
    files and some redirects. Any website can produce it (a sandboxed iframe
    is enough), so allowing `null` with credentials lets any website read the
    user's data.

    ## Example
    ```nginx
    map $http_origin $cors_origin {
        default "";
        https://app.example.com $http_origin;
        null $http_origin;
    }
    ```

    ## Use instead
    ```nginx
    map $http_origin $cors_origin {
        default "";
        https://app.example.com $http_origin;
    }
    ```
    """

    id = "AL304"
    name = "cors-null-origin"
    severity = Severity.ERROR
    summary = "The `null` origin is allowed with credentials: any website can produce it."
    fix = "Remove `null` from the allowed origins."
    reference_url = SOURCE_URL
    tags = ("security", "cors", "nginx")
    needs = frozenset({Facet.CORS})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope, cors in credentialed_scopes(workspace):
            for allowed in cors.allowed_origins:
                for node in _allowing_null(allowed):
                    if once.first(node):
                        yield self.finding(
                            node,
                            f"the `null` origin is allowed with credentials for `{scope.label}`: "
                            "any page in a sandboxed iframe sends `Origin: null` and can read the "
                            "answers",
                        )


def _allowing_null(allowed: AllowedOrigin) -> Iterator[Node]:
    if allowed.kind is OriginKind.LITERAL and allowed.header.value.strip() == "null":
        yield allowed.header.origin
    if allowed.kind is not OriginKind.SELECTED:
        return
    for entry in allowed.filters:
        if not entry.regex and entry.pattern == "null":
            yield entry.origin
        elif entry.regex:
            leaks = check_filter(entry).leaks
            if any(leak.kind is LeakKind.NULL for leak in leaks):
                yield entry.origin
