"""The uniform config tree of block-structured formats."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from authlint.model.source import SourceFile, Span


class Node:
    """One directive: its name, arguments, children (``None`` unless a block), and origin.

    Arguments are unquoted, as the server sees them. A node belongs to the file
    that holds its text, also when it is read through an include.
    """

    __slots__ = ("args", "children", "file", "line", "name")

    def __init__(
        self,
        name: str,
        args: list[str],
        children: list[Node] | None,
        file: SourceFile,
        line: int,
    ) -> None:
        self.name = name
        self.args = args
        self.children = children
        self.file = file
        self.line = line

    def __repr__(self) -> str:
        return f"Node({self.name!r}, {self.args!r}, {self.file.path}:{self.line})"

    @property
    def span(self) -> Span:
        return self.file.span_of(self)

    @property
    def where(self) -> str:
        """``path:line``, for messages that point at another directive."""
        return f"{self.file.path}:{self.line}"

    def arg(self, index: int, default: str = "") -> str:
        return self.args[index] if index < len(self.args) else default
