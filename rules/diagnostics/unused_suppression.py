from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.rule import RULE_ID, Finding, RunRule, Severity
from authlint.suppression import Suppression, apply, scan, selector_problem

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace
    from authlint.suppression import Selector


class UnusedSuppression(RunRule):
    """A suppression comment, or a rule named in one, that suppressed nothing in this run.

    ## What it does
    Reports each rule ID or prefix in a `# authlint: ignore[...]` or
    `# authlint: ignore-file[...]` comment that hid no finding: the line (or
    file) it covers has no finding of that rule, a blank line separates the
    comment from the line it was meant for, or the rule is not enabled in
    this run (the message says which). Like ruff's unused-`noqa` check
    (RUF100). A suppression's own problems are AL006's.

    ## Why is this bad?
    Suppressions rot: the config is fixed or moved, and the comment stays. A
    stale suppression then hides the next, unrelated problem of that rule on
    its line, and readers take the comment for a known, accepted risk that
    no longer exists.

    ## Example
    ```nginx
    location /api/ {
        # authlint: ignore[AL102] the API reads the user from X-User
        proxy_set_header X-User $remote_user;
        proxy_pass http://127.0.0.1:9001;
    }
    ```

    ## Use instead
    ```nginx
    location /api/ {
        proxy_set_header X-User $remote_user;
        proxy_pass http://127.0.0.1:9001;
    }
    ```
    """

    id = "AL005"
    name = "unused-suppression"
    severity = Severity.WARNING
    summary = "A suppression comment, or a rule named in it, suppressed nothing."
    fix = "Remove the rule from the comment, or the whole comment if it names no other."
    # The comment syntax is authlint's own: its docs are this page.
    reference_url = None

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        suppressions = [item for item in scan(workspace) if isinstance(item, Suppression)]
        used = apply(suppressions, self.run.findings, self.run.rules).used
        enabled = [
            rule.id for rule in self.run.rules if rule.suppressible and rule.id in self.run.enabled
        ]
        for suppression in suppressions:
            kind = "ignore-file" if suppression.whole_file else "ignore"
            for selector in suppression.selectors:
                # An invalid selector is AL006's to report.
                if selector in used or selector_problem(selector, self.run.rules) is not None:
                    continue
                written = f"`{kind}[{selector.text}]` suppresses nothing: "
                if not any(selector.matches(rule_id) for rule_id in enabled):
                    yield self.finding(
                        selector.span,
                        written + _not_enabled(selector),
                        "Remove the rule from the comment, or enable it.",
                    )
                else:
                    yield self.finding(
                        selector.span, written + _nothing_to_hide(suppression, selector)
                    )


def _not_enabled(selector: Selector) -> str:
    if RULE_ID.match(selector.text):
        return f"{selector.text} is not enabled in this run"
    return f"no rule matching {selector.text} is enabled in this run"


def _nothing_to_hide(suppression: Suppression, selector: Selector) -> str:
    if suppression.whole_file:
        return f"no {selector.text} finding in this file"
    if suppression.line is None:
        return "a blank line or the end of the file follows the comment, so it covers no line"
    return f"no {selector.text} finding on line {suppression.line}"
