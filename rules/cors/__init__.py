"""Family 3: CORS, and credentials in cross-origin requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.scope import Scope
    from authlint.model.workspace import Workspace

SOURCE_URL = "https://fetch.spec.whatwg.org/#http-cors-protocol"
ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"


def answering_scopes(workspace: Workspace) -> Iterator[Scope]:
    """Scopes that answer requests (locations, their ``if`` and ``limit_except`` blocks)."""
    for scope in workspace.scopes():
        if scope.settings.upstream is not None:
            yield scope


def is_cors_header(name: str) -> bool:
    return name.lower().startswith("access-control-")
