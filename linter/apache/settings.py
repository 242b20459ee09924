"""The effective settings of an Apache scope: the model's settings protocol, for httpd.

Each is computed from the sections httpd merges for the request the scope
stands for (:func:`authlint.apache.scopes.merge_chain`), once, on first use.
Apache provides the CORS, forwarding, authentication, cache, header limits,
served-files and transport facets so far; the members of the facets it does not
provide give the protocol's neutral values (nothing cached or limited), which no rule
that runs on Apache reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from authlint.apache import authentication as _authentication
from authlint.apache import cache as _cache
from authlint.apache import cors as _cors
from authlint.apache import expires as _expires
from authlint.apache import forwarding as _forwarding
from authlint.apache import headers as _headers
from authlint.apache import limits as _limits
from authlint.apache import regex
from authlint.apache import routing as _routing
from authlint.apache import served as _served
from authlint.apache import transport as _transport
from authlint.apache import vhosts as _vhosts
from authlint.apache.scopes import HTACCESS, host_of, merge_chain, route_sections
from authlint.memo import memoized
from authlint.model import evidence
from authlint.model.scope import ScopeRole
from authlint.model.settings import (
    Authentication,
    HeaderLimits,
    ResponseHeaders,
    Route,
    Setting,
    Upstream,
)

if TYPE_CHECKING:
    from authlint.apache.authentication import ApacheAuthentication
    from authlint.apache.headers import HeaderAction
    from authlint.model.evidence import CredentialEvidence
    from authlint.model.scope import Scope
    from authlint.model.settings import (
        AuthorizationForwarding,
        CachePolicy,
        CorsPolicy,
        HeaderEntry,
        IgnoredLimit,
        PartlyAppliedLimit,
        RefusedBuffers,
        RequestHeaders,
        ServedFile,
        Transport,
    )
    from authlint.model.tree import Node


class ApacheSettings:
    """The effective settings of one Apache scope, computed on first use."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.guessed = False

    @memoized
    def chain(self) -> tuple[Scope, ...]:
        slow = regex.too_slow()
        found = merge_chain(self.scope, _route_sections)
        # A section's regex that took too long was taken as not matching: a guess.
        self.guessed = regex.too_slow() != slow
        return found

    @memoized
    def route_sections(self) -> list[Scope]:
        """The route sections written at this level, listed once for every request that
        merges them (a server of a thousand hosts is read for each)."""
        return route_sections(self.scope)

    @memoized
    def access_directives(self) -> list[tuple[Node, Node | None]]:
        """This section's directives, each with the ``<Limit>`` it sits in, listed once."""
        return list(_authentication.own_directives(self.scope))

    @memoized
    def access_rules(self) -> list[_authentication.AccessRule]:
        """This section's own authorization rules, read once for every request."""
        return _authentication.section_rules(self.scope)

    @memoized
    def last_access(self) -> dict[str, Node]:
        """This section's last directive of each name, read once for every request."""
        return _authentication.last_directives(self.scope)

    @property
    def outer_scope(self) -> Scope | None:
        if self.scope.kind in ("limit", "limitexcept"):
            return self.scope.parent
        chain = self.chain
        index = chain.index(self.scope) if self.scope in chain else 0
        return chain[index - 1] if index > 0 else None

    @memoized
    def known(self) -> bool:
        """No file that was not read could change what the merged sections hold."""
        return not any(level.unread for level in self.chain) and not self.guessed

    # Routing

    @memoized
    def upstream(self) -> Upstream | None:
        scope = self.scope
        if scope.role is ScopeRole.ROOT and any(
            child.role is ScopeRole.HOST or child.kind == HTACCESS for child in scope.children
        ):
            # Requests reach the virtual hosts (or the folders of the .htaccess files read
            # alone), whose scopes answer them.
            return None
        return _forwarding.upstream(self.chain, scope)

    def route(self, path: str) -> Route:
        return _routing.route(self.scope, path, _route_sections, _chain)

    @property
    def exact_path(self) -> str | None:
        return _routing.exact_path(self.scope)

    @memoized
    def upstream_route(self) -> Route | None:
        return _routing.upstream_route(self.scope, self.upstream, _route)

    @property
    def subrequests_only(self) -> bool:
        return False

    @memoized
    def transport(self) -> Transport | None:
        return _transport.transport(self.chain, self.scope)

    def served_file(self, path: str) -> ServedFile | None:
        return _served.served_file(self.scope, path) if self.serves_files else None

    @memoized
    def served_folders(self) -> frozenset[str]:
        return _served.served_folders(self.scope) if self.serves_files else frozenset()

    @property
    def serves_files(self) -> bool:
        """A host scope, or a server without hosts: it answers requests for files."""
        scope = self.scope
        return scope.role is ScopeRole.HOST or (
            scope.role is ScopeRole.ROOT
            and not any(child.role is ScopeRole.HOST for child in scope.children)
        )

    # Forwarding

    @memoized
    def request_headers(self) -> RequestHeaders | None:
        handler = self.upstream
        if handler is None:
            return None
        return _forwarding.request_headers(self.chain, self.scope, handler, self.known)

    @memoized
    def authorization(self) -> AuthorizationForwarding | None:
        handler = self.upstream
        if handler is None:
            return None
        return _forwarding.authorization(self.chain, self.scope, handler, self.known)

    def credentials_sent_upstream(self) -> tuple[HeaderEntry, ...]:
        return self.sent_credentials

    @memoized
    def sent_credentials(self) -> tuple[HeaderEntry, ...]:
        """What :meth:`credentials_sent_upstream` answers, kept: several rules ask."""
        return _forwarding.credentials_sent_upstream(self.request_headers)

    # Authentication

    @memoized
    def checks(self) -> ApacheAuthentication:
        return _authentication.authentication(self.chain, self.scope, self.upstream, self.known)

    @property
    def authentication(self) -> Authentication:
        return self.checks.authentication

    @memoized
    def authenticates_some_methods(self) -> Setting[bool]:
        return self.authentication.server_authenticates

    @property
    def preflight_answered_by(self) -> Node | None:
        return self.checks.preflight

    @property
    def credential_tests(self) -> tuple[Node, ...]:
        return ()

    @memoized
    def credential_evidence(self) -> CredentialEvidence:
        return evidence.credential_evidence(self)

    # Response headers and CORS

    @memoized
    def header_actions(self) -> list[HeaderAction]:
        return _headers.header_actions(self.chain)

    @memoized
    def response_headers(self) -> ResponseHeaders:
        # The onsuccess table is applied to every answer the handler returns, a
        # backend's 401 included (tests/real_apache: good_acao_proxy_set).
        return ResponseHeaders(
            _headers.response_headers(self.header_actions),
            host_of(self.scope),
            (),
            self.known,
            on_upstream_errors=True,
        )

    @memoized
    def hidden_upstream_headers(self) -> Setting[frozenset[str]]:
        return _headers.hidden_upstream_headers(self.header_actions, self.upstream, self.known)

    @memoized
    def added_freshness(self) -> Setting[bool]:
        return _expires.added_freshness(self.chain, self.known)

    @memoized
    def cors(self) -> CorsPolicy:
        return _cors.cors(self.response_headers, self.header_actions, self.chain, self.scope)

    # Caching

    @memoized
    def cache_store(self) -> Setting[str | None]:
        return _cache.cache_store(self)

    @memoized
    def cache(self) -> CachePolicy | None:
        return _cache.cache(self)

    # Header limits

    @memoized
    def header_limits(self) -> HeaderLimits:
        host = host_of(self.scope)
        if host is not self.scope:
            return host.settings.header_limits
        return _limits.header_limits(self.scope)

    @property
    def refused_buffers(self) -> tuple[RefusedBuffers, ...]:
        return ()

    @property
    def ignored_limits(self) -> tuple[IgnoredLimit, ...]:
        return ()

    @memoized
    def partly_applied_limits(self) -> tuple[PartlyAppliedLimit, ...]:
        return _limits.partly_applied_limits(self.scope)

    @memoized
    def address_groups(self) -> dict[Scope, tuple[_vhosts.AddressGroup, ...]] | None:
        """At the main server: the addresses of its virtual hosts, each with its default."""
        return _vhosts.address_groups(self.scope)

    @property
    def auth_answer_credentials(self) -> tuple[Node, ...]:
        return ()


def _route_sections(level: Scope) -> list[Scope]:
    return cast("ApacheSettings", level.settings).route_sections


def _chain(level: Scope) -> tuple[Scope, ...]:
    return cast("ApacheSettings", level.settings).chain


def _route(level: Scope, path: str) -> Route:
    return level.settings.route(path)
