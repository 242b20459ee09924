"""Evidence of authentication: whether a scope's answer can depend on who asks, and why.

A proxy answers every request with whatever its upstream says, so "the
upstream may refuse or personalise it" is true of every proxy and tells
nothing. Rules about authenticated traffic (error answers without CORS
headers, caches shared across users) need the config to show that
credentials matter here: the server checks them itself, or the client's
credentials reach the upstream *and* something says the upstream uses them.
This module reads that from the settings every format fills, once for every
format; a format adds only the signs of its own (``Settings.credential_tests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from authlint.model.settings import AuthorizationState

if TYPE_CHECKING:
    from authlint.model.settings import Settings
    from authlint.model.tree import Node


class EvidenceKind(str, Enum):
    """What shows that credentials matter in a scope."""

    # The server checks credentials itself (for some methods at least).
    SERVER_CHECKS = "server-checks"
    # The config sends the client's credential upstream under a header it names.
    CREDENTIALS_SENT = "credentials-sent"
    # Browsers are told they may send cookies (Access-Control-Allow-Credentials).
    CORS_CREDENTIALS = "cors-credentials"
    # Cross-origin scripts may send Authorization (Access-Control-Allow-Headers).
    AUTHORIZATION_ALLOWED = "authorization-allowed"
    # The cache key, or a condition to skip the cache, reads the credential.
    CACHE_BY_CREDENTIAL = "cache-by-credential"
    # The config tests the request's credential (a session cookie, Authorization).
    CREDENTIAL_TESTED = "credential-tested"


_WHAT_IT_SHOWS = {
    EvidenceKind.SERVER_CHECKS: "checks credentials",
    EvidenceKind.CREDENTIALS_SENT: "sends credentials upstream",
    EvidenceKind.CORS_CREDENTIALS: "lets browsers send cookies",
    EvidenceKind.AUTHORIZATION_ALLOWED: "lets scripts send `Authorization`",
    EvidenceKind.CACHE_BY_CREDENTIAL: "caches by the credential",
    EvidenceKind.CREDENTIAL_TESTED: "tests the request's credential",
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One sign that credentials matter, and the node that gives it."""

    kind: EvidenceKind
    origin: Node

    @property
    def upstream(self) -> bool:
        """The sign is about the upstream using the credentials it gets, not the server."""
        return self.kind is not EvidenceKind.SERVER_CHECKS

    def describe(self) -> str:
        """The sign as a message says it: ``\\`auth_basic\\` at site.conf:4 checks credentials``."""
        origin = self.origin
        head = " ".join((origin.name, *origin.args[:1])) if self.upstream else origin.name
        return f"`{head}` at {origin.where} {_WHAT_IT_SHOWS[self.kind]}"


@dataclass(frozen=True, slots=True)
class CredentialEvidence:
    """Whether a scope's answer can depend on the client's credentials.

    ``reason`` is the first sign found, the server's own check before the
    upstream's signs; ``known`` is false when none was found but an unread
    file could hold one (an include that may set up authentication).
    """

    reason: Evidence | None
    known: bool = True

    @property
    def value(self) -> bool | None:
        """``True`` with a reason, ``False`` when the config shows none, ``None`` when an
        unread file leaves it open. Rules about authenticated traffic speak only on
        ``True``."""
        if self.reason is not None:
            return True
        return False if self.known else None


def credential_evidence(settings: Settings) -> CredentialEvidence:
    """What shows that credentials matter where ``settings`` apply, cheapest sign first.
    Where nothing passes the request on, no request header reaches anyone
    (``request_headers`` and ``authorization`` are ``None``): only the server's own
    check counts."""
    checks = settings.authenticates_some_methods
    if checks.value and checks.origin is not None:
        return CredentialEvidence(Evidence(EvidenceKind.SERVER_CHECKS, checks.origin))
    sent = settings.credentials_sent_upstream()
    if sent:
        return CredentialEvidence(Evidence(EvidenceKind.CREDENTIALS_SENT, sent[0].origin))
    reach = _client_credentials_reach(settings)
    if reach is None:
        return CredentialEvidence(None, known=False)
    sign = _upstream_sign(settings, *reach) if any(reach) else None
    return CredentialEvidence(sign, checks.known)


def _client_credentials_reach(settings: Settings) -> tuple[bool, bool] | None:
    """Whether the client's ``Authorization``, and its cookies, reach the upstream
    (``None``: an unread file could decide)."""
    authorization = settings.authorization
    headers = settings.request_headers
    if authorization is None or headers is None:
        return False, False
    if not (authorization.known and headers.known and headers.pass_client_headers.known):
        return None
    if not headers.pass_client_headers.value:
        return False, False
    cookies_cleared = any(
        entry.name.lower() == "cookie" and not entry.value for entry in headers.entries
    )
    return authorization.state is AuthorizationState.PASSES, not cookies_cleared


def _upstream_sign(settings: Settings, authorization: bool, cookies: bool) -> Evidence | None:
    """The first sign that the upstream uses the credentials that reach it."""
    cors = settings.cors
    if cookies and cors.credentials and cors.allow_credentials:
        return Evidence(EvidenceKind.CORS_CREDENTIALS, cors.allow_credentials[0].origin)
    for header in cors.allow_headers if authorization else ():
        if "authorization" in header.names():
            return Evidence(EvidenceKind.AUTHORIZATION_ALLOWED, header.origin)
    cache = settings.cache if settings.cache_store.value else None
    if cache is not None:
        for by_credential, setting in (
            (cache.key_per_user, cache.key),
            (cache.skip_lookup_on_credentials, cache.skip_lookup),
            (cache.skip_store_on_credentials, cache.skip_store),
        ):
            if by_credential and setting.origin is not None:
                return Evidence(EvidenceKind.CACHE_BY_CREDENTIAL, setting.origin)
    tests = settings.credential_tests
    return Evidence(EvidenceKind.CREDENTIAL_TESTED, tests[0]) if tests else None
