"""Family 6: credential hygiene: the password file served, Basic auth skipped by an access rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.scope import ScopeRole

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node


def answers_requests(scope: Scope) -> bool:
    """Requests are answered with this scope's settings: a route, or a host that answers
    some paths itself (no route takes ``/``)."""
    if scope.settings.upstream is not None:
        return True
    if scope.role is ScopeRole.HOST:
        route = scope.settings.route("/")
        return route.known and route.scope is None
    return False


def written(node: Node) -> str:
    """A directive as a message quotes it: its name and arguments."""
    return " ".join([node.name, *node.args])
