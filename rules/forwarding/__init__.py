"""Family 1: the client's Authorization header on its way to the upstream."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

    One per directive that decides the state: the first scope it affects.
    """
    once = Once()
    for scope, upstream, authorization in forwarding_scopes(workspace):
        origin = authorization.origin
        if authorization.state is not state or origin is None or once.seen(origin):
            continue
        if scope.settings.credentials_sent_upstream():
            continue
        authenticates = scope.settings.authenticates_some_methods
        if authenticates.known and not authenticates.value and once.first(origin):
            yield scope, upstream, authorization
