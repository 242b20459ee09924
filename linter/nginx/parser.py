"""One nginx file into the config tree, on crossplane's lexer and directive table.

crossplane's own ``parse`` checks a directive's arguments only in a context it
can name, and it names none inside the ``server`` block of a file parsed on
its own (a ``conf.d`` snippet): a missing argument there goes unnoticed. This
reads crossplane's tokens into nodes directly and has crossplane's analyzer
check every directive, reading a snippet's blocks as if it were included in
``http``, as nginx reads it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from crossplane.analyzer import DIRECTIVES, analyze, enter_block_ctx
from crossplane.errors import NgxParserBaseException, NgxParserDirectiveError

# crossplane's public lex() is these two over the lines of the file it opens;
# they are called here on lines that always end with a newline, as crossplane's
# lexer drops a comment that ends a file without one (and so a suppression).
from crossplane.lexer import _balance_braces, _lex_file_object

from authlint.model.source import Comment, SourceFile
from authlint.model.tree import Node
from authlint.sniff import marked_codec

if TYPE_CHECKING:
    from pathlib import Path

Tokens = Iterator[tuple[str, int, bool]]


class ParseError(NamedTuple):
    """Why a file does not parse, at which line; ``fix`` when the rule's own does not fit."""

    line: int
    message: str
    fix: str | None = None


_TOP_BLOCKS = frozenset({"http", "events", "stream", "mail"})
_LOCATION_BLOCKS = frozenset({"location", "if", "limit_except"})
# Blocks nested deeper are not read. nginx takes any depth, but the model and
# the rules walk blocks recursively; real configs nest a handful deep.
MAX_DEPTH = 100
_SAVE_AS_TEXT = "Save the file as UTF-8 text, without a byte-order mark or NUL bytes."


class _Stop(Exception):
    """Reading the file stops here, for ``error``: what follows is not read."""

    def __init__(self, error: ParseError) -> None:
        super().__init__(error)
        self.error = error


def parse_file(source: SourceFile) -> list[ParseError]:
    """Fill ``source.nodes`` from its file; return the errors (line, message).

    On any error the nodes stay ``None``: a file that does not parse is not
    half-read. What it could still set is bounded by the directives seen at
    its top level, when its tokens could be read to the end; a top-level
    ``include`` could set anything. What was read before the error is kept
    in ``source.partial_nodes``, only to find the files it includes.
    """
    errors: list[ParseError] = []
    nodes: list[Node] = []
    top_level: set[str] = set()
    scanned = True
    try:
        _block(_lex(source.abspath), source, (), errors, nodes, top_level)
    except NgxParserBaseException as exc:
        errors.append(ParseError(exc.lineno or 1, exc.strerror))
        # Braces balance is checked as tokens come: the rest was not seen,
        # unless the file merely ended inside a block.
        scanned = exc.strerror.startswith("unexpected end of file")
    except StopIteration:
        # The tokens ran out inside a statement (or an unclosed quote).
        errors.append(
            ParseError(max(len(source.lines()), 1), 'unexpected end of file, expecting ";"')
        )
    except OSError as exc:
        errors.append(
            ParseError(
                1,
                f"cannot read the file: {exc.strerror or type(exc).__name__}",
                "Make the file readable, or exclude it from the scan (`exclude`).",
            )
        )
        scanned = False
    except _Stop as exc:
        errors.append(exc.error)
        scanned = False
    if not errors:
        source.nodes = nodes
        return errors
    source.partial_nodes = nodes
    if scanned and "include" not in top_level:
        source.top_level_names = frozenset(top_level)
    return errors


def _lex(path: Path) -> Tokens:
    """crossplane's tokens for the file at ``path``: (token, line, quoted).

    Raises :class:`_Stop` before the first token for bytes that are no
    config text. Lines end as in Python's universal newlines mode.
    """
    data = path.read_bytes()
    _check_text(data)
    lines = io.StringIO(data.decode("utf-8", errors="replace"), newline=None)
    yield from _balance_braces(_lex_file_object(_newline_ended(lines)), str(path))


def _check_text(data: bytes) -> None:
    """Raise :class:`_Stop` for a byte-order mark or a NUL byte.

    nginx reads a config as bytes: a UTF-8 mark becomes part of the first
    directive's name, which nginx then does not know; UTF-16 and UTF-32 text
    is not read either. A NUL byte makes a file binary to authlint, whose
    paths and lexer cannot hold one (nginx takes it inside quotes, and stops
    at it in a path), so such a file is not read.
    """
    codec = marked_codec(data)
    if codec == "utf-8-sig":
        raise _Stop(
            ParseError(
                1,
                "the file starts with a UTF-8 byte-order mark, which nginx reads as part of "
                "the first directive's name (an unknown directive)",
                _SAVE_AS_TEXT,
            )
        )
    if codec is not None:
        raise _Stop(
            ParseError(
                1, f"the file is {codec.upper()} text, which nginx cannot read", _SAVE_AS_TEXT
            )
        )
    nul = data.find(b"\0")
    if nul >= 0:
        raise _Stop(
            ParseError(
                data.count(b"\n", 0, nul) + 1,
                "this line holds a NUL byte: the file is not text, and authlint does not read it",
                _SAVE_AS_TEXT,
            )
        )


