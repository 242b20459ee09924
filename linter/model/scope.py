"""Scopes: each place that handles a request, and inherited look-ups through them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.settings import Settings
    from authlint.model.tree import Node


class ScopeRole(str, Enum):
    """What a scope is on a request's way, in terms every format shares.

    ``ROOT``: the whole server (nginx's main level and ``http``, Apache's
    server config). ``HOST``: a virtual server (nginx ``server``, Apache
    ``<VirtualHost>``, an Ingress host). ``ROUTE``: what a request's path
    selects (nginx ``location``, Apache ``<Directory>``/``<Location>``, a
    CloudFront cache behaviour, an Ingress path). ``CONDITION``: a part of a
    route that applies to some requests only (nginx ``if``, ``limit_except``;
    Apache ``<If>``, ``<Limit>``).
    """

    ROOT = "root"
    HOST = "host"
    ROUTE = "route"
    CONDITION = "condition"


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


class Scope:
    """A place that handles a request (nginx ``http``/``server``/``location``/``if``, ...).

    ``role`` is what it is in every format's terms; ``kind`` the format's own
    name for it (``location``, ``Directory``), for labels. ``directives`` are
    the scope's own directives in order, with included files spliced in where
    the server would read them; ``own`` indexes them by name; ``unread`` lists
    the includes at this level whose content is unknown. These three are the
    format's raw material: rules read the ``settings`` the format computes
    from them (its inheritance, defaults and merging) once its loader has
    attached them.
    """

    __slots__ = (
        "_hosts",
        "children",
        "directives",
        "format",
        "kind",
        "node",
        "own",
        "parent",
        "role",
        "settings",
        "unread",
    )

    def __init__(
        self, format: str, kind: str, role: ScopeRole, node: Node | None, parent: Scope | None
    ) -> None:
        self.format = format
        self.kind = kind
        self.role = role
        self.node = node
        self.parent = parent
        self._hosts: tuple[str, ...] | None = None
        self.children: list[Scope] = []
        self.directives: list[Node] = []
        self.own: dict[str, list[Node]] = {}
        self.unread: list[UnreadInclude] = []
        self.settings: Settings
        if parent is not None:
            parent.children.append(self)

    def __repr__(self) -> str:
        return f"Scope({self.kind}, {self.label})"

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
            return f"{self.kind} (implied)"
        args = self.node.args or self.hosts[:1]
        text = " ".join(arg if arg else '""' for arg in args)
        return f"{self.node.name} {text}".rstrip()

    def add(self, node: Node, key: str) -> None:
        """Append a directive of this scope, indexed under ``key`` (its name as the
        format matches it)."""
        self.directives.append(node)
        named = self.own.get(key)
        if named is None:
            self.own[key] = [node]
        else:
            named.append(node)

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

    def enclosing(self, kind: str) -> Scope | None:
        """The nearest scope of the format's ``kind``, this one included."""
        scope: Scope | None = self
        while scope is not None and scope.kind != kind:
            scope = scope.parent
        return scope

    def may_set(self, name: str) -> bool:
        """Whether an unread include at this level could set ``name``."""
        return any(unread.may_set(name) for unread in self.unread)
