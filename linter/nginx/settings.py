"""The effective settings of an nginx scope: the model's settings protocol, for nginx.

Each subject lives in its module (``handlers``, ``authentication``,
``headers``, ``cors``, ``variables``, ``cache``, ``buffers``, ``locations``),
each with the nginx facts it encodes; this class computes each setting once
per scope, on first use, and keeps it. Members beyond the protocol
(``variable_definitions``, ``loopback_servers``, ``buffers``, ...) are nginx's
own, for this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from authlint.memo import memoized
from authlint.model import evidence
from authlint.model.settings import Route
from authlint.nginx import authentication as _authentication
from authlint.nginx import blocks, handlers, headers, listens, locations, rewrite, variables
from authlint.nginx import buffers as _buffers
from authlint.nginx import cache as _cache
from authlint.nginx import cors as _cors
from authlint.nginx import served as _served
from authlint.nginx import transport as _transport
from authlint.nginx.inheritance import Inheriting

if TYPE_CHECKING:
    from authlint.model.evidence import CredentialEvidence
    from authlint.model.scope import Scope
    from authlint.model.settings import (
        Authentication,
        AuthorizationForwarding,
        CachePolicy,
        CorsPolicy,
        HeaderEntry,
        HeaderLimits,
        IgnoredLimit,
        PartlyAppliedLimit,
        RefusedBuffers,
        RequestHeaders,
        ResponseHeaders,
        ServedFile,
        Setting,
        Transport,
        Upstream,
    )
    from authlint.model.tree import Node
    from authlint.nginx.inheritance import Lookup


class NginxSettings(Inheriting):
    """The effective settings of one nginx scope, computed on first use."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(scope)
        self._own_lists: dict[str, handlers.OwnList] = {}

    # Routing

    @memoized
    def upstream(self) -> Upstream | None:
        return handlers.upstream(self)

    def route(self, path: str) -> Route:
        server = self.scope.enclosing(blocks.SERVER)
        if server is None:
            return Route(None, False)
        return locations.match_location(server, path)

    @memoized
    def exact_path(self) -> str | None:
        return locations.exact_path(self.scope)

    @memoized
    def upstream_route(self) -> Route | None:
        return locations.proxied_location(self.scope)

    @property
    def outer_scope(self) -> Scope | None:
        return self.scope.parent

    @memoized
    def subrequests_only(self) -> bool:
        return _authentication.internal(self)

    def served_file(self, path: str) -> ServedFile | None:
        return _served.served_file(self.scope, path)

    @memoized
    def served_folders(self) -> frozenset[str]:
        return _served.served_folders(self.scope)

    @memoized
    def transport(self) -> Transport | None:
        return _transport.transport(self.scope)

    @memoized
    def loopback_servers(self) -> dict[str, tuple[Scope, ...]]:
        """The servers below this scope (an ``http``) by the loopback ports they listen on."""
        index: dict[str, list[Scope]] = {}
        for server in self.scope.walk():
            if server.kind == blocks.SERVER:
                for port in locations.loopback_listen_ports(server):
                    index.setdefault(port, []).append(server)
        return {port: tuple(servers) for port, servers in index.items()}

    @memoized
    def listen_groups(self) -> dict[Scope, tuple[listens.ListenGroup, ...]]:
        """The addresses each server of this scope (an ``http``) listens on."""
        return listens.listen_groups(self.scope)

    # Forwarding

    @memoized
    def request_headers(self) -> RequestHeaders | None:
        return handlers.request_headers(self)

    @memoized
    def authorization(self) -> AuthorizationForwarding | None:
        return handlers.authorization(self)

    def own_list(self, list_name: str) -> handlers.OwnList:
        """This scope's own header list ``list_name``, built once for all who inherit it."""
        built = self._own_lists.get(list_name)
        if built is None:
            built = self._own_lists[list_name] = handlers.own_list(self, list_name)
        return built

    @staticmethod
    def own_list_found(found: Lookup, list_name: str) -> handlers.OwnList:
        """The own list ``list_name`` of the level where ``found`` found it (none: empty)."""
        if found.scope is None:
            return handlers.NO_LIST
        return cast(NginxSettings, found.scope.settings).own_list(list_name)

    def credentials_sent_upstream(self) -> tuple[HeaderEntry, ...]:
        return self.sent_credentials

    @memoized
    def sent_credentials(self) -> tuple[HeaderEntry, ...]:
        """What :meth:`credentials_sent_upstream` answers, kept: several rules ask."""
        return variables.credentials_sent_upstream(self)

    def variable_definitions(self, name: str) -> tuple[variables.VariableDefinition, ...]:
        return variables.variable_definitions(self, name)

    @memoized
    def rewrite_paths(self) -> tuple[rewrite.Path, ...]:
        """The ways requests go through the rewrite directives here."""
        return rewrite.rewrite_paths(self)

    @memoized
    def defined_variables(self) -> frozenset[str]:
        """The variables some level of this tree defines (on the top level)."""
        return variables.defined_variables(self)

    @memoized
    def level_variables(self) -> variables.LevelVariables:
        """The variables this level defines itself, indexed once for every look-up."""
        return variables.level_variables(self)

    # Authentication

    @memoized
    def authentication(self) -> Authentication:
        return _authentication.authentication(self)

    @memoized
    def authenticates_some_methods(self) -> Setting[bool]:
        return _authentication.authenticates_some_methods(self)

    @memoized
    def preflight_answered_by(self) -> Node | None:
        return _authentication.preflight_answered_by(self)

    @memoized
    def credential_tests(self) -> tuple[Node, ...]:
        return rewrite.credential_tests(self)

    @memoized
    def credential_evidence(self) -> CredentialEvidence:
        return evidence.credential_evidence(self)

    # Response headers and CORS

    @memoized
    def response_headers(self) -> ResponseHeaders:
        return headers.response_headers(self)

    @memoized
    def hidden_upstream_headers(self) -> Setting[frozenset[str]]:
        return handlers.hidden_upstream_headers(self)

    @memoized
    def added_freshness(self) -> Setting[bool]:
        return headers.added_freshness(self)

    @memoized
    def cors(self) -> CorsPolicy:
        return _cors.cors(self)

    # Caching

    @memoized
    def cache_store(self) -> Setting[str | None]:
        return _cache.cache_store(self)

    @memoized
    def cache(self) -> CachePolicy | None:
        return _cache.cache(self)

    # Header limits

    @memoized
    def buffers(self) -> _buffers.HeaderBuffers:
        return _buffers.buffers(self)

    @memoized
    def header_limits(self) -> HeaderLimits:
        return _buffers.header_limits(self)

    @memoized
    def refused_buffers(self) -> tuple[RefusedBuffers, ...]:
        return _buffers.refused_buffers(self)

    @memoized
    def ignored_limits(self) -> tuple[IgnoredLimit, ...]:
        return _buffers.ignored_limits(self)

    @memoized
    def partly_applied_limits(self) -> tuple[PartlyAppliedLimit, ...]:
        return _buffers.partly_applied_limits(self)

    @memoized
    def auth_answer_credentials(self) -> tuple[Node, ...]:
        return _buffers.auth_answer_credentials(self)
