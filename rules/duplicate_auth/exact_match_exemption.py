from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import AuthKind, Facet
from authlint.rule import Finding, Rule, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import Route
    from authlint.model.workspace import Workspace


class ExactMatchExemption(Rule):
    """Basic auth is turned off for one exact URL while the paths below it still ask for it.

    ## What it does
    Finds an exact-match location (`location = /api`) that passes requests
    to an upstream with `auth_basic off`, under a level where Basic auth
    runs, when the request for the same path with a slash (`/api/`) is
    answered by another location (a prefix location for the same path, or
    the server's `location /`) where Basic auth still runs. The message
    names that location.

    Not reported: paths that end with a slash or name a file (`= /robots.txt`,
    `= /favicon.ico`), `= /`, and exact locations that answer by themselves
    (`return`, files): those are single URLs on purpose.

    ## Why is this bad?
    `location = /api` matches `/api` and nothing else. An exemption meant
    for an API (its own tokens, no browser prompt) then covers its mount
    point only: `/api/` and every other path below it fall to a prefix
    location that inherits Basic auth, and the API's clients get
    `401` with a `WWW-Authenticate: Basic` challenge.

    ## Example
    ```nginx
    server {
        auth_basic "staging";
        auth_basic_user_file /etc/nginx/htpasswd;

        location = /api {
            auth_basic off;
            proxy_pass http://api;
        }

        location / {
            proxy_pass http://app;
        }
    }
    ```

    ## Use instead
    ```nginx
    server {
        auth_basic "staging";
        auth_basic_user_file /etc/nginx/htpasswd;

        location /api {
            auth_basic off;
            proxy_pass http://api;
        }

        location / {
            proxy_pass http://app;
        }
    }
    ```
    """

    id = "AL203"
    name = "basic-auth-exact-match-exemption"
    severity = Severity.WARNING
    summary = "Basic auth is turned off for one exact URL, not for the paths below it."
    fix = (
        "Turn Basic auth off in a prefix route for the path (and what is below it), not in an "
        "exact-match one."
    )
    reference_url = None
    tags = ("nginx",)
    needs = frozenset({Facet.ROUTING, Facet.AUTHENTICATION})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        for scope in workspace.scopes():
            # Cheapest first: most levels have no Basic auth around them.
            if scope.parent is None or not scope.parent.settings.authentication.basic.value:
                continue
            path = scope.settings.exact_path
            if path is None or scope.node is None or not _exempt_app(scope, path):
                continue
            below = f"{path}/"
            route = scope.settings.route(below)
            if not _asks_for_basic(route) or route.scope is None:
                continue
            basic = route.scope.settings.authentication.basic
            where = f" (`{basic.origin.name}` at {basic.origin.where})" if basic.origin else ""
            yield self.finding(
                scope.node,
                f"`{scope.label}` turns Basic auth off for `{path}` alone: "
                f"{server_name(scope.format)} answers `{below}` with `{route.scope.label}`, "
                f"where Basic auth still runs{where} and asks for a password",
                fields={"path": path},
            )


def _exempt_app(scope: Scope, path: str) -> bool:
    """``scope`` passes requests on, checks no credentials, and has Basic auth turned off
    where the level around it runs it; ``path`` is no file, no folder and not ``/``."""
    if path.endswith("/") or "." in path.rpartition("/")[2] or scope.parent is None:
        return False
    upstream = scope.settings.upstream
    if upstream is None or not upstream.forwards_headers or not upstream.known:
        return False
    authentication = scope.settings.authentication
    own = authentication.server_authenticates
    basic = authentication.check(AuthKind.BASIC)
    # Turned off on purpose: none declared (nginx `auth_basic off`), or one its rules ask
    # nobody to pass (Apache `Require all granted`).
    if own.value or not own.known or (basic is not None and basic.idle_reason is not None):
        return False
    if basic is not None and basic.enforced:
        return False
    outer = scope.parent.settings.authentication.basic
    return outer.value and outer.known


def _asks_for_basic(route: Route) -> bool:
    """The route is known, passes nothing on by a redirect, and refuses every request
    without Basic credentials."""
    if route.scope is None or not route.known or route.redirects:
        return False
    authentication = route.scope.settings.authentication
    basic = authentication.check(AuthKind.BASIC)
    return (
        authentication.every_request_authenticated
        and basic is not None
        and basic.enforced
        and not basic.exempt_methods
    )
