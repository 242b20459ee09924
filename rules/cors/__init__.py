"""Family 3: CORS, and credentials in cross-origin requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import RequestsAnswered

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.settings import CorsPolicy
    from authlint.model.workspace import Workspace

SOURCE_URL = "https://fetch.spec.whatwg.org/#http-cors-protocol"
ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"
# Read by browsers on preflight answers only.
_PREFLIGHT_ONLY = frozenset(
    {"access-control-allow-methods", "access-control-allow-headers", "access-control-max-age"}
)


def is_cors_header(name: str) -> bool:
    return name.lower().startswith("access-control-")


def read_on(name: str, answers: RequestsAnswered) -> bool:
    """Whether browsers read the CORS header ``name`` on the answers a scope makes: the
    preflight's own headers on preflights only, ``Access-Control-Expose-Headers`` on
    the others only (Fetch, CORS-preflight fetch and CORS check)."""
    lowered = name.lower()
    if lowered in _PREFLIGHT_ONLY:
        return answers is not RequestsAnswered.OTHERS
    if lowered == "access-control-expose-headers":
        return answers is not RequestsAnswered.PREFLIGHTS
    return True


def credentialed_scopes(workspace: Workspace) -> list[tuple[Scope, CorsPolicy]]:
    """Scopes that answer with `Access-Control-Allow-Credentials: true`, and their CORS
    (listed once for every rule that asks)."""
    return workspace.shared(_credentialed)


def _credentialed(workspace: Workspace) -> list[tuple[Scope, CorsPolicy]]:
    found = []
    for scope in workspace.answering_scopes():
        cors = scope.settings.cors
        if cors.credentials:
            found.append((scope, cors))
    return found
