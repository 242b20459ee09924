"""Family 1: the client's Authorization header on its way to the upstream."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import AuthKind
from authlint.rule import Once

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import AuthorizationForwarding, AuthorizationState, Upstream
    from authlint.model.workspace import Workspace


def forwarding_scopes(
    workspace: Workspace,
) -> list[tuple[Scope, Upstream, AuthorizationForwarding]]:
    """Scopes that pass requests to an upstream, where what happens to Authorization is
    known (listed once for every rule that asks)."""
    return workspace.shared(_forwarding)


def _forwarding(workspace: Workspace) -> list[tuple[Scope, Upstream, AuthorizationForwarding]]:
    found = []
    for scope in workspace.forwarding_scopes():
        settings = scope.settings
        upstream, authorization = settings.upstream, settings.authorization
        if upstream is not None and authorization is not None and authorization.known:
            found.append((scope, upstream, authorization))
    return found


def where_server_does_not_authenticate(
    workspace: Workspace, state: AuthorizationState
) -> Iterator[tuple[Scope, Upstream, AuthorizationForwarding]]:
    """Forwarding scopes in ``state`` where the server checks no credentials itself (for no
    method), and sends none of the client's under another header either (an auth
    subrequest that passes on the session cookie alone).

    One per directive that decides the state: the first scope it affects. Scopes only
    the server's own subrequests reach count only where they answer an authentication
    subrequest.
    """
    once = Once()
    for scope, upstream, authorization in forwarding_scopes(workspace):
        origin = authorization.origin
        if authorization.state is not state or origin is None or once.seen(origin):
            continue
        # What only the server's own calls reach (a module's token introspection, an
        # internal redirect to storage) answers no client, unless it decides one's
        # authentication.
        settings = scope.settings
        if settings.subrequests_only and scope not in workspace.shared(_authentication_targets):
            continue
        if settings.credentials_sent_upstream():
            continue
        authenticates = settings.authenticates_some_methods
        if authenticates.known and not authenticates.value and once.first(origin):
            yield scope, upstream, authorization


def _authentication_targets(workspace: Workspace) -> frozenset[Scope]:
    """The scopes that answer the authentication subrequests of the routes."""
    targets = set()
    for scope in workspace.answering_scopes():
        check = scope.settings.authentication.check(AuthKind.SUBREQUEST)
        if check is not None and check.target is not None:
            route = scope.settings.route(check.target)
            if route.scope is not None:
                targets.add(route.scope)
    return frozenset(targets)
