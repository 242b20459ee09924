from __future__ import annotations

from authlint.model.workspace import ProblemKind
from authlint.rule import Severity
from authlint.rules.diagnostics import LoadProblemRule


class OverrideRefused(LoadProblemRule):
    """An `.htaccess` directive that `AllowOverride` does not allow where the file is read.

    ## What it does
    Finds, in an `.htaccess` file placed in a folder a virtual host serves, the
    first directive whose class the `AllowOverride` (or `AllowOverrideList`) in
    effect there does not allow: a `Header` where only `AuthConfig` is allowed,
    a `Require` where only `FileInfo` is.

    ## Why is this bad?
    httpd reads the file at each request and refuses it whole: every request
    below that folder gets `500 Internal Server Error`, and nothing the file
    sets applies (its error log says "... not allowed here").

    ## Example
    ```apache
    # the virtual host: <Directory /srv/app/public> AllowOverride AuthConfig
    # /srv/app/public/.htaccess
    Header always set Access-Control-Allow-Origin "https://app.example.com"
    ```

    ## Use instead
    ```apache
    # the virtual host: <Directory /srv/app/public> AllowOverride AuthConfig FileInfo
    Header always set Access-Control-Allow-Origin "https://app.example.com"
    ```
    """

    id = "AL008"
    name = "override-refused"
    severity = Severity.ERROR
    summary = "An .htaccess directive that AllowOverride does not allow: httpd answers 500."
    fix = (
        "Allow the directive's class in the folder's `AllowOverride` (or name it in "
        "`AllowOverrideList`), or move the directive into the server's configuration."
    )
    reference_url = "https://httpd.apache.org/docs/2.4/mod/core.html#allowoverride"
    states_server_behaviour = True
    problem_kind = ProblemKind.OVERRIDE_REFUSED
