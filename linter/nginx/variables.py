"""Where an nginx variable gets its value, and whether a value carries the client's
credentials.

``map`` blocks of ``http`` define variables lazily, for any scope;
``set`` and ``auth_request_set`` in a scope, the scopes around it, and the
``if`` blocks among them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from authlint.model.credentials import is_credential_header
from authlint.nginx import blocks
from authlint.nginx.values import is_builtin_variable, variables_in

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.settings import HeaderEntry
    from authlint.model.tree import Node
    from authlint.nginx.settings import NginxSettings

# How deep a chain of variables is followed before its value is unknown.
DEPTH_LIMIT = 8
_CREDENTIAL_VARIABLES = frozenset({"remote_user"})
# A header, cookie or argument whose whole name is made of these words names the user
# (``X-User-Id``, ``username``) rather than carrying a secret. ``uid`` is left out:
# the userid module's cookie by that name is a random visitor id.
_USER_WORDS = frozenset({"user", "username", "userid", "login", "email"})
_USER_NAME_FILLERS = frozenset({"x", "id", "name"})
_CLIENT_WRITTEN = {"http_": "request header", "cookie_": "cookie", "arg_": "query argument"}


@dataclass(frozen=True, slots=True)
class VariableDefinition:
    """Where a variable gets its value.

    ``kind`` is ``map``, ``set`` or ``auth_request_set``. For a map, ``source``
    is the mapped expression, ``entries`` its key lines (the key their name, the
    value their first argument) and ``default`` its default (nginx's is the
    empty string); for ``set`` and ``auth_request_set``, ``source`` is the value.
    """

    kind: str
    variable: str
    source: str
    origin: Node
    entries: tuple[Node, ...] = ()
    default: str = ""
    complete: bool = True


@dataclass(frozen=True, slots=True)
class LevelVariables:
    """The variables one level defines itself, by name (``$`` and lower case), so that a
    look-up costs the same however many servers share the ``http`` block.

    ``maps``: the level's ``map`` blocks; ``assigned``: its own ``set`` and
    ``auth_request_set``; ``assigned_in_ifs``: those of its ``if`` blocks,
    with the ``if`` scope each is in.
    """

    maps: dict[str, tuple[VariableDefinition, ...]]
    assigned: dict[str, tuple[VariableDefinition, ...]]
    assigned_in_ifs: dict[str, tuple[tuple[Scope, VariableDefinition], ...]]


def level_variables(settings: NginxSettings) -> LevelVariables:
    """Index the variables ``settings``' own level defines (built once per level)."""
    scope = settings.scope
    maps: dict[str, list[VariableDefinition]] = {}
    for node in scope.own.get("map", ()):
        if len(node.args) >= 2:
            variable = node.args[1].lower()
            maps.setdefault(variable, []).append(_map_definition(node, variable))
    assigned: dict[str, list[VariableDefinition]] = {}
    in_ifs: dict[str, list[tuple[Scope, VariableDefinition]]] = {}
    for level in (scope, *(child for child in scope.children if child.kind == blocks.IF)):
        for kind in ("set", "auth_request_set"):
            for node in level.own.get(kind, ()):
                variable = node.arg(0).lower()
                definition = VariableDefinition(kind, variable, node.arg(1), node)
                if level is scope:
                    assigned.setdefault(variable, []).append(definition)
                else:
                    in_ifs.setdefault(variable, []).append((level, definition))
    return LevelVariables(
        {name: tuple(found) for name, found in maps.items()},
        {name: tuple(found) for name, found in assigned.items()},
        {name: tuple(found) for name, found in in_ifs.items()},
    )


def variable_definitions(settings: NginxSettings, name: str) -> tuple[VariableDefinition, ...]:
    """Where ``$name`` can get its value for a request handled by this scope: the maps of
    ``http``, then the ``set`` and ``auth_request_set`` of this scope and the levels
    around it, then those of the ``if`` blocks of these levels.

    ``name`` as :func:`variables_in` gives it: lower case, without ``$``.
    """
    scope = settings.scope
    variable = "$" + name
    chain = [scope, *scope.ancestors()]
    # Most names a value reads ($host, $remote_addr) are defined by no level at all.
    if variable not in cast("NginxSettings", chain[-1].settings).defined_variables:
        return ()
    indexes = [_indexed(level) for level in chain]
    http = scope.enclosing(blocks.HTTP)
    found = list(_indexed(http).maps.get(variable, ())) if http is not None else []
    for index in indexes:
        found += index.assigned.get(variable, ())
    for index in indexes:
        # An ``if`` scope is in the chain already, as a level of its own.
        found += (
            definition
            for level, definition in index.assigned_in_ifs.get(variable, ())
            if level is not scope
        )
    return tuple(found)


