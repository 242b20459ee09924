"""How an nginx scope answers cross-origin requests: its ``Access-Control-*`` headers,
and how the value of ``Access-Control-Allow-Origin`` is chosen.

Echoing ``$http_origin`` is REFLECTED, unless an ``if`` on the origin or a
``map`` keyed on it chooses what is echoed: SELECTED, with those tests as
the allow-list. Regexes are nginx's, PCRE.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from authlint.model.scope import ScopeRole
from authlint.model.settings import (
    AllowedOrigin,
    CorsPolicy,
    OriginFilter,
    OriginKind,
    RegexDialect,
    ResponseHeader,
)
from authlint.nginx import blocks
from authlint.nginx.values import only_variable, variables_in
from authlint.nginx.variables import DEPTH_LIMIT, VariableDefinition

if TYPE_CHECKING:
    from authlint.model.tree import Node
    from authlint.nginx.settings import NginxSettings

_REQUEST_ORIGIN = "http_origin"
_IF_OPERATORS = {"=": (False, False), "~": (True, False), "~*": (True, True)}
_NEGATED = {"!=": (False, False), "!~": (True, False), "!~*": (True, True)}


class _OriginSource(NamedTuple):
    kind: OriginKind
    definitions: tuple[VariableDefinition, ...] = ()
    filters: tuple[OriginFilter, ...] = ()


def cors(settings: NginxSettings) -> CorsPolicy:
    headers = settings.response_headers
    by_name: dict[str, list[ResponseHeader]] = {}
    for entry in headers.entries:
        name = entry.name.lower()
        if name.startswith("access-control-") or name == "vary":
            by_name.setdefault(name, []).append(entry)
    if not by_name:
        return CorsPolicy((), (), (), (), (), (), headers.known)
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
    )


def _allowed_origin(settings: NginxSettings, header: ResponseHeader) -> AllowedOrigin:
    value = header.value.strip()  # HTTP takes a field value without the spaces around it
    if value == "*":
        return AllowedOrigin(header, OriginKind.WILDCARD)
    names = variables_in(value)
    if not names:
        return AllowedOrigin(header, OriginKind.LITERAL)
    source = _origin_source(settings, names, _guard_of(settings, header.origin), 0)
    fallback = None
    if source.kind is OriginKind.REFLECTED:
        fallback = next((item.origin for item in source.definitions if item.kind == "map"), None)
    return AllowedOrigin(header, source.kind, source.filters, fallback)


def _guard_of(settings: NginxSettings, node: Node) -> Node | None:
    """The ``if`` directive whose block holds ``node`` (an ``add_header``), if any."""
    for level in (settings.scope, *settings.scope.ancestors()):
        if level.kind == blocks.IF and any(node is own for own in level.directives):
            return level.node
    return None


def _origin_source(
    settings: NginxSettings, names: list[str], guard: Node | None, depth: int
) -> _OriginSource:
    """How a value built from ``names`` relates to the request's Origin."""
    if _REQUEST_ORIGIN in names:
        filters = _guard_filters(settings, guard)
        if filters is None:
            return _OriginSource(OriginKind.REFLECTED)
        return _OriginSource(OriginKind.SELECTED, filters=filters)
    if depth >= DEPTH_LIMIT:
        return _OriginSource(OriginKind.UNKNOWN)
    sources = []
    definitions: list[VariableDefinition] = []
    for name in names:
        found = settings.variable_definitions(name)
        if not found:
            sources.append(_OriginSource(OriginKind.UNKNOWN))
        for definition in found:
            definitions.append(definition)
            source = _definition_source(settings, definition, depth)
            if source.kind is OriginKind.REFLECTED and definition.kind == "set":
                source = _cleared_unless_allowed(settings, definition, found) or source
            sources.append(source)
    filters = tuple(item for source in sources for item in source.filters)
    for kind in (OriginKind.REFLECTED, OriginKind.SELECTED, OriginKind.UNKNOWN):
        if any(source.kind is kind for source in sources):
            return _OriginSource(kind, tuple(definitions), filters)
    return _OriginSource(OriginKind.LITERAL, tuple(definitions))


def _definition_source(
    settings: NginxSettings, definition: VariableDefinition, depth: int
) -> _OriginSource:
    if definition.kind != "map":
        names = variables_in(definition.source)
        if not names:
            return _OriginSource(OriginKind.LITERAL)
        return _origin_source(settings, names, definition.guard, depth + 1)
    keyed_on_origin = _REQUEST_ORIGIN in variables_in(definition.source)
    if _echoes_origin(definition.default, keyed_on_origin, ""):
        return _OriginSource(OriginKind.REFLECTED)
    filters = tuple(
        _map_filter(entry)
        for entry in definition.entries
        if _echoes_origin(entry.arg(0), keyed_on_origin, entry.name)
    )
    if filters:
        return _OriginSource(OriginKind.SELECTED, filters=filters)
    if not definition.complete:
        return _OriginSource(OriginKind.UNKNOWN)
    return _OriginSource(OriginKind.LITERAL)


