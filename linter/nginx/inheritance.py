"""nginx's inheritance: a directive in effect at a level is the nearest level's own.

This is how nginx merges every directive it inherits, the array-type ones
(``proxy_set_header``, ``add_header``, ``fastcgi_param``, ...) included: a
level with its own occurrences takes none of its parent's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from authlint.model.settings import Setting
from authlint.sizes import parse_size

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node


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


class Inheriting:
    """What one nginx scope inherits, looked up by directive name and kept.

    Results are kept per scope, so siblings share their parent's look-up;
    look names up only once the scope tree is complete.
    """

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._lookups: dict[str, Lookup] = {}

    def lookup(self, name: str) -> Lookup:
        """``name`` in effect here: the nearest level that sets it wins."""
        found = self._lookups.get(name)
        if found is None:
            scope = self.scope
            nodes = scope.own.get(name)
            unread = bool(scope.unread) and scope.may_set(name)
            if nodes:
                found = Lookup(tuple(nodes), scope, not unread)
            elif unread:
                found = Lookup((), scope, False)
            elif scope.parent is None:
                found = NOT_SET
            else:
                found = inherited(scope.parent).lookup(name)
            self._lookups[name] = found
        return found

    def single(self, name: str, default: str | None = None) -> Setting[str | None]:
        """A single-valued directive; ``off`` reads as ``None``.

        An explicit value is known even beside an unread include: nginx refuses
        a duplicate, so the include cannot have set it again.
        """
        found = self.lookup(name)
        if not found.nodes:
            return Setting(default, None, found.known)
        node = found.nodes[-1]
        value = " ".join(node.args)
        return Setting(None if value == "off" else value, node, True)

    def flag(self, name: str | None, default: bool) -> Setting[bool]:
        """An ``on``/``off`` directive (``None``: the module has none, the default holds)."""
        if name is None:
            return Setting(default)
        found = self.lookup(name)
        if not found.nodes:
            return Setting(default, None, found.known)
        node = found.nodes[-1]
        return Setting(node.arg(0).lower() == "on", node, True)

    def words(self, name: str) -> Setting[tuple[str, ...]]:
        """Every argument of every occurrence in effect, in order."""
        found = self.lookup(name)
        words = tuple(arg for node in found.nodes for arg in node.args)
        return Setting(words, found.nodes[0] if found.nodes else None, found.known)

    def size(self, name: str, default: int) -> Setting[int | None]:
        """A size in bytes (``None``: one nginx would refuse)."""
        found = self.single(name)
        if found.origin is None:
            return Setting(default, None, found.known)
        return Setting(parse_size(found.origin.arg(0)), found.origin, found.known)


def inherited(scope: Scope) -> Inheriting:
    """The inheritance of an nginx scope (its settings)."""
    return cast(Inheriting, scope.settings)
