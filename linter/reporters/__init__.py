"""Reporters turn a run's result into text; they only format findings."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from authlint.engine import Result

FORMATS = ("text", "json", "sarif", "github")


class Render(Protocol):
    def __call__(self, result: Result) -> str: ...


def renderer(name: str) -> Render:
    """The ``render`` function of a format's module, imported only when asked for."""
    module = importlib.import_module(f"authlint.reporters.{name}_format")
    render: Render = module.render
    return render
