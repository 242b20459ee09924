from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.rule import Finding, RunRule, Severity
from authlint.suppression import Malformed, scan, selector_problem

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace


class InvalidSuppression(RunRule):
    """A comment that starts with `authlint:` but cannot suppress what it names.

    ## What it does
    Reports a `# authlint: ...` comment that is not `ignore[...]` or
    `ignore-file[...]` with rule IDs or prefixes in the brackets, and each
    ID or prefix in one that matches no rule or names a rule no comment may
    suppress: AL001 (a file that does not parse always fails the run), and
    AL005 and AL006 themselves (only not enabling them silences them).

    ## Why is this bad?
    The comment looks like it silences a finding but silences nothing, or not
    what the author meant: a typo such as `AL12` for `AL102`, a missing
    bracket, or a rule that was renumbered. The finding it was written for is
    still reported, or a different one is hidden.

    ## Example
    ```nginx
    location /api/ {
        proxy_set_header Authorization "";  # authlint: ignore AL102
        proxy_pass http://127.0.0.1:9001;
    }
    ```

    ## Use instead
    ```nginx
    location /api/ {
        proxy_set_header Authorization "";  # authlint: ignore[AL102] the API is public
        proxy_pass http://127.0.0.1:9001;
    }
    ```
    """

    id = "AL006"
    name = "invalid-suppression"
    severity = Severity.WARNING
    summary = "An `authlint:` comment does not parse, or names a rule it cannot suppress."
    fix = (
        "Write `# authlint: ignore[AL102]` (or `ignore-file[...]`) with the IDs or prefixes "
        "of rules that exist; AL001, AL005 and AL006 cannot be suppressed by a comment."
    )
    # The comment syntax is authlint's own: its docs are this page.
    reference_url = None

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        for item in scan(workspace):
            if isinstance(item, Malformed):
                yield self.finding(
                    item.span,
                    "this `authlint:` comment is not `authlint: ignore[IDS]` or "
                    "`authlint: ignore-file[IDS]`, so it suppresses nothing",
                )
                continue
            for selector in item.selectors:
                problem = selector_problem(selector, self.run.rules)
                if problem is not None:
                    yield self.finding(selector.span, f"invalid suppression: {problem}")
