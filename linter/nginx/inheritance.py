"""nginx's inheritance: a directive in effect at a level is the nearest level's own.

This is how nginx merges every directive it inherits, the array-type ones
(``proxy_set_header``, ``add_header``, ``fastcgi_param``, ...) included: a
level with its own occurrences takes none of its parent's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from authlint.model.scope import Scope
    from authlint.model.tree import Node

_Value = TypeVar("_Value")


class memoized(Generic[_Value]):
    """``functools.cached_property`` without its lock (taken on every first access
    before Python 3.12): settings are computed once per scope and read from the
    instance's ``__dict__`` afterwards.
    """

    def __init__(self, method: Callable[[Any], _Value]) -> None:
        self.method = method
        self.name = method.__name__

    def __get__(self, instance: object, owner: type | None = None) -> _Value:
        value = self.method(instance)
        instance.__dict__[self.name] = value
        return value


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


def inherited(scope: Scope) -> Inheriting:
    """The inheritance of an nginx scope (its settings)."""
    return cast(Inheriting, scope.settings)
