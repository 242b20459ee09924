"""One Apache file into the config tree, read as httpd 2.4 reads it.

``grammars/apache.lark`` cuts the text into logical lines (backslash
continuations); each is then read as ``ap_build_config`` reads it: leading
and trailing white space stripped, ``#`` first a comment, else words split
as ``ap_getword_conf`` splits them. A section (``<Location /a>``) is a node
with children, closed by a tag of the same name in any case.

Every node carries the line where its text starts (for spans) and httpd's
own line, the last physical line of a continued directive: httpd names that
line in its errors and in ``-D DUMP_CONFIG``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from lark import Lark, Token, Tree

from authlint.model.source import Comment, SourceFile
from authlint.model.tree import Node

if TYPE_CHECKING:
    from collections.abc import Iterator

# apr_isspace: what separates words and is stripped from a line's ends.
_SPACE = " \t\n\v\f\r"
# Sections nested deeper are not read. httpd takes any depth, but the model and the
# rules walk sections recursively; real configs nest a handful deep.
MAX_DEPTH = 100
_BOM = "\ufeff"
# Sections whose opening tag must carry arguments (httpd: "requires
# additional arguments"), by lower-case name.
_NEEDS_ARGUMENTS = frozenset(
    {
        "directory",
        "directorymatch",
        "location",
        "locationmatch",
        "files",
        "filesmatch",
        "virtualhost",
        "ifmodule",
        "ifdefine",
        "ifversion",
        "iffile",
        "ifdirective",
        "ifsection",
        "if",
        "elseif",
        "limit",
        "limitexcept",
        "macro",
        "authnprovideralias",
        "authzprovideralias",
    }
)
_NO_ARGUMENTS = frozenset({"requireall", "requireany", "requirenone"})
# Sections that read their whole argument text as one expression.
_EXPRESSIONS = frozenset({"if", "elseif"})
# Sections whose inside httpd reads or skips as a condition holds.
CONDITIONS = frozenset({"ifmodule", "ifdefine", "ifversion", "iffile", "ifdirective", "ifsection"})
_IF_FAMILY = frozenset({"if", "elseif", "else"})
# httpd names a section in its messages as its module spells it, whatever
# the case it was written in ("Expected </DirectoryMatch> but saw </files>").
_SPELLED = {
    name.lower(): name
    for name in (
        "Directory",
        "DirectoryMatch",
        "Files",
        "FilesMatch",
        "Location",
        "LocationMatch",
        "VirtualHost",
        "Limit",
        "LimitExcept",
        "IfModule",
        "IfDefine",
        "IfVersion",
        "IfFile",
        "IfDirective",
        "IfSection",
        "If",
        "ElseIf",
        "Else",
        "Proxy",
        "ProxyMatch",
        "RequireAll",
        "RequireAny",
        "RequireNone",
        "Macro",
        "AuthnProviderAlias",
        "AuthzProviderAlias",
        "MDomainSet",
    )
}


def _spelled(name: str) -> str:
    return _SPELLED.get(name.lower(), name)


def _ifversion_refusal(rest: str) -> str | None:
    """mod_version's own reading of ``<IfVersion``'s words: one to three, the last
    ending in ``>`` or being ``>`` alone (so ``>`` in ``>=`` closes nothing)."""
    words = split_words(rest)
    if len(words) > 3:
        return (
            "<IfVersion takes one, two or three arguments, a comparison operator, "
            "a version (and a delimiter)"
        )
    first, second, third = (*words, None, None, None)[:3]
    if second is None:
        first, second = "=", first
    if third is None and second == ">":
        first, second, third = "=", first, ">"
    if not second or (third != ">" and not second.endswith(">")):
        return "<IfVersion> directive missing closing '>'"
    return None


_OPEN_IF = frozenset({"if", "elseif"})


@dataclass(frozen=True, slots=True)
class ParseError:
    """Why httpd refuses a file, at the line httpd names."""

    line: int
    message: str
    fix: str | None = None


class ApacheNode(Node):
    """A directive or section; ``httpd_line`` is the line httpd gives it (the last of a
    continued line), ``key`` its name in lower case, as httpd matches it."""

    __slots__ = ("httpd_line", "key")

    def __init__(
        self,
        name: str,
        args: list[str],
        children: list[Node] | None,
        file: SourceFile,
        line: int,
        httpd_line: int,
    ) -> None:
        super().__init__(name, args, children, file, line)
        self.httpd_line = httpd_line
        self.key = name.lower()


@cache
def _grammar() -> Lark:
    text = files("authlint.grammars").joinpath("apache.lark").read_text(encoding="utf-8")
    return Lark(text, parser="lalr", lexer="contextual")


def getword_conf(text: str, start: int = 0) -> tuple[str, int]:
    """The next word of ``text`` from ``start``, and where the one after it starts.

    As httpd's ``ap_getword_conf``: a word is quoted (``"`` or ``'``; a
    backslash escapes the quote and itself; an unterminated quote runs to the
    end) or runs to the next white space (where ``\\\\`` is one backslash);
    a quoted word ends at its quote, so ``"a"b`` is two words.
    """
    end = len(text)
    while start < end and text[start] in _SPACE:
        start += 1
    if start == end:
        return "", end
    quote = text[start]
    if quote in "\"'":
        stop = start + 1
        while stop < end and text[stop] != quote:
            stop += 2 if text[stop] == "\\" and text[stop + 1 : stop + 2] in (quote, "\\") else 1
        word = _unescape(text[start + 1 : min(stop, end)], quote)
        stop = min(stop + 1, end)
    else:
        stop = start
        while stop < end and text[stop] not in _SPACE:
            stop += 1
        word = _unescape(text[start:stop], "")
    while stop < end and text[stop] in _SPACE:
        stop += 1
    return word, stop


def _unescape(text: str, quote: str) -> str:
    """``substring_conf``: a backslash before a backslash (or the quote) is dropped."""
    if "\\" not in text:
        return text
    out: list[str] = []
    index, end = 0, len(text)
    while index < end:
        char = text[index]
        if char == "\\" and index + 1 < end and text[index + 1] in ("\\", quote or "\\"):
            index += 1
            char = text[index]
        out.append(char)
        index += 1
    return "".join(out)


def split_words(text: str) -> list[str]:
    """Every word of ``text``, as a directive's arguments (an empty ``""`` is a word)."""
    words: list[str] = []
    position = 0
    while position < len(text):
        word, position = getword_conf(text, position)
        words.append(word)
    return words


