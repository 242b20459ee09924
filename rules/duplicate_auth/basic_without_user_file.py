from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.scope import ScopeRole
from authlint.model.settings import AuthKind, Facet
from authlint.rule import Finding, Once, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.workspace import Workspace


class BasicWithoutUserFile(Rule):
    """Basic auth is declared without a user file, so nothing is checked.

    ## What it does
    Finds an `auth_basic` realm (not `off`) in effect where no
    `auth_basic_user_file` is set, at that level or inherited, for a
    location (or a server whose requests no location takes) that no other
    check protects. A user file an unread include may set keeps it silent.

    On Apache, where a missing user file is a 500, not an open door: an
    `AuthType Basic` whose section has no `Require`, while the rules in effect
    there (an outer section's `Require all granted`) grant every request. A
    section that opens itself with its own `Require all granted` is on purpose
    and left alone.

    ## Why is this bad?
    nginx's Basic auth runs only when both the realm and the user file are
    in effect: without the file it declines, asks for no password and lets
    requests through without credentials. The config reads as protected
    and only addresses rules (`allow`, `deny`), if any, still stand in the
    way; nothing in the error log says so. httpd asks for credentials only
    where a `Require` rule needs a user: `AuthType` alone changes nothing,
    and the outer `Require all granted` lets everyone in.

    ## Example
    ```nginx
    location /admin/ {
        auth_basic "admin";
        proxy_pass http://admin;
    }
    ```

    ## Use instead
    ```nginx
    location /admin/ {
        auth_basic "admin";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_pass http://admin;
    }
    ```
    """

    id = "AL201"
    name = "basic-auth-without-user-file"
    severity = Severity.ERROR
    summary = (
        "Basic auth that asks nobody (no user list, or no `Require`): no password is asked for."
    )
    fix = "Give the Basic check its user list at this level or an outer one."
    reference_url = None
    tags = ("security", "nginx")
    needs = frozenset({Facet.ROUTING, Facet.AUTHENTICATION})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.scopes():
            authentication = scope.settings.authentication
            basic = authentication.check(AuthKind.BASIC)
            if basic is None or basic.idle_reason is None or not basic.known:
                continue
            if basic.origin is None:
                continue
            if not _answers_requests(scope):
                continue
            # Another check that runs here still keeps strangers out.
            others = authentication.server_authenticates
            if others.value or not others.known or not once.first(basic.origin):
                continue
            yield self.finding(
                basic.origin,
                f"`{basic.origin.name} {basic.origin.arg(0)}` is in effect in `{scope.label}` "
                f"{basic.idle_reason}: {server_name(scope.format)} then asks for no password "
                "and lets requests through without credentials",
            )


def _answers_requests(scope: Scope) -> bool:
    """Requests are answered with this scope's settings: a route, or a host that answers
    some paths itself (no route takes ``/``)."""
    if scope.role is ScopeRole.HOST:
        route = scope.settings.route("/")
        return route.known and route.scope is None
    return scope.settings.upstream is not None
