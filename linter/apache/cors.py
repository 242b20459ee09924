"""How httpd answers cross-origin requests: the ``Access-Control-*`` headers of the merged
``Header`` directives, and how ``Access-Control-Allow-Origin``'s value is chosen.

A value that reads the request's ``Origin`` (``expr=%{req:Origin}``,
``expr=%{HTTP:Origin}``) echoes it (REFLECTED) unless its condition lets only
some origins through: an ``env=NAME`` whose variable ``SetEnvIf Origin REGEX``
sets, or an ``expr=`` that matches ``Origin`` against a regex (SELECTED, with
those regexes as the allow-list). A variable ``SetEnvIf`` sets to a capture of
``Origin`` (``$0``, ``$1``, in a regex with a group) echoes the text the regex
matched. Other variables (``%{HTTP_ORIGIN}e``, set for scripts only) are not
followed, and ``%{Origin}i`` is no request header in mod_headers (it prints
httpd's idle share, ``i=98``; verified on 2.4.71). Regexes are PCRE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from authlint.apache.headers import condition_of
from authlint.apache.parser import ApacheNode
from authlint.model.origins import compile_pcre
from authlint.model.settings import (
    AllowedOrigin,
    CorsPolicy,
    OriginFilter,
    OriginKind,
    RegexDialect,
    RequestsAnswered,
    ResponseHeader,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from authlint.apache.headers import HeaderAction
    from authlint.model.scope import Scope
    from authlint.model.settings import ResponseHeaders
    from authlint.model.tree import Node

# The request's Origin, in a Header value that is an expression.
_ORIGIN_VALUE = re.compile(r"^expr=.*%\{(?:req|http|req_novary):origin\}", re.IGNORECASE)
_ENVIRONMENT = re.compile(r"%\{([^}]+)\}e")
_CAPTURE = re.compile(r"\$\d")
# An expression that matches Origin against a regex: `=~ /re/` or `=~ m#re#`.
_EXPRESSION_MATCH = re.compile(
    r"%\{(?:req|http|req_novary):origin\}\s*(!?)=~\s*(?:/((?:\\.|[^/])*)/|m(.)(.*?)\3)(i?)",
    re.IGNORECASE,
)
_METHOD_TEST = re.compile(r"%\{REQUEST_METHOD\}\s*(==|!=)\s*'OPTIONS'", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _OriginVariable:
    """What a ``SetEnvIf`` on ``Origin`` gives a variable: the text its regex matched
    (``echoes``; browsers then accept it only where it is the whole Origin), or a fixed
    value."""

    filter: OriginFilter
    echoes: bool


def cors(
    headers: ResponseHeaders,
    actions: list[HeaderAction],
    chain: tuple[Scope, ...],
    scope: Scope,
) -> CorsPolicy:
    by_name: dict[str, list[ResponseHeader]] = {}
    for entry in headers.entries:
        name = entry.name.lower()
        if name.startswith("access-control-") or name == "vary":
            by_name.setdefault(name, []).append(entry)
    if not by_name:
        return CorsPolicy((), (), (), (), (), (), headers.known)
    variables = _origin_variables(chain)
    allow_credentials = tuple(by_name.get("access-control-allow-credentials", ()))
    return CorsPolicy(
        allowed_origins=tuple(
            _allowed_origin(header, condition_of(actions, header), variables)
            for header in by_name.get("access-control-allow-origin", ())
        ),
        allow_credentials=allow_credentials,
        allow_headers=tuple(by_name.get("access-control-allow-headers", ())),
        allow_methods=tuple(by_name.get("access-control-allow-methods", ())),
        expose_headers=tuple(by_name.get("access-control-expose-headers", ())),
        vary=tuple(by_name.get("vary", ())),
        known=headers.known,
        credentials=any(header.value.strip() == "true" for header in allow_credentials),
        answers=_answers(scope),
    )


def _allowed_origin(
    header: ResponseHeader,
    condition: str,
    variables: dict[str, list[_OriginVariable]],
) -> AllowedOrigin:
    value = header.value.strip()
    if value == "*":
        return AllowedOrigin(header, OriginKind.WILDCARD)
    passed = _condition_filters(condition, variables, header.origin)
    if _ORIGIN_VALUE.search(value):
        if passed:
            return AllowedOrigin(header, OriginKind.SELECTED, tuple(passed))
        if condition:
            return AllowedOrigin(header, OriginKind.UNKNOWN)
        return AllowedOrigin(header, OriginKind.REFLECTED)
    used = _ENVIRONMENT.findall(value)
    if not used and not value.startswith("expr=") and "%{" not in value:
        return AllowedOrigin(header, OriginKind.LITERAL)
    if condition.removeprefix("env=") in used:
        # `env=NAME` on NAME's own value only says that it is set.
        passed = []
    kinds: set[OriginKind] = set()
    filters: list[OriginFilter] = list(passed)
    for name in used:
        given = variables.get(name, [])
        echoing = [item.filter for item in given if item.echoes]
        if echoing:
            kinds.add(OriginKind.SELECTED)
            filters.extend(echoing)
        elif given:
            kinds.add(OriginKind.LITERAL)
        else:
            kinds.add(OriginKind.UNKNOWN)
    if not used:
        kinds.add(OriginKind.UNKNOWN)
    for kind in (OriginKind.REFLECTED, OriginKind.SELECTED, OriginKind.UNKNOWN):
        if kind in kinds:
            return AllowedOrigin(
                header, kind, tuple(filters) if kind is OriginKind.SELECTED else ()
            )
    return AllowedOrigin(header, OriginKind.LITERAL)


def _condition_filters(
    condition: str, variables: dict[str, list[_OriginVariable]], origin: Node
) -> list[OriginFilter]:
    """The allow-list a header's condition puts in front of it (empty: none)."""
    if condition.startswith("env=") and not condition.startswith("env=!"):
        # The variable only says that the regex matched somewhere in the Origin.
        return [replace(item.filter, whole=False) for item in variables.get(condition[4:], [])]
    if condition.startswith("expr="):
        return [
            OriginFilter(
                match.group(2) if match.group(2) is not None else match.group(4),
                True,
                bool(match.group(5)),
                origin,
                RegexDialect.PCRE,
            )
            for match in _EXPRESSION_MATCH.finditer(condition)
            if not match.group(1)
        ]
    return []