def _newline_ended(lines: Iterable[str]) -> Iterator[str]:
    last = "\n"
    for last in lines:
        yield last
    if not last.endswith("\n"):
        yield "\n"


def _block(
    tokens: Tokens,
    source: SourceFile,
    context: tuple[str, ...],
    errors: list[ParseError],
    nodes: list[Node],
    names: set[str] | None = None,
    depth: int = 0,
) -> None:
    """Read statements into ``nodes`` up to the brace that closes this block.

    ``names`` collects the statements' names, the ones in error included;
    ``depth`` counts the blocks this one is in.
    """
    for token, line, quoted in tokens:
        if token == "}" and not quoted:
            break
        if token.startswith("#") and not quoted:
            source.comments.append(Comment(line, token[1:]))
            continue
        if token in ("{", ";") and not quoted:
            # A block or a terminator with no directive (`{% if %}` of a template).
            errors.append(ParseError(line, f'unexpected "{token}"'))
            if token == "{":
                _block(tokens, source, (), [], [], depth=depth + 1)
            continue
        name, args = token, []
        if names is not None:
            names.add(name)
        token, token_line, quoted = next(tokens)
        while token not in ("{", ";", "}") or quoted:
            if token.startswith("#") and not quoted:
                source.comments.append(Comment(token_line, token[1:]))
            else:
                args.append(token)
            token, token_line, quoted = next(tokens)
        opens_block = token == "{" and not quoted
        if opens_block and depth == MAX_DEPTH:
            raise _Stop(
                ParseError(
                    line, f"blocks nested more than {MAX_DEPTH} deep: authlint reads no deeper"
                )
            )
        if name == "if":
            _strip_parentheses(args)
        reason = _argument_error(source, name, args, line, token, context)
        if token == "}" and not quoted:
            # The brace that ended the statement closes this block; nginx
            # wants a ";" before it (crossplane knows only its own directives).
            errors.append(ParseError(line, reason or 'unexpected "}"'))
            break
        if reason is not None:
            errors.append(ParseError(line, reason))
            if opens_block:
                _block(tokens, source, (), [], [], depth=depth + 1)
            continue
        children: list[Node] | None = [] if opens_block else None
        # Appended before its block is read, so that what precedes an error
        # stays in a failed file's partial nodes.
        nodes.append(Node(name, args, children, source, line))
        if children is not None:
            _block(tokens, source, _block_context(context, name), errors, children, depth=depth + 1)


def _argument_error(
    source: SourceFile,
    name: str,
    args: list[str],
    line: int,
    terminator: str,
    context: tuple[str, ...],
) -> str | None:
    """crossplane's complaint about a statement's arguments or terminator, if any.

    A flag's bad value is not repeated: it could be a secret.
    """
    if name not in DIRECTIVES:
        return None
    statement = {"directive": name, "line": line, "args": args}
    try:
        analyze(str(source.abspath), statement, terminator, context, check_ctx=False)
    except NgxParserDirectiveError as exc:
        reason: str = exc.strerror
    except (TypeError, ValueError):
        # crossplane formats the bad value into its message; a "%" in it breaks that.
        reason = "invalid value"
    else:
        return None
    if reason.startswith("invalid value"):
        return f'invalid value in "{name}" directive, it must be "on" or "off"'
    return reason


def _block_context(context: tuple[str, ...], name: str) -> tuple[str, ...]:
    """crossplane's context for a block; a snippet's blocks are read as if in ``http``."""
    if not context and name not in _TOP_BLOCKS:
        if name in _LOCATION_BLOCKS:
            return ("http", "location") if name == "location" else ("http", "location", name)
        return ("http", name)
    inner: tuple[str, ...] = enter_block_ctx({"directive": name}, context)
    return inner


def _strip_parentheses(args: list[str]) -> None:
    """``if ($a = b)`` is lexed as ``($a``, ``=``, ``b)``: drop the parentheses."""
    if args and args[0].startswith("(") and args[-1].endswith(")"):
        args[0] = args[0][1:].lstrip()
        args[-1] = args[-1][:-1].rstrip()
        if not args[-1]:
            args.pop()
        if args and not args[0]:
            args.pop(0)
