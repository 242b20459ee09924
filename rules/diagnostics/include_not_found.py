from __future__ import annotations

from authlint.model.workspace import ProblemKind
from authlint.rule import Severity
from authlint.rules.diagnostics import LoadProblemRule


class IncludeNotFound(LoadProblemRule):
    """An include whose file is not in the scanned tree.

    ## What it does
    Reports an `include` that matches no file in the tree authlint was pointed
    at, after mapping absolute paths such as `/etc/nginx/...` onto the tree.
    It names the block whose settings are therefore unknown.

    ## Why is this bad?
    Often nothing is wrong: the file is installed by a package on the server
    (`/etc/nginx/proxy_params`, `snippets/fastcgi-php.conf`). But authlint
    cannot see what it sets, so it stays silent about everything the file
    could change in that block, and real problems there go unreported.

    ## Example
    ```nginx
    location / {
        include /etc/nginx/proxy_params;
        proxy_pass http://app;
    }
    ```

    ## Use instead
    Keep the file in the repository next to the config, or tell authlint where
    it is: `authlint check --include-map /etc/nginx=deploy/nginx .`
    ```nginx
    location / {
        include /etc/nginx/proxy_params;  # deploy/nginx/proxy_params
        proxy_pass http://app;
    }
    ```
    """

    id = "AL003"
    name = "include-not-found"
    severity = Severity.INFO
    summary = "An include matches no file in the scanned tree; what it sets is unknown."
    fix = (
        "Add the file to the tree, or map its prefix with `--include-map PREFIX=DIR` so that "
        "authlint can read it."
    )
    reference_url = None
    repeats_as = ("include of it", "includes of it")
    problem_kind = ProblemKind.INCLUDE_NOT_FOUND