def _guard_filters(settings: NginxSettings, guard: Node | None) -> tuple[OriginFilter, ...] | None:
    """The origins an ``if`` lets through; ``None`` when it does not test the origin.

    ``if ($http_origin ~ ...)`` directly, or ``if ($flag)`` where ``$flag``
    comes from a ``map`` keyed on the origin (true for its non-empty,
    non-``0`` values).
    """
    filters = _origin_filters(guard)
    flag = only_variable(guard.args[0]) if guard is not None and len(guard.args) == 1 else None
    if filters is not None or flag is None:
        return filters
    definitions = settings.variable_definitions(flag)
    found: list[OriginFilter] = []
    for definition in definitions:
        keyed = definition.kind == "map" and _REQUEST_ORIGIN in variables_in(definition.source)
        if not keyed or _truthy(definition.default):
            return None
        found += [_map_filter(entry) for entry in definition.entries if _truthy(entry.arg(0))]
    return tuple(found) if definitions else None


def _origin_filters(guard: Node | None) -> tuple[OriginFilter, ...] | None:
    """The test an ``if`` puts on the request's Origin; ``None`` when it puts none."""
    if guard is None:
        return None
    args = guard.args
    if len(args) == 3 and only_variable(args[0]) == _REQUEST_ORIGIN and args[1] in _IF_OPERATORS:
        regex, ignore_case = _IF_OPERATORS[args[1]]
        return (OriginFilter(args[2], regex, ignore_case, guard, RegexDialect.PCRE),)
    return None


def _echoes_origin(value: str, keyed_on_origin: bool, key: str) -> bool:
    """A map value that sends the request's Origin back, or a capture of it (``$1``,
    or a group the key's regex names)."""
    names = variables_in(value)
    if _REQUEST_ORIGIN in names:
        return True
    groups = {name.lower() for name in re.findall(r"\(\?P?<([A-Za-z_]\w*)>", key)}
    return keyed_on_origin and any(name.isdigit() or name in groups for name in names)


def _truthy(value: str) -> bool:
    """What ``if ($variable)`` takes as true: neither empty nor ``0``."""
    return value not in ("", "0")


def _cleared_unless_allowed(
    settings: NginxSettings,
    reflecting: VariableDefinition,
    definitions: tuple[VariableDefinition, ...],
) -> _OriginSource | None:
    """``set $cors $http_origin;`` then ``if ($http_origin !~ allowed) { set $cors ""; }``:
    the origin survives only when it matches, so it is SELECTED by those tests.

    nginx runs ``set`` and ``if`` in order, a server's before a location's: an
    ``if`` before the ``set`` clears nothing.
    """
    if reflecting.guard is not None:
        return None
    # The rewrite module runs in servers and locations only: the levels above
    # hold no `set` or `if`, and reading them would cost a walk of every server.
    levels = [
        level
        for level in (settings.scope, *settings.scope.ancestors())
        if level.role is not ScopeRole.ROOT
    ]
    in_order = [node for level in reversed(levels) for node in level.directives]
    position = next((at for at, node in enumerate(in_order) if node is reflecting.origin), None)
    if position is None:
        return None
    after = in_order[position + 1 :]
    filters = []
    for definition in definitions:
        guard = definition.guard
        if definition.kind != "set" or guard is None or variables_in(definition.source):
            continue
        args = guard.args
        later = any(node is guard for node in after)
        tests_origin = len(args) == 3 and only_variable(args[0]) == _REQUEST_ORIGIN
        if later and tests_origin and args[1] in _NEGATED:
            regex, ignore_case = _NEGATED[args[1]]
            filters.append(OriginFilter(args[2], regex, ignore_case, guard, RegexDialect.PCRE))
    return _OriginSource(OriginKind.SELECTED, filters=tuple(filters)) if filters else None


def _map_filter(entry: Node) -> OriginFilter:
    """A ``map`` line as a filter: ``~``/``~*`` keys are regexes, others exact values."""
    key = entry.name
    if key.startswith("~*"):
        return OriginFilter(key[2:], True, True, entry, RegexDialect.PCRE)
    if key.startswith("~"):
        return OriginFilter(key[1:], True, False, entry, RegexDialect.PCRE)
    return OriginFilter(key.removeprefix("\\"), False, False, entry, RegexDialect.PCRE)
