"""Scopes: each place that handles a request, and inherited look-ups through them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.settings import Settings
    from authlint.model.tree import Node


class Layer(str, Enum):
    """Which layer on the request's path a scope belongs to."""

    CDN = "cdn"
    PROXY = "proxy"
    SERVER = "server"
    APP = "app"


class ScopeKind(str, Enum):
    """The kind of block a scope is; each format uses its own subset."""

    MAIN = "main"
    HTTP = "http"
    SERVER = "server"
    LOCATION = "location"
    IF = "if"
    LIMIT_EXCEPT = "limit_except"


@dataclass(frozen=True, slots=True)
class UnreadInclude:
    """An include whose content is unknown: missing, outside the tree, or not parsed.

    ``names`` bounds the directives it could set at the including level
    (``None``: any directive).
    """

    node: Node
    names: frozenset[str] | None = None

    def may_set(self, name: str) -> bool:
        return self.names is None or name in self.names


@dataclass(slots=True)
class Lookup:
    """The directives that are in effect for a name in a scope after inheritance (read-only).

    ``scope`` is the scope whose own directives these are (``None`` when no
    level sets the name, so the server's default applies). ``known`` is false
    when a file that was not read (an unresolved include, a file that failed
    to parse) could have set or changed the name at a level on the way.
    """

    nodes: tuple[Node, ...]
    scope: Scope | None
    known: bool

    def last_arg(self, default: str | None = None) -> str | None:
        """The first argument of the last directive, as a single-valued setting."""
        return self.nodes[-1].arg(0) if self.nodes and self.nodes[-1].args else default


NOT_SET = Lookup((), None, True)


class Scope:
    """A place that handles a request (nginx ``http``/``server``/``location``/``if``, ...).

    ``directives`` are the scope's own directives in order, with included files
    spliced in where nginx would read them; ``own`` indexes them by name.
    ``unread`` lists the includes at this level whose content is unknown.
    ``settings`` holds the effective settings once the format's loader has
    attached them.
    """

    __slots__ = (
        "_hosts",
        "_lookups",
        "children",
        "directives",
        "format",
        "kind",
        "layer",
        "node",
        "own",
        "parent",
        "path",
        "settings",
        "unread",
    )

    def __init__(
        self,
        format: str,
        kind: ScopeKind,
        layer: Layer,
        node: Node | None,
        parent: Scope | None,
        *,
        path: str | None = None,
    ) -> None:
        self.format = format
        self.kind = kind
        self.layer = layer
        self.node = node
        self.parent = parent
        self._hosts: tuple[str, ...] | None = None
        self._lookups: dict[str, Lookup] = {}
        self.path = path
        self.children: list[Scope] = []
        self.directives: list[Node] = []
        self.own: dict[str, list[Node]] = {}
        self.unread: list[UnreadInclude] = []
        self.settings: Settings
        if parent is not None:
            parent.children.append(self)

    def __repr__(self) -> str:
        return f"Scope({self.kind.value}, {self.label})"

    @property
    def hosts(self) -> tuple[str, ...]:
        """The host names this scope answers for (set on servers, inherited below)."""
        scope: Scope | None = self
        while scope is not None:
            if scope._hosts is not None:
                return scope._hosts
            scope = scope.parent
        return ()

    @hosts.setter
    def hosts(self, names: tuple[str, ...]) -> None:
        self._hosts = names

    @property
    def label(self) -> str:
        """How a message names this scope: ``location /api/``, ``server api.example.com``."""
        if self.node is None:
            return f"{self.kind.value} (implied)"
        args = self.node.args or self.hosts[:1]
        text = " ".join(arg if arg else '""' for arg in args)
        return f"{self.node.name} {text}".rstrip()

    def ancestors(self) -> Iterator[Scope]:
        scope = self.parent
        while scope is not None:
            yield scope
            scope = scope.parent

    def walk(self) -> Iterator[Scope]:
        """This scope and every scope below it, in document order."""
        stack = [self]
        while stack:
            scope = stack.pop()
            yield scope
            stack.extend(reversed(scope.children))

    def enclosing(self, kind: ScopeKind) -> Scope | None:
        """The nearest scope of ``kind``, this one included."""
        scope: Scope | None = self
        while scope is not None and scope.kind is not kind:
            scope = scope.parent
        return scope

    def may_set(self, name: str) -> bool:
        """Whether an unread include at this level could set ``name``."""
        return any(unread.may_set(name) for unread in self.unread)

    def lookup(self, name: str) -> Lookup:
        """Inherit ``name`` by replacement: the nearest level that sets it wins.

        This is how nginx merges every directive it inherits, the array-type
        ones (``proxy_set_header``, ``add_header``, ``fastcgi_param``, ...)
        included: a level with its own occurrences takes none of its parent's.
        Results are kept per scope, so siblings share their parent's look-up;
        look names up only once the scope tree is complete.
        """
        found = self._lookups.get(name)
        if found is None:
            nodes = self.own.get(name)
            unread = bool(self.unread) and self.may_set(name)
            if nodes:
                found = Lookup(tuple(nodes), self, not unread)
            elif unread:
                found = Lookup((), self, False)
            elif self.parent is None:
                found = NOT_SET
            else:
                found = self.parent.lookup(name)
            self._lookups[name] = found
        return found
