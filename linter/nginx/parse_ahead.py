"""Sharing the parse of a run's nginx files with worker processes (``--jobs``).

The parse of a file depends on that file alone, and is most of a run's
time; building the model is not (each include is resolved against what was
read before it). So workers only parse, and send each result back as plain
data, cheaper to transfer than the nodes themselves, while this process
parses a share of its own. The loader still builds the model in this
process, in its usual order, and takes a worker's result only for the very
file it was computed from (the same absolute path); any other file it parses
itself. Whoever parsed a file, the model, and so every finding and its
order, is that of a serial run.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from authlint.model.source import Comment, SourceFile
from authlint.model.tree import Node
from authlint.nginx.loader import FORMAT
from authlint.nginx.parser import ParseError, parse_file
from authlint.parallel import worker_context, worker_pool

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from concurrent.futures import Future
    from multiprocessing.context import BaseContext
    from multiprocessing.sharedctypes import SynchronizedArray
    from pathlib import Path

    from authlint.nginx.loader import Parse
    from authlint.progress import Progress

# Files a worker parses at once: enough to amortise the round trip, few
# enough that all processes finish together and progress moves steadily.
_MAX_CHUNK = 32
_CHUNKS_PER_PROCESS = 8

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


@contextmanager
def parse_ahead(
    paths: Sequence[Path],
    processes: int,
    progress: Progress,
    context: BaseContext | None = None,
) -> Iterator[Parse]:
    """The loader's parse function, while ``processes`` processes share the parse of ``paths``.

    ``paths`` (in the order the loader asks for them) are cut into chunks,
    queued for ``processes - 1`` workers from the last chunk back. A chunk
    goes to whoever starts it first: a worker, or this process when the
    loader asks for one of its files (it then parses them as they are asked
    for). So this process parses from the start while the workers parse from
    the end, and they meet where their speeds put them, whatever else the
    machine runs. A chunk a worker has is waited for. Any other file is
    parsed here. ``progress`` advances once per file of ``paths`` parsed.
    ``context`` says how workers start (:func:`worker_context`).
    """
    expected = frozenset(paths)
    places: dict[Path, tuple[int, int]] = {}
    futures: dict[int, Future[list[ParsedFile] | None]] = {}
    # Per chunk, once taken: the workers' results not restored yet (each file
    # is asked for once, so each is let go as soon as it is restored), or
    # None when the chunk is parsed here.
    taken: dict[int, dict[int, ParsedFile] | None] = {}
    claims: SynchronizedArray[int] | None = None

    def parse(source: SourceFile) -> list[ParseError]:
        place = places.pop(source.abspath, None)
        ahead = None
        if place is not None and claims is not None:
            number, index = place
            if number not in taken:
                future = futures.pop(number)
                results = None if _claim(claims, number) else future.result()
                taken[number] = None if results is None else dict(enumerate(results))
            waiting = taken[number]
            ahead = None if waiting is None else waiting.pop(index)
        errors = parse_file(source) if ahead is None else ahead.restore(source)
        if source.abspath in expected:
            progress.advance()
        return errors

    chunk = max(1, min(_MAX_CHUNK, len(paths) // (processes * _CHUNKS_PER_PROCESS)))
    chunks = [list(paths[start : start + chunk]) for start in range(0, len(paths), chunk)]
    if processes <= 1 or len(chunks) <= 1:
        yield parse
        return
    for number, part in enumerate(chunks):
        places.update((path, (number, index)) for index, path in enumerate(part))
    context = context or worker_context()
    claims = context.Array("b", len(chunks))
    workers = min(processes - 1, len(chunks))
    with worker_pool(workers, context, _receive_claims, (claims,)) as pool:
        # Queued from the last chunk back: the workers start at the far end.
        for number in reversed(range(len(chunks))):
            futures[number] = pool.submit(parse_chunk, number, chunks[number])
        yield parse


def _claim(claims: SynchronizedArray[int], number: int) -> bool:
    """Take chunk ``number`` for the calling process, unless another one has it."""
    with claims.get_lock():
        if claims[number]:
            return False
        claims[number] = 1
        return True


# In a worker: the chunks' claims, shared with the main process.
_claims: SynchronizedArray[int] | None = None


def _receive_claims(claims: SynchronizedArray[int]) -> None:
    global _claims
    _claims = claims


def parse_chunk(number: int, paths: list[Path]) -> list[ParsedFile] | None:
    """In a worker, the parse of chunk ``number``; None when another process took it first."""
    if _claims is None or not _claim(_claims, number):
        return None
    return [parse_detached(path) for path in paths]


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
