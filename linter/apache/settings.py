"""The effective settings of an Apache scope: the model's settings protocol, for httpd.

Each is computed from the sections httpd merges for the request the scope
stands for (:func:`authlint.apache.scopes.merge_chain`), once, on first use.
Apache provides the CORS and response-header facets so far; the members of
the facets it does not provide give the protocol's neutral values (nothing
forwarded, checked, cached or limited), which no rule that runs on Apache
reads.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authlint.apache import cors as _cors
from authlint.apache import headers as _headers
from authlint.apache.scopes import HTACCESS, host_of, merge_chain, request_of
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
    UpstreamKind,
)

if TYPE_CHECKING:
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
    )
    from authlint.model.tree import Node

# httpd's DEFAULT_LIMIT_REQUEST_FIELDSIZE, and its answer to a longer line.
_FIELD_SIZE = 8190
_FIELD_REFUSAL = "400 Bad Request (Size of a request header field exceeds server limit)"
_PROXY_SCHEMES = {
    "fcgi": UpstreamKind.FASTCGI,
    "scgi": UpstreamKind.SCGI,
    "uwsgi": UpstreamKind.UWSGI,
}


class ApacheSettings:
    """The effective settings of one Apache scope, computed on first use."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    @memoized
    def chain(self) -> tuple[Scope, ...]:
        return merge_chain(self.scope)

    @memoized
    def known(self) -> bool:
        """No file that was not read could change what the merged sections hold."""
        return not any(level.unread for level in self.chain)

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
        return _upstream(self.chain, request_of(scope).url)

    def route(self, path: str) -> Route:
        return Route(None, known=False)

    @property
    def exact_path(self) -> str | None:
        return None

    @property
    def upstream_route(self) -> Route | None:
        return None

    @property
    def subrequests_only(self) -> bool:
        return False

    # Forwarding (not provided yet)

    @property
    def request_headers(self) -> RequestHeaders | None:
        return None

    @property
    def authorization(self) -> AuthorizationForwarding | None:
        return None

    def credentials_sent_upstream(self) -> tuple[HeaderEntry, ...]:
        return ()

    # Authentication (not provided yet)

    @property
    def authentication(self) -> Authentication:
        return Authentication((), Setting(False), known=False)

    @property
    def authenticates_some_methods(self) -> Setting[bool]:
        return Setting(False, None, known=False)

    @property
    def preflight_answered_by(self) -> Node | None:
        return None

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
        return ResponseHeaders(
            _headers.response_headers(self.header_actions), host_of(self.scope), (), self.known
        )

    @property
    def hidden_upstream_headers(self) -> Setting[frozenset[str]]:
        return Setting(frozenset())

    @property
    def added_freshness(self) -> Setting[bool]:
        return Setting(False, None, known=False)

    @memoized
    def cors(self) -> CorsPolicy:
        return _cors.cors(self.response_headers, self.header_actions, self.chain, self.scope)

    # Caching (not provided yet)

    @property
    def cache_store(self) -> Setting[str | None]:
        return Setting(None, None, known=False)

    @property
    def cache(self) -> CachePolicy | None:
        return None

    # Header limits (not provided yet)

    @property
    def header_limits(self) -> HeaderLimits:
        return HeaderLimits(
            Setting(None, None, known=False), _FIELD_SIZE, _FIELD_REFUSAL, Setting(None)
        )

    @property
    def refused_buffers(self) -> tuple[RefusedBuffers, ...]:
        return ()

    @property
    def ignored_limits(self) -> tuple[IgnoredLimit, ...]:
        return ()

    @property
    def partly_applied_limits(self) -> tuple[PartlyAppliedLimit, ...]:
        return ()

    @property
    def auth_answer_credentials(self) -> tuple[Node, ...]:
        return ()


def _upstream(chain: tuple[Scope, ...], url: str | None) -> Upstream:
    """Who answers the request: a proxied backend, a FastCGI or CGI script, or files."""
    found = Upstream(UpstreamKind.STATIC, "files", None)
    for level in chain:
        for node in level.directives:
            key = node.name.lower()
            if key == "sethandler" and node.args:
                found = _handler(node.args[0], node) or found
            elif key in ("proxypass", "proxypassmatch") and node.args:
                target = _proxied(node, level, url)
                if target is not None:
                    found = _proxy_upstream(target, node)
            elif (
                key == "scriptalias"
                and len(node.args) >= 2
                and url is not None
                and url.startswith(node.args[0])
            ):
                found = Upstream(UpstreamKind.CGI, node.args[1], node)
    return found


def _handler(name: str, node: Node) -> Upstream | None:
    lowered = name.lower()
    if lowered.startswith("proxy:"):
        target = lowered.removeprefix("proxy:")
        return _proxy_upstream(target.split("|", 1)[-1], node)
    if lowered == "cgi-script":
        return Upstream(UpstreamKind.CGI, "cgi-script", node)
    if lowered in ("none", "default-handler"):
        return Upstream(UpstreamKind.STATIC, "files", node)
    return None


def _proxy_upstream(target: str, node: Node) -> Upstream:
    scheme = target.split(":", 1)[0].lower()
    return Upstream(_PROXY_SCHEMES.get(scheme, UpstreamKind.PROXY), target, node)


def _proxied(node: Node, level: Scope, url: str | None) -> str | None:
    """The backend ``ProxyPass`` sends the request to (``None``: it does not send it)."""
    args = node.args
    if level.role is ScopeRole.ROUTE and len(args) >= 1 and args[0] != "!":
        # Inside <Location>: the location's path is the one passed.
        return args[0] if "://" in args[0] else None
    if len(args) < 2 or url is None or args[1] == "!":
        return None
    if node.name.lower() == "proxypassmatch":
        try:
            return args[1] if re.search(args[0], url) else None
        except re.error:
            return None
    return args[1] if url.startswith(args[0]) else None
