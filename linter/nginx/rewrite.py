"""The rewrite module's data flow: what a variable holds when a request's answer is made.

- nginx runs the rewrite directives (``set``, ``if``, ``break``, ``return``,
  ``rewrite``) of the server, then those of the location the request ends in,
  in order. A parent location's do not run for a nested one (nginx 1.22 was
  seen to leave a parent's ``set`` unset there).
- An ``if`` whose test passes runs its own directives, and its configuration
  (its ``add_header`` list, inherited or its own) answers the request; a later
  passing ``if`` takes over.
- ``return`` ends the request, ``break`` the level's rewrite directives;
  ``rewrite ... last`` searches the locations again, which is not followed.
- A ``map`` computes its value when it is read; a variable ``set`` somewhere
  but not on the way is empty.

Each way through is a :class:`Path`: the tests it passed or failed on the
request, what each variable holds at its end, and which scope answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

from authlint.model.origins import RegexTooSlow, compile_pcre, search_pcre
from authlint.nginx import blocks
from authlint.nginx.values import VARIABLE, is_builtin_variable, only_variable, variables_in
from authlint.nginx.variables import DEPTH_LIMIT, is_credential_variable

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node
    from authlint.nginx.settings import NginxSettings
    from authlint.nginx.variables import VariableDefinition

# Ways through one location, or values of one expression, followed before the
# answer is unknown: each `if` may double them.
PATH_LIMIT = 1024
_GROUP_NAMES = re.compile(r"\(\?P?<([A-Za-z_]\w*)>")


@dataclass(frozen=True, slots=True)
class Text:
    """Text the config writes."""

    text: str


@dataclass(frozen=True, slots=True)
class Input:
    """A value nginx takes from the request or the connection (``$http_origin``)."""

    name: str


@dataclass(frozen=True, slots=True)
class Opaque:
    """A value the model cannot follow: a variable defined nowhere in view, a module it
    does not know, a value set after the rewrite phase."""

    name: str


Part = Text | Input | Opaque
Value = tuple[Part, ...]
_REQUEST_METHOD = Input("request_method")


@dataclass(frozen=True, slots=True)
class Test:
    """One test a path passed or failed: ``subject`` against ``operand`` by
    ``operator`` (``=``, ``~``, ``~*``; ``""``: neither empty nor ``0``; a file test
    such as ``-f``; ``default``: none of a map's keys), from the ``if``, the ``map``
    line or the ``map`` ``node``. Negated operators are kept as the test they negate,
    with ``passed`` turned round."""

    subject: Value
    operator: str
    operand: str
    node: Node
    passed: bool


@dataclass(frozen=True, slots=True)
class Path:
    """One way through the rewrite directives, as far as the model follows it."""

    tests: tuple[Test, ...]
    variables: tuple[tuple[str, Value], ...]
    answering: Scope
    known: bool = True

    def value_of(self, name: str) -> Value | None:
        for variable, value in reversed(self.variables):
            if variable == name:
                return value
        return None


@dataclass(slots=True)
class _Walk:
    """A path being built: ``running`` until a ``break``; ``ended`` by a ``return``."""

    path: Path
    captures: Value | None = None
    running: bool = True
    ended: bool = False


def rewrite_paths(settings: NginxSettings) -> tuple[Path, ...]:
    """Every way a request handled by this scope goes through the rewrite directives
    (computed once per location, for its ``if`` and ``limit_except`` blocks too)."""
    scope = settings.scope
    server = scope.enclosing(blocks.SERVER)
    location = scope.enclosing(blocks.LOCATION)
    start = location or server or scope
    if start is not scope:
        return cast("NginxSettings", start.settings).rewrite_paths
    levels = [level for level in (server, location) if level is not None]
    walks = [_Walk(Path((), (), start))]
    for level in levels:
        for walk in walks:
            walk.running = not walk.ended
        walks = _run(settings, level, level.directives, walks)
        if len(walks) > PATH_LIMIT:
            return (Path((), (), start, known=False),)
    return tuple(walk.path for walk in walks)


def values_of(
    settings: NginxSettings, path: Path, text: str
) -> list[tuple[tuple[Test, ...], Value]]:
    """What ``text`` (a value with variables) can be at the end of ``path``: each with
    the tests it takes on the way (a ``map`` read chooses by its keys)."""
    return _evaluate(settings, text, path, None, 0)


def true_by_credentials(settings: NginxSettings, text: str) -> bool | None:
    """Whether ``text`` is true (neither empty nor ``0``) on some way through because the
    request's credentials passed a test there: ``if ($http_cookie ~* logged_in) { set
    $skip 1; }`` makes ``$skip`` a condition on credentials. ``None`` when a way the
    model does not follow, or a test of a value it cannot read, may make it so."""
    unknown = False
    for path in settings.rewrite_paths:
        if not path.known:
            unknown = True
            continue
        for tests, parts in values_of(settings, path, text):
            if not _truthy(parts):
                continue
            taken = [test for test in path.tests + tests if test.passed]
            if any(_on_credentials(test.subject) for test in taken):
                return True
            unknown = unknown or any(
                isinstance(part, Opaque) for test in taken for part in test.subject
            )
    return None if unknown else False


def credential_tests(settings: NginxSettings) -> tuple[Node, ...]:
    """The ``if`` and ``map`` lines that test the request's credential on the ways through
    this scope's location (a session cookie that decides a skip, a missing
    ``Authorization`` answered with 401), and the ``map`` blocks on a credential that
    the directives of this scope and the levels around it, up to its server, read."""
    found: dict[int, Node] = {}
    for path in settings.rewrite_paths:
        for test in path.tests:
            if _on_credentials(test.subject):
                found.setdefault(id(test.node), test.node)
    scope = settings.scope
    server = scope.enclosing(blocks.SERVER)
    levels = [scope, *scope.ancestors()]
    # The http level's directives name maps for logs and other servers too.
    for level in levels[: levels.index(server) + 1] if server is not None else levels:
        for node in level.directives:
            if node.name == "map":
                continue
            for name in {name for arg in node.args for name in variables_in(arg)}:
                for definition in settings.variable_definitions(name):
                    source = only_variable(definition.source or "")
                    if definition.kind == "map" and source and is_credential_variable(source):
                        found.setdefault(id(definition.origin), definition.origin)
    return tuple(found.values())


def method_passes(path: Path, method: str) -> bool:
    """Whether a request of ``method`` takes ``path``: it gives every test of
    ``$request_method`` on the way the outcome the path took (a test the model cannot
    decide counts as passed either way)."""
    for test in path.tests:
        if test.subject != (_REQUEST_METHOD,):
            continue
        outcome = _decide((Text(method),), test.operator, test.operand)
        if outcome is not None and outcome != test.passed:
            return False
    return True


def _on_credentials(subject: Value) -> bool:
    return any(isinstance(part, Input) and is_credential_variable(part.name) for part in subject)


def _run(
    settings: NginxSettings, level: Scope, directives: list[Node], walks: list[_Walk]
) -> list[_Walk]:
    ifs = {id(child.node): child for child in level.children if child.kind == blocks.IF}
    for node in directives:
        if len(walks) > PATH_LIMIT:
            return walks
        following: list[_Walk] = []
        for walk in walks:
            if not walk.running:
                following.append(walk)
            elif node.name == "set" and len(node.args) == 2:
                following += _assign(settings, walk, node)
            elif node.name == "if" and id(node) in ifs:
                following += _branch(settings, walk, node, ifs[id(node)])
            else:
                following.append(walk)
                _stop(walk, node)
        walks = following
    return walks


def _stop(walk: _Walk, node: Node) -> None:
    """``return``, ``break`` and ``rewrite`` on ``walk``."""
    if node.name == "return":
        walk.running, walk.ended = False, True
    elif node.name == "break":
        walk.running = False
    elif node.name == "rewrite":
        flag = node.args[-1] if len(node.args) > 2 else ""
        if flag == "last":
            walk.path = replace(walk.path, known=False)
            walk.running, walk.ended = False, True
        elif flag in ("redirect", "permanent") or node.arg(1).startswith(
            ("http://", "https://", "$scheme")
        ):
            walk.running, walk.ended = False, True
        elif flag == "break":
            walk.running = False


def _assign(settings: NginxSettings, walk: _Walk, node: Node) -> list[_Walk]:
    name = node.arg(0).lower().removeprefix("$")  # `set ${v} x;` leaves `$v` (nginx 1.22)
    assigned = []
    for tests, value in _evaluate(settings, node.arg(1), walk.path, walk.captures, 0):
        path = walk.path
        assigned.append(
            _Walk(
                replace(path, tests=path.tests + tests, variables=(*path.variables, (name, value))),
                walk.captures,
            )
        )
    return assigned


def _branch(settings: NginxSettings, walk: _Walk, node: Node, block: Scope) -> list[_Walk]:
    """Both ways through ``if``, each with what it tested; the passing one runs the block."""
    branches = []
    for tests, passed, captures in _tested(settings, walk, node):
        path = replace(walk.path, tests=walk.path.tests + tests)
        if not passed:
            branches.append(_Walk(path, captures))
            continue
        # An `if` of a location is a configuration of its own; one of a server is not.
        in_location = block.parent is not None and block.parent.kind == blocks.LOCATION
        answering = block if in_location else path.answering
        inside = _Walk(replace(path, answering=answering), captures)
        branches += _run(settings, block, block.directives, [inside])
    return branches


def _tested(
    settings: NginxSettings, walk: _Walk, node: Node
) -> list[tuple[tuple[Test, ...], bool, Value | None]]:
    """The outcomes of an ``if``'s condition: the tests taken, passed or not, and the
    captures each leaves."""
    args = node.args
    path = walk.path
    if len(args) == 1:
        outcomes = []
        for tests, value in _evaluate(settings, args[0], path, walk.captures, 0):
            truthy = _truthy(value)
            if truthy is not None:
                outcomes.append((tests, truthy, walk.captures))
            else:
                for passed in (True, False):
                    test = Test(value, "", "", node, passed)
                    outcomes.append(((*tests, test), passed, walk.captures))
        return outcomes
    if len(args) == 2:  # a file test, -f and the like: the request's URI decides it
        file: Value = (Opaque(args[1]),)
        operator, negated = args[0].removeprefix("!"), args[0].startswith("!")
        return [
            ((Test(file, operator, "", node, passed != negated),), passed, walk.captures)
            for passed in (True, False)
        ]
    if len(args) != 3:
        return [((), passed, walk.captures) for passed in (True, False)]
    negated = args[1].startswith("!")
    operator = args[1].removeprefix("!")
    outcomes = []
    for tests, subject in _evaluate(settings, args[0], path, walk.captures, 0):
        decided = _decide(subject, operator, args[2])
        for passed in (True, False) if decided is None else (decided != negated,):
            # A regex that matches sets the captures, one that does not clears them (a
            # failed `~` or a passed `!~` leaves `$1` empty on nginx 1.22); `=` keeps them.
            matched = passed != negated
            captures = walk.captures if operator == "=" else subject if matched else ()
            if decided is None:
                test = Test(subject, operator, args[2], node, passed != negated)
                outcomes.append(((*tests, test), passed, captures))
            else:
                outcomes.append((tests, passed, captures))
    return outcomes


def _decide(subject: Value, operator: str, operand: str) -> bool | None:
    """A test whose subject is text the config wrote is decided here; ``None`` otherwise."""
    text = _text(subject)
    if text is None or VARIABLE.search(operand) or operator not in ("=", "~", "~*"):
        return None
    if operator == "=":
        return text == operand
    compiled = compile_pcre(operand, re.IGNORECASE if operator == "~*" else 0)
    if compiled is None:
        return None
    try:
        return search_pcre(compiled, text)
    except RegexTooSlow:
        return None


def _evaluate(
    settings: NginxSettings, text: str, path: Path, captures: Value | None, depth: int
) -> list[tuple[tuple[Test, ...], Value]]:
    """The values ``text`` can have on ``path``, each with the ``map`` tests it took."""
    results: list[tuple[tuple[Test, ...], Value]] = [((), ())]
    position = 0
    for match in VARIABLE.finditer(text):
        literal = text[position : match.start()]
        position = match.end()
        name = (match.group(1) or match.group(2)).lower()
        choices = _variable(settings, name, path, captures, depth)
        results = [
            (tests + more, _joined(value, (Text(literal),), part))
            for tests, value in results
            for more, part in choices
        ]
        if len(results) > PATH_LIMIT:
            return [((), (Opaque(text),))]
    tail = (Text(text[position:]),)
    return [(tests, _joined(value, tail)) for tests, value in results]


def _variable(
    settings: NginxSettings, name: str, path: Path, captures: Value | None, depth: int
) -> list[tuple[tuple[Test, ...], Value]]:
    if name.isdigit():
        return [((), captures if captures is not None else (Opaque(name),))]
    value = path.value_of(name)
    if value is not None:
        return [((), value)]
    definitions = settings.variable_definitions(name)
    maps = [item for item in definitions if item.kind == "map"]
    if maps:
        if depth >= DEPTH_LIMIT:
            return [((), (Opaque(name),))]
        return [choice for item in maps for choice in _map_values(settings, item, path, depth + 1)]
    if any(item.kind == "set" for item in definitions):
        return [((), ())]  # set elsewhere, not on this way: empty
    if definitions:  # auth_request_set: after the rewrite phase
        return [((), (Opaque(name),))]
    return [((), (Input(name),) if is_builtin_variable(name) else (Opaque(name),))]


def _map_values(
    settings: NginxSettings, definition: VariableDefinition, path: Path, depth: int
) -> list[tuple[tuple[Test, ...], Value]]:
    """A ``map``'s values, each with the key test that chooses it; the default with every
    key failed."""
    found: list[tuple[tuple[Test, ...], Value]] = []
    for tests, subject in _evaluate(settings, definition.source, path, None, depth):
        for entry in definition.entries:
            operator, key = _map_key(entry.name)
            groups = {name.lower() for name in _GROUP_NAMES.findall(key)}
            taken = Test(subject, operator, key, entry, True)
            for more, value in _evaluate(settings, entry.arg(0), path, subject, depth):
                found.append(((*tests, taken, *more), _with_groups(value, groups, subject)))
        unmatched = Test(subject, "default", "", definition.origin, True)
        for more, value in _evaluate(settings, definition.default, path, None, depth):
            found.append(((*tests, unmatched, *more), value))
        if not definition.complete:
            found.append((tests, (Opaque(definition.variable),)))
    return found


def _with_groups(value: Value, groups: set[str], subject: Value) -> Value:
    """A map value naming one of its key's groups holds part of the subject."""
    if not groups:
        return value
    return tuple(
        part
        for item in value
        for part in (subject if isinstance(item, Opaque) and item.name in groups else (item,))
    )


def _map_key(key: str) -> tuple[str, str]:
    if key.startswith("~*"):
        return "~*", key[2:]
    if key.startswith("~"):
        return "~", key[1:]
    return "=", key.removeprefix("\\")


def _joined(*values: Value) -> Value:
    """Values written one after another, adjacent text merged, empty text dropped."""
    parts: list[Part] = []
    for value in values:
        for part in value:
            if isinstance(part, Text):
                if not part.text:
                    continue
                if parts and isinstance(parts[-1], Text):
                    parts[-1] = Text(parts[-1].text + part.text)
                    continue
            parts.append(part)
    return tuple(parts)


def _truthy(value: Value) -> bool | None:
    """What ``if ($variable)`` takes as true, neither empty nor ``0``; ``None`` when the
    value holds request values."""
    text = _text(value)
    return None if text is None else text not in ("", "0")


def _text(value: Value) -> str | None:
    """The value when it is all text the config wrote."""
    if all(isinstance(part, Text) for part in value):
        return "".join(part.text for part in value if isinstance(part, Text))
    return None
