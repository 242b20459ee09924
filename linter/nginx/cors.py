"""How an nginx scope answers cross-origin requests: its ``Access-Control-*`` headers,
and how the value of ``Access-Control-Allow-Origin`` is chosen.

The value of ``Access-Control-Allow-Origin`` is followed through the rewrite
directives and maps (:mod:`authlint.nginx.rewrite`): on each way to this
scope's answer, ``$http_origin`` echoed is REFLECTED, unless the origin passed
an ``if`` or ``map`` test on the way (SELECTED, with those tests as the
allow-list). Regexes are nginx's, PCRE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.model.settings import (
    AllowedOrigin,
    CorsPolicy,
    OriginFilter,
    OriginKind,
    RegexDialect,
    RequestsAnswered,
    ResponseHeader,
)
from authlint.nginx.rewrite import Input, Test, Text, method_passes, values_of
from authlint.nginx.values import variables_in

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.nginx.settings import NginxSettings

_REQUEST_ORIGIN = Input("http_origin")
# Methods a cross-origin script sends, besides a preflight's OPTIONS.
_OTHER_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# A test's operator: whether it is a regex, and whether case is ignored.
_OPERATORS = {"=": (False, False), "~": (True, False), "~*": (True, True)}


def cors(settings: NginxSettings) -> CorsPolicy:
    headers = settings.response_headers
    by_name: dict[str, list[ResponseHeader]] = {}
    for entry in headers.entries:
        name = entry.name.lower()
        if name.startswith("access-control-") or name == "vary":
            by_name.setdefault(name, []).append(entry)
    if not by_name:
        return CorsPolicy((), (), (), (), (), (), headers.known)
    answers = requests_answered(settings)
    return CorsPolicy(
        allowed_origins=tuple(
            _allowed_origin(settings, header)
            for header in by_name.get("access-control-allow-origin", ())
        ),
        allow_credentials=tuple(by_name.get("access-control-allow-credentials", ())),
        allow_headers=tuple(by_name.get("access-control-allow-headers", ())),
        allow_methods=tuple(by_name.get("access-control-allow-methods", ())),
        expose_headers=tuple(by_name.get("access-control-expose-headers", ())),
        vary=tuple(by_name.get("vary", ())),
        known=headers.known,
        credentials=any(
            _can_be_true(settings, header)
            for header in by_name.get("access-control-allow-credentials", ())
        ),
        answers=answers,
    )


def _can_be_true(settings: NginxSettings, header: ResponseHeader) -> bool:
    """Whether the header's value is ``true`` on some way to an answer that carries it."""
    if not variables_in(header.value):
        return header.value == "true"
    return any(
        parts == (Text("true"),)
        for path in settings.rewrite_paths
        if path.known and _sends(path.answering, header)
        for _, parts in values_of(settings, path, header.value)
    )


def _allowed_origin(settings: NginxSettings, header: ResponseHeader) -> AllowedOrigin:
    value = header.value.strip()  # HTTP takes a field value without the spaces around it
    if value == "*":
        return AllowedOrigin(header, OriginKind.WILDCARD)
    if not variables_in(value):
        return AllowedOrigin(header, OriginKind.LITERAL)
    kinds: set[OriginKind] = set()
    filters: dict[int, OriginFilter] = {}
    fallback = None
    for path in settings.rewrite_paths:
        if not _sends(path.answering, header):
            continue
        if not path.known:
            kinds.add(OriginKind.UNKNOWN)
            continue
        for tests, parts in values_of(settings, path, value):
            taken = path.tests + tests
            if _REQUEST_ORIGIN not in parts:
                # Other request values ($host) or values not followed: nothing is claimed.
                fixed = all(isinstance(part, Text) for part in parts)
                kinds.add(OriginKind.LITERAL if fixed else OriginKind.UNKNOWN)
            elif passed := [_filter(test) for test in taken if _admits_origins(test)]:
                kinds.add(OriginKind.SELECTED)
                filters.update((id(item.origin), item) for item in passed)
            else:
                kinds.add(OriginKind.REFLECTED)
                fallback = fallback or next(
                    (test.node for test in taken if test.operator == "default"), None
                )
    for kind in (OriginKind.REFLECTED, OriginKind.SELECTED, OriginKind.UNKNOWN):
        if kind in kinds:
            return AllowedOrigin(header, kind, tuple(filters.values()), fallback)
    # Text only; or no way through reaches this scope's answer, and nothing is claimed.
    return AllowedOrigin(header, OriginKind.LITERAL if kinds else OriginKind.UNKNOWN)


def _sends(answering: Scope, header: ResponseHeader) -> bool:
    """Whether the answers ``answering`` makes carry ``header`` (an ``if`` block inherits
    its location's list when it has none of its own)."""
    return any(
        entry.origin is header.origin for entry in answering.settings.response_headers.entries
    )


def _admits_origins(test: Test) -> bool:
    """A test the request's Origin passed that lets only some origins through."""
    return test.passed and test.subject == (_REQUEST_ORIGIN,) and test.operator in _OPERATORS


def _filter(test: Test) -> OriginFilter:
    regex, ignore_case = _OPERATORS[test.operator]
    return OriginFilter(test.operand, regex, ignore_case, test.node, RegexDialect.PCRE)


def requests_answered(settings: NginxSettings) -> RequestsAnswered:
    """Which methods reach this scope's own answer: an ``if ($request_method = OPTIONS)``
    block answers preflights only, and the rest of its location never does."""
    preflights = others = False
    for path in settings.rewrite_paths:
        if path.answering is not settings.scope:
            continue
        preflights = preflights or method_passes(path, "OPTIONS")
        others = others or any(method_passes(path, method) for method in _OTHER_METHODS)
    if preflights and not others:
        return RequestsAnswered.PREFLIGHTS
    if others and not preflights:
        return RequestsAnswered.OTHERS
    return RequestsAnswered.ANY
