"""Family 3: CORS, and credentials in cross-origin requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.settings import CorsPolicy
    from authlint.model.workspace import Workspace

SOURCE_URL = "https://fetch.spec.whatwg.org/#http-cors-protocol"
ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"


def is_cors_header(name: str) -> bool:
    return name.lower().startswith("access-control-")


def credentialed_scopes(workspace: Workspace) -> Iterator[tuple[Scope, CorsPolicy]]:
    """Scopes that answer with `Access-Control-Allow-Credentials: true`, and their CORS."""
    for scope in workspace.answering_scopes():
        cors = scope.settings.cors
        if cors.credentials:
            yield scope, cors
