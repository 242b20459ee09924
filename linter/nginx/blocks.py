"""The nginx blocks that are scopes, by the names of their directives, and their roles."""

from __future__ import annotations

from typing import Final

from authlint.model.scope import ScopeRole

# The implied top level, around everything in nginx.conf.
MAIN: Final = "main"
HTTP: Final = "http"
SERVER: Final = "server"
LOCATION: Final = "location"
IF: Final = "if"
LIMIT_EXCEPT: Final = "limit_except"

ROLES: Final = {
    MAIN: ScopeRole.ROOT,
    HTTP: ScopeRole.ROOT,
    SERVER: ScopeRole.HOST,
    LOCATION: ScopeRole.ROUTE,
    IF: ScopeRole.CONDITION,
    LIMIT_EXCEPT: ScopeRole.CONDITION,
}
