from __future__ import annotations

from authlint.model.workspace import ProblemKind
from authlint.rule import Severity
from authlint.rules.diagnostics import LoadProblemRule


class IncludeCycle(LoadProblemRule):
    """An include that leads back to a file that is already being read.

    ## What it does
    Reports the `include` that closes a cycle: a file that, directly or through
    other files, includes itself.

    ## Why is this bad?
    nginx reads includes as they come, so a cycle makes it include the same
    files again and again: the config cannot be loaded (nginx 1.22's
    `nginx -t` recurses until it crashes).

    ## Example
    ```nginx
    # snippets/a.conf
    include snippets/b.conf;
    # snippets/b.conf
    include snippets/a.conf;
    ```

    ## Use instead
    ```nginx
    # snippets/a.conf
    include snippets/b.conf;
    # snippets/b.conf: no include back to a.conf
    proxy_set_header X-Forwarded-Proto $scheme;
    ```
    """

    id = "AL002"
    name = "include-cycle"
    severity = Severity.ERROR
    summary = "An include leads back to a file that is already being read."
    fix = "Remove the include that leads back, or move the shared lines into a third file."
    reference_url = None
    problem_kind = ProblemKind.INCLUDE_CYCLE