@dataclass(frozen=True, slots=True)
class _Line:
    """One logical line: its text (continuations joined, stripped), first and last physical
    line, and the text as written from its first character (a comment's, kept whole)."""

    text: str
    first: int
    last: int
    written: str


def logical_lines(text: str) -> Iterator[_Line]:
    """The logical lines of a file's text, stripped, blank ones left out."""
    tree = _grammar().parse(text)
    for logical in tree.children:
        assert isinstance(logical, Tree)
        parts: list[str] = []
        first = last = 0
        for token in logical.children:
            assert isinstance(token, Token)
            if not first:
                first = token.line or 1
            last = token.line or first
            value = str(token)
            if token.type != "LAST":
                # The backslash, and the CR LF or LF after it, are dropped.
                value = value[: -3 if value.endswith("\r\n") else -2]
            if token.type == "CONTINUED_LAST":
                # httpd counts the line it looked for after the backslash.
                last += 1
            parts.append(value)
        joined = "".join(parts)
        # httpd holds a line as a C string: a NUL byte ends it.
        joined = joined.split("\0", 1)[0]
        text = joined.strip(_SPACE)
        if text:
            yield _Line(text, first, last, joined.lstrip(_SPACE).rstrip("\r\n"))


class _Parse:
    """The state of one file's parse: the open sections, and what went wrong."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.top: list[Node] = []
        self.stack: list[ApacheNode] = []
        self.errors: list[ParseError] = []
        # The <Macro> being defined: mod_macro keeps its lines as text, to be
        # read where it is used, and checks no nesting until then.
        self.macro: ApacheNode | None = None
        self.macro_depth = 0
        # The last <If>, <ElseIf> or <Else> of each scope (by the id of the
        # section that makes it; 0 for the file's top): an <Else> follows an
        # <If> of its scope, whatever sections come between.
        self.last_if: dict[int, str] = {}
        # After a macro is used, sections may open or close in what it holds:
        # their nesting is left to the expansion (not read yet).
        self.used_macro = False

    def siblings(self) -> list[Node]:
        if self.stack:
            children = self.stack[-1].children
            assert children is not None
            return children
        return self.top

    def line(self, line: _Line) -> bool:
        """Read one logical line; ``False`` once httpd would stop reading the file."""
        text = line.text
        if self.macro is not None:
            return self.macro_line(text, line)
        if text.startswith("#"):
            self.source.comments.append(Comment(line.first, line.written[1:]))
            return True
        word, rest = getword_conf(text)
        if word.startswith("</"):
            return self.close(word, text[rest:], line)
        if word.startswith("<") and len(word) > 1:
            return self.open(word, text[rest:], line)
        args = split_words(text[rest:])
        if word.lower() == "use":
            self.used_macro = True
        if word.lower() == "error" and not any(section.key in CONDITIONS for section in self.stack):
            # httpd stops at an unconditional Error; under a condition it may not apply.
            # Its message is the rest of the line, unquoted if quoted.
            message = args[0] if text[rest:][:1] in ("'", '"') else text[rest:]
            return self.fail(
                line.last, f"Error: {message}", "Remove the `Error`, or put it under a condition."
            )
        node = ApacheNode(word, args, None, self.source, line.first, line.last)
        self.siblings().append(node)
        return True

    def if_scope(self) -> int:
        """The scope an <If> belongs to: the nearest section that is no condition."""
        for section in reversed(self.stack):
            if section.key not in CONDITIONS:
                return id(section)
        return 0

    def fail(self, line: int, message: str, fix: str | None = None) -> bool:
        self.errors.append(ParseError(line, message, fix))
        return False

    def open(self, word: str, rest: str, line: _Line) -> bool:
        name = word[1:-1] if word.endswith(">") else word[1:]
        if word.endswith(">") and not rest:
            rest = ">"
        key = name.lower()
        spelled = _spelled(name)
        closing = rest.rfind(">")
        refusal = _ifversion_refusal(rest) if key == "ifversion" and rest != ">" else None
        if closing < 0 or (refusal is not None and refusal.endswith("'>'")):
            return self.fail(
                line.last,
                f"<{spelled}> directive missing closing '>'",
                f"End the opening tag with `>`: `<{spelled} ...>`.",
            )
        if refusal is not None:
            return self.fail(line.last, refusal)
        inner = rest[:closing].strip(_SPACE)
        if key in _NEEDS_ARGUMENTS and not inner:
            return self.fail(line.last, f"<{spelled}> directive requires additional arguments")
        if key in _NO_ARGUMENTS and inner:
            return self.fail(line.last, f"<{spelled}> directive doesn't take additional arguments")
        if key == "else" and inner:
            return self.fail(line.last, "<Else> does not take an argument")
        if key in _IF_FAMILY:
            scope = self.if_scope()
            if key != "if" and self.last_if.get(scope) not in _OPEN_IF:
                return self.fail(
                    line.last,
                    "<Else> or <ElseIf> section without previous <If> or <ElseIf> section "
                    "in same scope",
                )
            self.last_if[scope] = key
        if key in _EXPRESSIONS:
            words = split_words(inner)
            args = words if len(words) == 1 else [inner]
        else:
            args = split_words(inner)
        if len(self.stack) >= MAX_DEPTH:
            return self.fail(
                line.last,
                f"sections nested more than {MAX_DEPTH} deep: authlint reads no deeper",
                "Nest fewer sections; httpd's own configurations nest a handful deep.",
            )
        node = ApacheNode(name, args, [], self.source, line.first, line.last)
        self.siblings().append(node)
        if key == "macro":
            self.macro = node
        else:
            self.stack.append(node)
        return True

    def macro_line(self, text: str, line: _Line) -> bool:
        macro = self.macro
        assert macro is not None
        assert macro.children is not None
        if text.startswith("#"):
            self.source.comments.append(Comment(line.first, line.written[1:]))
            return True
        word, rest = getword_conf(text)
        if word.lower() == "</macro>" and not self.macro_depth:
            self.macro = None
            return True
        if word.lower() == "<macro":
            self.macro_depth += 1
        elif word.lower() == "</macro>":
            self.macro_depth -= 1
        node = ApacheNode(word, split_words(text[rest:]), None, self.source, line.first, line.last)
        macro.children.append(node)
        return True

    def close(self, word: str, rest: str, line: _Line) -> bool:
        # httpd takes the closing word only if it ends in '>' (what follows is ignored).
        if not word.endswith(">"):
            return self.fail(
                line.last,
                f"{word}> directive missing closing '>'",
                f"Write the closing tag as `{word}>`, with nothing inside it but the name.",
            )
        name = word[2:-1]
        if self.used_macro and (not self.stack or name.lower() != self.stack[-1].key):
            return True
        if not self.stack:
            return self.fail(line.last, f"</{name}> without matching <{name}> section")
        current = self.stack[-1]
        if name.lower() != current.key and current.key in CONDITIONS:
            # httpd reads a condition that holds as if it were not there: the
            # tag closes no section it knows of.
            return self.fail(
                line.last,
                f"</{name}> without matching <{name}> section",
                f"Close <{_spelled(current.name)}> (line {current.line}) with "
                f"`</{_spelled(current.name)}>` first.",
            )
        if name.lower() != current.key:
            spelled = _spelled(current.name)
            return self.fail(
                line.last,
                f"Expected </{spelled}> but saw </{name}>",
                f"Close <{spelled}> (line {current.line}) with `</{spelled}>`.",
            )
        self.stack.pop()
        return True


def parse_text(text: str, source: SourceFile) -> list[ParseError]:
    """Fill ``source.nodes`` from ``text``; return why httpd would refuse it.

    On an error, the nodes stay ``None`` (httpd reads nothing of a file it
    refuses) and what was read before it is kept in ``source.partial_nodes``.
    """
    state = _Parse(source)
    if text.startswith(_BOM):
        # httpd reads a byte-order mark as part of the first word: an unknown
        # directive, or a comment that is not one.
        state.fail(
            1,
            "a byte-order mark starts the file: httpd reads it as part of the first "
            "directive's name",
            "Save the file as UTF-8 without a byte-order mark.",
        )
        return state.errors
    for line in logical_lines(text):
        if not state.line(line):
            break
    else:
        # A condition left open reads to the end of the file, closing what it
        # holds (httpd accepts it where the condition holds); a section
        # outside every condition must be closed.
        if state.macro is not None:
            state.fail(
                state.macro.httpd_line,
                f"<{state.macro.name}> was not closed.",
                f"Close it with `</{state.macro.name}>`.",
            )
        elif state.stack and state.stack[0].key not in CONDITIONS and not state.used_macro:
            opened = state.stack[0]
            state.fail(
                opened.httpd_line,
                f"<{_spelled(opened.name)}> was not closed.",
                f"Close it with `</{_spelled(opened.name)}>`.",
            )
    if state.errors:
        source.partial_nodes = state.top
    else:
        source.nodes = state.top
    return state.errors


def parse_file(source: SourceFile) -> list[ParseError]:
    """Parse ``source`` from its file; bytes that are not UTF-8 (a Latin-1 comment) are
    replaced, as :meth:`SourceFile.text` replaces them."""
    try:
        data = source.abspath.read_bytes()
    except OSError as exc:
        return [ParseError(1, f"cannot be read: {exc.strerror or exc}")]
    return parse_text(data.decode("utf-8", errors="replace"), source)
