from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import AuthKind, Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.credential_hygiene import answers_requests, written

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import Workspace

_PASSWORD_CHECKS = (AuthKind.BASIC, AuthKind.DIGEST)


class AccessRuleOpens(Rule):
    """An access rule admits every client where passing any one rule suffices: the password
    is never asked for.

    ## What it does
    Finds a Basic or Digest check in effect together with `satisfy any` and an
    `allow all` (or `allow 0.0.0.0/0`) that the access rules in effect reach
    before any `deny all`. A narrower `allow` (an office network, `127.0.0.1`)
    is not reported: it admits those addresses only, and everyone else still
    meets the password check. Nor is `satisfy all`, where the address rule and
    the password must both pass, nor an `allow all` after a `deny` line (the
    clients it names are kept out: not every client is admitted).

    On Apache httpd: `Require all granted` (or `Require ip 0.0.0.0/0`) beside a
    `Require valid-user`, `user` or `group` in one `<RequireAny>` (the rules of a
    section are one; `AuthMerging Or` joins an inner section's to the outer
    ones), or `Satisfy Any` with `Allow from all`. An inner section whose
    `Require all granted` replaces the outer rules is an opening on purpose, and
    not reported.

    ## Why is this bad?
    With `satisfy any` (Apache's `<RequireAny>`), the server grants the request
    as soon as one access rule does. The address rule is tried first and admits
    everyone, so the Basic check is never consulted: no client is asked for a
    password, and the protected path is public while the config reads as
    protected.

    ## Example
    ```nginx
    location /admin/ {
        satisfy any;
        allow all;
        auth_basic "admin";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_pass http://admin;
    }
    ```

    ## Use instead
    ```nginx
    location /admin/ {
        satisfy any;
        allow 10.0.0.0/8;
        deny all;
        auth_basic "admin";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_pass http://admin;
    }
    ```
    """

    id = "AL603"
    name = "access-rule-opens-protected-path"
    severity = Severity.ERROR
    summary = "An access rule admits every client, so the password check never runs."
    fix = "Narrow the address rule to the networks meant to skip the password, or require both."
    reference_url = None
    tags = ("security", "nginx", "apache")
    needs = frozenset({Facet.AUTHENTICATION})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.scopes():
            authentication = scope.settings.authentication
            opening = authentication.open_to_all
            if opening is None or not authentication.known:
                continue
            check = next(
                (
                    check
                    for check in authentication.checks
                    if check.kind in _PASSWORD_CHECKS and check.known and check.origin is not None
                ),
                None,
            )
            if check is None or check.origin is None or not answers_requests(scope):
                continue
            if not once.first(opening):
                continue
            suffices = authentication.any_suffices.origin
            joined = (
                f" and `{written(suffices)}` at {suffices.where} lets one rule suffice"
                if suffices is not None and suffices is not opening
                else ""
            )
            yield self.finding(
                opening,
                f"`{written(opening)}` admits every client in `{scope.label}` without "
                f"credentials{joined}: {server_name(scope.format)} never asks for the password "
                f"of the {check.kind.value.capitalize()} check (`{written(check.origin)}` at "
                f"{check.origin.where})",
            )
