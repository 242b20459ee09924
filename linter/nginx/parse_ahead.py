"""Parsing a run's nginx files before the loader asks for them, in worker processes with ``--jobs``.

The parse of a file depends on that file alone, and is most of a run's
time; building the model is not (each include is resolved against what was
read before it). So workers only parse, and send each result back as plain
data, cheaper to transfer than the nodes themselves. The loader still builds
the model in this process, in its usual order, and takes a worker's result
only for the very file it was computed from (the same absolute path); any
other file it parses itself. The model, and so every finding and its order,
is that of a serial run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from authlint.model.source import Comment, SourceFile
from authlint.model.tree import Node
from authlint.nginx.loader import FORMAT
from authlint.nginx.parser import ParseError, parse_file
from authlint.parallel import ordered_map

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from authlint.nginx.loader import Parse
    from authlint.progress import Progress

# A node as (name, args, children, line): tuples of builtins pickle fast.
PlainNode: TypeAlias = "tuple[str, list[str], list[PlainNode] | None, int]"


class ParsedFile(NamedTuple):
    """What :func:`parse_file` leaves in a :class:`SourceFile`, as plain data."""

    nodes: list[PlainNode] | None
    partial_nodes: list[PlainNode]
    top_level_names: frozenset[str] | None
    comments: list[tuple[int, str]]
    errors: list[ParseError]

    def restore(self, source: SourceFile) -> list[ParseError]:
        """Fill ``source`` as :func:`parse_file` would have; return the same errors."""
        source.nodes = None if self.nodes is None else _nodes(self.nodes, source)
        source.partial_nodes = _nodes(self.partial_nodes, source)
        source.top_level_names = self.top_level_names
        source.comments = [Comment(line, text) for line, text in self.comments]
        return self.errors


def parse_detached(path: Path) -> ParsedFile:
    """Parse the file at ``path`` into plain data (this runs in a worker)."""
    source = SourceFile(path.as_posix(), path, FORMAT)
    errors = parse_file(source)
    return ParsedFile(
        None if source.nodes is None else _plain(source.nodes),
        _plain(source.partial_nodes),
        source.top_level_names,
        [(comment.line, comment.text) for comment in source.comments],
        errors,
    )


def parse_ahead(paths: Sequence[Path], processes: int, progress: Progress) -> Parse:
    """The loader's parse function for a run whose candidate files are ``paths``.

    With more than one process, ``paths`` are parsed now, by the workers;
    with one, each file is parsed when the loader asks for it. Either way
    ``progress`` advances once per file of ``paths`` parsed.
    """
    if processes <= 1:
        expected = frozenset(paths)

        def parse_counting(source: SourceFile) -> list[ParseError]:
            errors = parse_file(source)
            if source.abspath in expected:
                progress.advance()
            return errors

        return parse_counting

    parsed: dict[Path, ParsedFile] = {}
    for path, result in zip(paths, ordered_map(parse_detached, paths, processes), strict=True):
        parsed[path] = result
        progress.advance()

    def parse_parsed(source: SourceFile) -> list[ParseError]:
        ahead = parsed.pop(source.abspath, None)
        return parse_file(source) if ahead is None else ahead.restore(source)

    return parse_parsed


def _plain(nodes: list[Node]) -> list[PlainNode]:
    return [
        (node.name, node.args, None if node.children is None else _plain(node.children), node.line)
        for node in nodes
    ]


def _nodes(plain: list[PlainNode], source: SourceFile) -> list[Node]:
    return [
        Node(name, args, None if children is None else _nodes(children, source), source, line)
        for name, args, children, line in plain
    ]