def _origin_variables(chain: Iterable[Scope]) -> dict[str, list[_OriginVariable]]:
    """The variables ``SetEnvIf Origin`` sets in the merged sections, and how."""
    found: dict[str, list[_OriginVariable]] = {}
    for scope in chain:
        for key in ("setenvif", "setenvifnocase"):
            for node in scope.own.get(key, ()):
                if len(node.args) < 3 or node.args[0].lower() != "origin":
                    continue
                regex = node.args[1]
                ignore_case = key == "setenvifnocase"
                for assignment in node.args[2:]:
                    name, _, value = assignment.partition("=")
                    if name.startswith("!"):
                        continue
                    # mod_setenvif replaces $0-$9 only where the regex has a group;
                    # otherwise the value is the text as written (verified, 2.4.71).
                    compiled = compile_pcre(regex)
                    echoes = (
                        bool(_CAPTURE.search(value))
                        and compiled is not None
                        and compiled.groups > 0
                    )
                    found.setdefault(name, []).append(
                        _OriginVariable(
                            OriginFilter(
                                regex, True, ignore_case, node, RegexDialect.PCRE, whole=echoes
                            ),
                            echoes,
                        )
                    )
    return found


def _answers(scope: Scope) -> RequestsAnswered:
    """Which requests reach a scope: an ``<If>`` on the method answers preflights only,
    or never them; ``<Limit>`` holds access rules only, for every answer."""
    node = scope.node
    if not isinstance(node, ApacheNode) or node.key != "if":
        return RequestsAnswered.ANY
    test = _METHOD_TEST.search(" ".join(node.args))
    if test is None:
        return RequestsAnswered.ANY
    return RequestsAnswered.PREFLIGHTS if test.group(1) == "==" else RequestsAnswered.OTHERS
