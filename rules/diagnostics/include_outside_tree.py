from __future__ import annotations

from authlint.model.workspace import ProblemKind
from authlint.rule import Severity
from authlint.rules.diagnostics import LoadProblemRule


class IncludeOutsideTree(LoadProblemRule):
    """An include that points outside the scanned tree, which authlint does not read.

    ## What it does
    Reports an `include` whose path leads out of the tree authlint was pointed
    at (an absolute path it cannot map onto the tree, or `../` past its top).
    authlint does not read it unless told to, and names the block whose
    settings are therefore unknown.

    ## Why is this bad?
    Reading files outside the repository would make results depend on the
    machine that runs the linter, and could read files nobody meant to lint.
    Left unread, the include's settings are unknown, so real problems in that
    block go unreported.

    ## Example
    ```nginx
    server {
        include /srv/shared/nginx/security.conf;
    }
    ```

    ## Use instead
    Map the prefix onto a folder of the repository
    (`--include-map /srv/shared/nginx=shared/nginx`), or allow reading it with
    `--follow-outside-includes`.
    ```nginx
    server {
        include /srv/shared/nginx/security.conf;  # shared/nginx/security.conf
    }
    ```
    """

    id = "AL004"
    name = "include-outside-tree"
    severity = Severity.INFO
    summary = "An include points outside the scanned tree and is not read."
    fix = (
        "Map the prefix with `--include-map PREFIX=DIR`, or pass "
        "`--follow-outside-includes` to read it."
    )
    reference_url = None
    repeats_as = ("include of it", "includes of it")
    problem_kind = ProblemKind.INCLUDE_OUTSIDE_TREE
