"""Settings computed once per scope, on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

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
