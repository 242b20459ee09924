"""Source files and locations."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from authlint.masking import Masked
    from authlint.model.tree import Node


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Where something is: ``path`` is POSIX and relative to the scan root.

    Lines and columns are 1-based; ``column`` and the end are ``None`` where
    the parser does not know them.
    """

    path: str
    line: int
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None


def display_path(path: Path, root: Path) -> str:
    """How a report names ``path``: relative to ``root`` where it is inside it, else whole."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment kept from the source (``text`` without the comment marker)."""

    line: int
    text: str


class SourceFile:
    """One config file read in a run.

    ``nodes`` holds the file's top-level directives, or ``None`` when the file
    could not be parsed (its content is then unknown to every rule). For such
    a file, ``top_level_names`` are the directives seen at its top level, when
    the whole file could be scanned: all that it could set where it is
    included (``None``: anything), and ``partial_nodes`` what was read before
    the error (only to find the files it includes; never linted).

    The text has two sets of accessors. ``text``, ``lines`` and ``line_text``
    give it as written, for the model. Whatever is written out (reports,
    fingerprints, baselines) reads it through the ``masked*`` accessors
    instead: the same text with its credentials hidden
    (:mod:`authlint.masking`), computed on first use, so only for the files
    a finding points at. ``utf16_column`` gives a number, not text.
    """

    __slots__ = (
        "_line_index",
        "_lines",
        "_masked",
        "_masked_lines",
        "_readable",
        "_text",
        "abspath",
        "comments",
        "format",
        "nodes",
        "partial_nodes",
        "path",
        "top_level_names",
    )

    def __init__(self, path: str, abspath: Path, format: str) -> None:
        self.path = path
        self.abspath = abspath
        self.format = format
        self.nodes: list[Node] | None = None
        self.top_level_names: frozenset[str] | None = None
        self.partial_nodes: list[Node] = []
        self.comments: list[Comment] = []
        self._text: str | None = None
        self._readable = True
        self._lines: list[str] | None = None
        self._masked: Masked | None = None
        self._masked_lines: list[str] | None = None
        self._line_index: dict[int, list[Node]] | None = None

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r})"

    def text(self) -> str:
        """The file's text as written (read on first use; empty if it cannot be read).

        Decoded as the parser decodes it, so that columns agree: UTF-8 (``bytes.decode``'s
        own), bytes that are not UTF-8 replaced, newlines universal.
        """
        if self._text is None:
            try:
                data = self.abspath.read_bytes()
                self._text = io.StringIO(data.decode(errors="replace"), newline=None).read()
            except OSError:
                self._text = ""
                self._readable = False
        return self._text

    def lines(self) -> list[str]:
        """The file's text split into lines."""
        if self._lines is None:
            self._lines = self.text().splitlines()
        return self._lines

    def line_text(self, line: int) -> str:
        return _line(self.lines(), line)

    def masked(self) -> Masked:
        """The file's text with its credentials hidden, character for character."""
        if self._masked is None:
            # Imported on first use: a run without findings never masks.
            from authlint.masking import mask_source

            self._masked = mask_source(self.text(), self.format)
        return self._masked

    def masked_text(self) -> str | None:
        """The masked text, or None if the file could not be read."""
        text = self.masked().text
        return text if self._readable else None

    def masked_lines(self) -> list[str]:
        """The masked text split into lines: the same lines as :meth:`lines`."""
        if self._masked_lines is None:
            self._masked_lines = self.masked().text.splitlines()
        return self._masked_lines

    def masked_line_text(self, line: int) -> str:
        return _line(self.masked_lines(), line)

    def utf16_column(self, line: int, column: int) -> int:
        """``column`` (1-based, in characters) in UTF-16 code units: a character past U+FFFF is two.

        Counted on the text as written, as masking makes such a character one ``*``.
        """
        before = self.line_text(line)[: column - 1]
        return column + sum(1 for character in before if ord(character) > 0xFFFF)

    def span_of(self, node: Node) -> Span:
        """The span of a directive: from its name to its last argument on that line.

        crossplane reports lines only, so columns are found in the text, walking
        the directives that share the line in order so that the second
        directive on a line is not mistaken for the first.
        """
        text = self.line_text(node.line)
        cursor = 0
        for other in self._nodes_on_line(node.line):
            start = text.find(other.name, cursor)
            if start < 0:
                break
            end = start + len(other.name)
            for arg in other.args:
                found = text.find(arg, end)
                if found != -1:  # an argument on a later line is not on this one
                    end = found + len(arg)
            if other is node:
                if end < len(text) and text[end] in "\"'":
                    end += 1
                return Span(self.path, node.line, start + 1, node.line, end + 1)
            cursor = end
        indent = len(text) - len(text.lstrip())
        return Span(self.path, node.line, indent + 1 if text else None)

    def _nodes_on_line(self, line: int) -> list[Node]:
        if self._line_index is None:
            index: dict[int, list[Node]] = {}
            stack = list(reversed(self.nodes or []))
            while stack:
                current = stack.pop()
                index.setdefault(current.line, []).append(current)
                if current.children:
                    stack.extend(reversed(current.children))
            self._line_index = index
        return self._line_index.get(line, [])


def _line(lines: list[str], line: int) -> str:
    """Line ``line`` (1-based, as every span's) of ``lines``; empty past the end."""
    return lines[line - 1] if line <= len(lines) else ""