# The directives that define a variable, and the argument that names it.
_DEFINING = (("map", 1), ("set", 0), ("auth_request_set", 0))


def defined_variables(settings: NginxSettings) -> frozenset[str]:
    """Every variable (``$name``, lower case) a ``map``, ``set`` or ``auth_request_set``
    of this tree defines, at any level (asked of the top level, once per tree)."""
    names = set()
    for scope in settings.scope.walk():
        own = scope.own
        for kind, position in _DEFINING:
            for node in own.get(kind) or ():
                names.add(node.arg(position).lower())
    return frozenset(names)


def _indexed(scope: Scope) -> LevelVariables:
    return cast("NginxSettings", scope.settings).level_variables


def credential_in(
    settings: NginxSettings, text: str, values_only: bool, depth: int = 0, user_name: bool = True
) -> bool | None:
    """Whether a value changes with the client's credentials (``values_only``: holds the
    credential itself, one value per user).

    ``$http_authorization``, ``$remote_user``, cookies, JWT claims, and what an
    ``auth_request`` subrequest said about the client; a ``map`` from a
    credential to constants (``1``, ``0``) depends on one but carries none.
    ``None`` when it uses a variable defined nowhere in view (a snippet read
    without the config that defines it): then nobody knows. ``user_name``:
    whether the name nginx authenticated (``$remote_user``) counts.
    """
    unknown = False
    for name in variables_in(text):
        if is_credential_variable(name) and (user_name or name != "remote_user"):
            return True
        definitions = settings.variable_definitions(name)
        if not definitions:
            unknown = unknown or not is_builtin_variable(name)
            continue
        if depth >= DEPTH_LIMIT:
            unknown = True
            continue
        for definition in definitions:
            if definition.kind == "auth_request_set":
                return True
            unknown = unknown or not definition.complete
            if definition.kind == "set":
                values = [definition.source]
            else:
                values = [entry.arg(0) for entry in definition.entries] + [definition.default]
                source = credential_in(
                    settings, definition.source, values_only, depth + 1, user_name
                )
                if source and (not values_only or any(variables_in(v) for v in values)):
                    return True
                unknown = unknown or source is None
            for value in values:
                found = credential_in(settings, value, values_only, depth + 1, user_name)
                if found:
                    return True
                unknown = unknown or found is None
    return None if unknown else False


def any_credential(settings: NginxSettings, conditions: tuple[str, ...]) -> bool | None:
    """Whether one of the conditions depends on the client's credentials (``None``: unknown)."""
    results = [credential_in(settings, condition, values_only=False) for condition in conditions]
    if any(results):
        return True
    return None if None in results else False


def credentials_sent_upstream(settings: NginxSettings) -> tuple[HeaderEntry, ...]:
    """The header entries that, as the config shows, send credentials upstream.

    ``$remote_user`` alone does not count: it is the name nginx checked
    (empty unless nginx authenticates), as in the stock ``fastcgi_params``.
    """
    headers = settings.request_headers
    if headers is None:
        return ()
    return tuple(
        entry
        for entry in headers.entries
        if credential_in(settings, entry.value, values_only=True, user_name=False)
    )


def _map_definition(node: Node, variable: str) -> VariableDefinition:
    """A ``map`` block: nginx takes ``default`` and ``include`` lines by their exact name,
    and ``hostnames`` and ``volatile`` as flags only without a value (``hostnames 1;``
    is a key). Every other line is a key and its value."""
    entries: list[Node] = []
    default = ""
    complete = True
    for child in node.children or ():
        if child.name == "default":
            default = child.arg(0)
        elif child.name == "include":
            complete = False
        elif child.args:
            entries.append(child)
    return VariableDefinition(
        "map", variable, node.arg(0), node, tuple(entries), default, complete=complete
    )


def is_credential_variable(name: str) -> bool:
    """A request value that carries a credential: cookies, ``Authorization``, a token header."""
    if name in _CREDENTIAL_VARIABLES or name.startswith(("cookie_", "jwt_")):
        return True
    return name.startswith("http_") and is_credential_header(name.removeprefix("http_"))


def names_user(name: str) -> str | None:
    """What ``$name`` is, when it is a value the client writes that names the user
    (``$http_x_user_id``, ``$cookie_username``, ``$arg_user``): a request header, a
    cookie or a query argument; ``None`` otherwise."""
    for prefix, kind in _CLIENT_WRITTEN.items():
        if name.startswith(prefix):
            words = set(name.removeprefix(prefix).split("_"))
            if words & _USER_WORDS and words <= _USER_WORDS | _USER_NAME_FILLERS:
                return kind
    return None
