from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.formats import server_name
from authlint.model.settings import AuthKind, AuthorizationState, Facet
from authlint.rule import Finding, Once, Rule, Severity
from authlint.rules.duplicate_auth import may_be_same_file

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import AuthCheck
    from authlint.model.workspace import Workspace


class BasicAuthAtTwoHops(Rule):
    """Basic auth is checked at this hop, and again behind it against another user file.

    ## What it does
    Finds a scope that checks Basic credentials and passes the client's
    `Authorization` on to a server of the same configuration (a loopback
    address it listens on, chosen by the `Host` it is sent), whose scope for
    the request checks Basic credentials again, with a different user file.

    Not reported: the same file at both hops; a hop that strips or replaces
    `Authorization` (the second check then never sees the user's password,
    which other rules report); a check that does not run for every request
    (another access rule may suffice, or some methods are exempt at one hop
    only); a backend that is not a server of the scanned configuration.

    ## Why is this bad?
    The browser sends one `Authorization` header with the one password the
    user typed, and both hops check it. Only users listed with the same
    password in both files get through; any other user passes the first
    check and gets `401` from the second, and the browser prompts again for
    a password the first hop then refuses. Two lists of one set of users
    also drift apart with every change.

    ## Example
    ```nginx
    server {
        listen 80;
        location / {
            auth_basic "staff";
            auth_basic_user_file /etc/nginx/staff.htpasswd;
            proxy_pass http://127.0.0.1:8081;
        }
    }
    server {
        listen 127.0.0.1:8081;
        location / {
            auth_basic "app";
            auth_basic_user_file /etc/nginx/app.htpasswd;
            proxy_pass http://127.0.0.1:9000;
        }
    }
    ```

    ## Use instead
    ```nginx
    server {
        listen 80;
        location / {
            auth_basic "staff";
            auth_basic_user_file /etc/nginx/staff.htpasswd;
            proxy_pass http://127.0.0.1:8081;
        }
    }
    server {
        listen 127.0.0.1:8081;
        location / {
            # checked once, at the front
            proxy_pass http://127.0.0.1:9000;
        }
    }
    ```
    """

    id = "AL204"
    name = "basic-auth-at-two-hops"
    severity = Severity.WARNING
    summary = "Basic auth runs at two hops with different user files: most users get 401."
    fix = (
        "Check Basic credentials at one hop only (usually the front), or have both hops read "
        "one user file."
    )
    reference_url = None
    tags = ("nginx",)
    needs = frozenset({Facet.ROUTING, Facet.FORWARDING, Facet.AUTHENTICATION})

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        once = Once()
        for scope in workspace.answering_scopes():
            found = _second_check(scope)
            if found is None:
                continue
            front, target, behind = found
            assert front.store_origin is not None
            assert behind.store_origin is not None
            if not once.first(front.store_origin):
                continue
            yield self.finding(
                front.store_origin,
                f"`{scope.label}` checks Basic credentials against `{front.store}` and passes "
                f"the client's `Authorization` on to `{target.label}`, a server of the same "
                f"configuration, where {server_name(target.format)} checks it again against "
                f"`{behind.store}` ({behind.store_origin.where}): only users listed with the "
                "same password in both files get through; the others get 401 from the second "
                "hop",
            )


def _second_check(scope: Scope) -> tuple[AuthCheck, Scope, AuthCheck] | None:
    """This scope's Basic check, the scope of the same configuration it passes the
    request on to, and that scope's own Basic check with another user file."""
    front = _runs_for_every_request(scope)
    if front is None:
        return None
    authorization = scope.settings.authorization
    if (
        authorization is None
        or not authorization.known
        or authorization.state is not AuthorizationState.PASSES
    ):
        return None
    route = scope.settings.upstream_route
    if route is None or not route.known or route.scope is None:
        return None
    behind = _runs_for_every_request(route.scope)
    if behind is None or behind.exempt_methods != front.exempt_methods:
        return None
    assert front.store is not None
    assert behind.store is not None
    if may_be_same_file(front.store, behind.store):
        return None
    return front, route.scope, behind


def _runs_for_every_request(scope: Scope) -> AuthCheck | None:
    """The scope's Basic check with its user file, where no other access rule suffices."""
    authentication = scope.settings.authentication
    check = authentication.check(AuthKind.BASIC)
    if check is None or not (check.enforced and check.known) or check.store is None:
        return None
    if check.store_origin is None or authentication.any_suffices.value:
        return None
    if not authentication.any_suffices.known:
        return None
    return check
