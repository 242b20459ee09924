"""The whole configuration httpd reads from one file: includes, variables, conditions
and macros resolved as httpd resolves them while reading.

httpd executes some directives as it reads them (``EXEC_ON_READ``), in file
order: ``Include`` reads a file in place, ``Define`` sets a variable that
``${NAME}`` then stands for (in the line's text, before it is cut into
words), ``LoadModule`` loads a module that ``<IfModule>`` then tests, and
``Use`` reads a ``<Macro>``'s lines with its parameters replaced. The
expanded tree holds what remains, each directive where httpd would see it
and at the line of the file that holds its text, as ``-D DUMP_CONFIG``
prints it.

A condition the configuration does not decide (a module a lone virtual
host does not load, a ``-D`` name of the command line) "may apply": what it
holds is read, each directive a :class:`ConditionalNode` that names the
conditions it needs, so that a finding resting on it can say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from authlint.apache.modules import LoadedModules, directive
from authlint.apache.parser import CONDITIONS, MAX_DEPTH, ApacheNode, parse_text, split_words
from authlint.model.source import SourceFile, Span

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from authlint.model.tree import Node

# httpd's AP_MAX_INCLUDE_DEPTH: deeper includes are refused as a recursion.
MAX_INCLUDE_DEPTH = 128
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# What ${NAME} must not bring into a line unless the line is cut into words
# again: white space and quotes change the words.
_RESPLIT = re.compile(r"[\s\"']")
# The 2.4 releases authlint reads configurations for (2.4.25, Debian 9, on).
_PATCHES = range(25, 100)
_VERSION = re.compile(r"^(\d+)(?:\.(\d+)(?:\.(\d+))?)?$")
_COMPARE: dict[str, Callable[[tuple[int, int, int], tuple[int, int, int]], bool]] = {
    "=": lambda a, b: a == b,
    "==": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


class CopiedNode(ApacheNode):
    """A directive of a file as the expansion read it (its ``${NAME}`` replaced, its
    section's content expanded): placed where ``original``'s text is."""

    __slots__ = ("original",)

    def __init__(
        self,
        original: ApacheNode,
        args: list[str] | None = None,
        children: list[Node] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            original.name if name is None else name,
            original.args if args is None else args,
            original.children if children is None else children,
            original.file,
            original.line,
            original.httpd_line,
        )
        self.original: ApacheNode = (
            original.original if isinstance(original, CopiedNode) else original
        )

    @property
    def span(self) -> Span:
        return self.file.span_of(self.original)


class ConditionalNode(CopiedNode):
    """A directive read under conditions the configuration does not decide
    (``<IfModule>``, ``<IfDefine>``...: ``conditions``, outermost first)."""

    __slots__ = ("conditions",)

    def __init__(self, node: ApacheNode, conditions: tuple[ApacheNode, ...]) -> None:
        super().__init__(node)
        self.conditions = conditions


def conditions_of(node: Node) -> tuple[ApacheNode, ...]:
    """The undecided conditions a directive of the expanded tree is read under."""
    return node.conditions if isinstance(node, ConditionalNode) else ()


@dataclass(frozen=True, slots=True)
class Included:
    """What an include reads: its files (empty: nothing), or why it read nothing that
    httpd would have read (``problem`` set by the loader)."""

    files: tuple[Path, ...]
    unread: bool = False


class Reader(Protocol):
    """What an expansion asks of the loader: files, includes, and problems."""

    def source(self, path: Path) -> SourceFile: ...

    def included(self, node: ApacheNode, expansion: Expansion) -> Included: ...

    def file_exists(self, written: str, expansion: Expansion) -> bool | None: ...

    def refused(self, node: Node, message: str, fix: str | None = None) -> None: ...

    def cycle(self, node: Node, chain: tuple[SourceFile, ...]) -> None: ...

    def spend(self, directives: int) -> None: ...

    def may_include(self, node: Node) -> bool: ...

    def may_expand(self, node: Node, characters: int) -> bool: ...


@dataclass
class ServerConfig:
    """One configuration as httpd reads it from ``root``: the expanded tree, the
    modules it loads, and the includes whose content is unknown (``unread``)."""

    root: SourceFile
    nodes: list[Node]
    modules: LoadedModules
    main: bool
    unread: list[ApacheNode] = field(default_factory=list)


class Expansion:
    """Reads one configuration from its root file, as httpd does, into a :class:`ServerConfig`.

    ``server_roots`` are where ``ServerRoot`` may be in the tree (relative
    paths resolve against the first that holds them); ``main``: the root is a
    server's main configuration (its modules are its own to load).
    """

    def __init__(
        self, reader: Reader, root: SourceFile, server_roots: tuple[Path, ...], main: bool
    ) -> None:
        self.reader = reader
        self.server_roots = server_roots
        # The ServerRoot the configuration names, as written (absolute paths
        # that start with it are in the tree at server_roots).
        self.server_root: str | None = None
        self.defines: dict[str, str | None] = {}
        self.undefined: set[str] = set()
        self.macros: dict[str, ApacheNode] = {}
        # mod_macro tells "no macro defined" from "this macro undefined".
        self.macro_defined = False
        self.config = ServerConfig(root, [], LoadedModules(), main)
        self._stack: tuple[SourceFile, ...] = (root,)
        self._using: tuple[str, ...] = ()
        # How many sections the directive being read is in.
        self._depth = 0
        # Each macro's lines as read for the values it was used with.
        self._bodies: dict[
            tuple[int, tuple[str, ...]], tuple[ApacheNode, list[Node], str | None]
        ] = {}

    def run(self) -> ServerConfig:
        nodes = self.config.root.nodes or []
        if not self.config.main:
            # A file read alone: httpd would refuse it without the modules of
            # the directives it writes outside every condition.
            self.config.modules.implied = frozenset(_needed_modules(nodes))
        self._expand(nodes, (), self.config.nodes)
        return self.config

    def _expand(
        self, nodes: list[Node], conditions: tuple[ApacheNode, ...], out: list[Node]
    ) -> None:
        self.reader.spend(len(nodes))
        for item in nodes:
            assert isinstance(item, ApacheNode)
            node = self._substituted(item)
            key = node.key
            if node.children is not None:
                self._section(node, conditions, out)
            elif key in _EXECUTED:
                _EXECUTED[key](self, node, conditions, out)
            else:
                self._check_module(node, conditions)
                out.append(ConditionalNode(node, conditions) if conditions else node)

    def _section(
        self, node: ApacheNode, conditions: tuple[ApacheNode, ...], out: list[Node]
    ) -> None:
        key = node.key
        if key == "macro":
            problem = _macro_definition_problem(node)
            if problem is not None:
                self.reader.refused(node, problem)
            elif node.args:
                self.macros[node.args[0].lower()] = node
                self.macro_defined = True
            return
        assert node.children is not None
        if self._depth >= MAX_DEPTH:
            # Sections opened in included files and macros add up.
            self.reader.refused(
                node,
                f"sections nested more than {MAX_DEPTH} deep, through includes and macros: "
                "authlint reads no deeper",
                "Nest fewer sections; httpd's own configurations nest a handful deep.",
            )
            return
        self._depth += 1
        try:
            if key in CONDITIONS:
                holds = self._holds(node)
                if holds is not False:
                    inner = conditions if holds else (*conditions, node)
                    self._expand(node.children, inner, out)
                return
            self._check_module(node, conditions)
            copy = CopiedNode(node, children=[])
            assert copy.children is not None
            self._expand(node.children, conditions, copy.children)
            out.append(ConditionalNode(copy, conditions) if conditions else copy)
        finally:
            self._depth -= 1

    def _check_module(self, node: ApacheNode, conditions: tuple[ApacheNode, ...]) -> None:
        """A directive whose module the configuration does not load: httpd refuses it."""
        key = f"<{node.key}" if node.children is not None else node.key
        if conditions or self.config.modules.gives(key) is not False:
            return
        known = directive(key)
        assert known is not None
        name = f"<{node.name}>" if node.children is not None else node.name
        self.reader.refused(
            node,
            f"Invalid command '{name}', perhaps misspelled or defined by a module not included "
            f"in the server configuration: no `LoadModule` of {known.module} precedes it",
            f"Load the module before this line (`LoadModule` or `a2enmod`), or wrap the "
            f"directive in `<IfModule {known.module}>`.",
        )

    # Directives httpd executes while reading.

    def _define(
        self, node: ApacheNode, conditions: tuple[ApacheNode, ...], out: list[Node]
    ) -> None:
        if node.args:
            self.defines[node.args[0]] = node.args[1] if len(node.args) > 1 else None
            self.undefined.discard(node.args[0])

    def _undefine(
        self, node: ApacheNode, conditions: tuple[ApacheNode, ...], out: list[Node]
    ) -> None:
        if node.args:
            self.defines.pop(node.args[0], None)
            self.undefined.add(node.args[0])

    def _load_module(
        self, node: ApacheNode, conditions: tuple[ApacheNode, ...], out: list[Node]
    ) -> None:
        if len(node.args) >= 2:
            self.config.modules.load(node.args[0], node.args[1])
            # A main configuration that loads its own MPM (httpd 2.4's packages
            # build none in) lists its modules, all of its files read so far: a
            # module it has not loaded by now is absent. A snippet that loads one
            # module, or a 2.2 configuration, says nothing of the others.
            if self.config.main and not self.config.unread and node.args[0].startswith("mpm_"):
                self.config.modules.complete = True

    def _set_server_root(
        self, node: ApacheNode, conditions: tuple[ApacheNode, ...], out: list[Node]
    ) -> None:
        if node.args and not conditions:
            self.server_root = node.args[0].rstrip("/") or "/"

    def _undefine_macro(
        self, node: ApacheNode, conditions: tuple[ApacheNode, ...], out: list[Node]
    ) -> None:
        if not self.macro_defined:
            self.reader.refused(node, "no macro defined before UndefMacro")
        elif node.args and self.macros.pop(node.args[0].lower(), None) is None:
            self.reader.refused(node, f"cannot remove undefined macro '{node.args[0]}'")

    def _error(self, node: ApacheNode, conditions: tuple[ApacheNode, ...], out: list[Node]) -> None:
        # The parser stops at an Error outside every condition; one here stands
        # under conditions, and stops httpd where they all hold.
        if not conditions:
            self.reader.refused(
                node,
                f"Error: {' '.join(node.args)}",
                "Remove the `Error`, or the condition that lets it apply.",
            )

    def _include(
        self, node: ApacheNode, conditions: tuple[ApacheNode, ...], out: list[Node]
    ) -> None:
        if not self.reader.may_include(node):
            self._unread(node, out)
            return
        included = self.reader.included(node, self)
        if included.unread:
            self._unread(node, out)
        for path in included.files:
            source = self.reader.source(path)
            if source in self._stack or len(self._stack) > MAX_INCLUDE_DEPTH:
                self.reader.cycle(node, (*self._stack, source))
                continue
            if source.nodes is None:
                self._unread(node, out)
                continue
            outer = self._stack
            self._stack = (*outer, source)
            self._expand(source.nodes, conditions, out)
            self._stack = outer

    def _use(self, node: ApacheNode, conditions: tuple[ApacheNode, ...], out: list[Node]) -> None:
        if not node.args or not self.macro_defined:
            self.reader.refused(node, "no macro defined before Use")
            return
        name = node.args[0].lower()
        macro = self.macros.get(name)
        if macro is None:
            self.reader.refused(
                node,
                f"macro '{node.args[0]}' undefined",
                "Define the macro (`<Macro>`) before this `Use`, or correct its name.",
            )
            return
        if name in self._using:
            self.reader.refused(node, f"macro '{node.args[0]}' used recursively")
            return
        if not self.reader.may_include(node):
            self._unread(node, out)
            return
        parameters = macro.args[1:]
        values = node.args[1:]
        if len(parameters) != len(values):
            self.reader.refused(
                node,
                f"macro '{macro.args[0]}' (defined on line {macro.httpd_line} of "
                f'"{macro.file.path}") used with {len(values)} arguments instead of '
                f"{len(parameters)}",
            )
            return
        # A macro used again with the same values reads the same lines: read them once.
        key = (id(macro), tuple(values))
        read = self._bodies.get(key)
        if read is None or read[0] is not macro:
            read = self._bodies[key] = (
                macro,
                *_macro_body(macro, dict(zip(parameters, values, strict=True))),
            )
        _, body, error = read
        if error is not None:
            self.reader.refused(
                node,
                f"macro '{macro.args[0]}' (defined on line {macro.httpd_line} of "
                f'"{macro.file.path}") used here: {error}',
            )
            return
        outer = self._using
        self._using = (*outer, name)
        self._expand(body, conditions, out)
        self._using = outer

    def _unread(self, node: ApacheNode, out: list[Node]) -> None:
        """An include or macro whose content is unknown stays in the tree where it stands:
        what it could set there is unknown, and modules it could load too."""
        if node not in self.config.unread:
            self.config.unread.append(node)
        out.append(node)
        self.config.modules.complete = False

    # Conditions.

    def _holds(self, section: ApacheNode) -> bool | None:
        """Whether a condition holds here (``None``: the configuration does not say)."""
        args = section.args
        key = section.key
        if key == "ifversion":
            return _version_holds(args)
        written = args[0] if args else ""
        negated = written.startswith("!")
        name = written[1:] if negated else written
        answer: bool | None
        if key == "ifmodule":
            answer = self.config.modules.has(name)
        elif key == "ifdefine":
            answer = True if name in self.defines else False if name in self.undefined else None
        elif key == "iffile":
            answer = self.reader.file_exists(name, self)
        elif key == "ifdirective":
            answer = self.config.modules.gives(name.lower())
        else:
            answer = self.config.modules.gives(f"<{name.lower()}")
        return None if answer is None else answer != negated

    # Variables.

    def _substituted(self, node: ApacheNode) -> ApacheNode:
        """``node`` with each ``${NAME}`` a ``Define`` gives replaced (httpd leaves an
        unknown one as written, and so the words stay as written)."""
        if "${" not in node.name and not any("${" in arg for arg in node.args):
            return node
        brought = sum(
            len(self.defines.get(found) or "")
            for text in (node.name, *node.args)
            for found in _VARIABLE.findall(text)
        )
        if not self.reader.may_expand(node, brought):
            return node
        replaced = False

        def value(match: re.Match[str]) -> str:
            nonlocal replaced
            found = self.defines.get(match.group(1))
            if found is None:
                return match.group(0)
            replaced = True
            return found

        name = _VARIABLE.sub(value, node.name)
        args = [_VARIABLE.sub(value, arg) for arg in node.args]
        if not replaced:
            return node
        values = [self.defines.get(found) or "" for found in _VARIABLE.findall(node.name)]
        values += [
            self.defines.get(found) or "" for arg in node.args for found in _VARIABLE.findall(arg)
        ]
        if any(_RESPLIT.search(text) for text in values) and node.children is None:
            # httpd replaces in the line's text, then cuts it into words.
            words = split_words(_VARIABLE.sub(value, _logical_text(node)))
            name, args = words[0], words[1:]
        return CopiedNode(node, args, name=name)


_EXECUTED: dict[
    str, Callable[[Expansion, ApacheNode, tuple[ApacheNode, ...], list[Node]], None]
] = {
    "define": Expansion._define,
    "undefine": Expansion._undefine,
    "loadmodule": Expansion._load_module,
    "serverroot": Expansion._set_server_root,
    "include": Expansion._include,
    "includeoptional": Expansion._include,
    "use": Expansion._use,
    "undefmacro": Expansion._undefine_macro,
    "error": Expansion._error,
}


def _macro_definition_problem(macro: ApacheNode) -> str | None:
    """Why mod_macro refuses a ``<Macro>`` where it is defined (``None``: it does not)."""
    if not macro.args or not macro.args[0]:
        return "<Macro macro definition: name not found"
    name = macro.args[0]
    where = f"macro '{name}' (defined on line {macro.httpd_line} of \"{macro.file.path}\")"
    seen: set[str] = set()
    for number, parameter in enumerate(macro.args[1:], start=1):
        if not parameter:
            return f"{where}: empty argument #{number} name"
        if parameter in seen:
            return (
                f"{where}: argument name conflict: argument '{parameter}' (#{number}) is "
                "already defined"
            )
        seen.add(parameter)
    return None


def _needed_modules(nodes: list[Node]) -> Iterator[str]:
    """The modules of the directives written outside every condition."""
    for node in nodes:
        assert isinstance(node, ApacheNode)
        if node.key in CONDITIONS or node.key == "macro":
            continue
        key = f"<{node.key}" if node.children is not None else node.key
        known = directive(key)
        if known is not None:
            yield known.module
        if node.children:
            yield from _needed_modules(node.children)


def _version_holds(args: list[str]) -> bool | None:
    """``<IfVersion [[!]op] version>`` for every 2.4 release authlint reads for."""
    if not args:
        return None
    operator, written = ("=", args[0]) if len(args) == 1 else (args[0], args[1])
    negated = operator.startswith("!")
    operator = operator.removeprefix("!")
    answers: set[bool] = set()
    if operator == "~" or (len(args) == 1 and written.startswith("/") and written.endswith("/")):
        pattern = written.strip("/") if operator != "~" else written
        try:
            compiled = re.compile(pattern)
        except re.error:
            return None
        answers = {compiled.search(f"2.4.{patch}") is not None for patch in _PATCHES}
    else:
        parsed = _VERSION.match(written)
        compare = _COMPARE.get(operator)
        if parsed is None or compare is None:
            return None
        wanted = tuple(int(part or 0) for part in parsed.groups())
        assert len(wanted) == 3
        answers = {compare((2, 4, patch), wanted) for patch in _PATCHES}
    if len(answers) != 1:
        return None
    return answers.pop() != negated


def _logical_text(node: ApacheNode) -> str:
    """The directive's text as httpd reads it: its lines, continuations joined."""
    parts = []
    for number in range(node.line, node.httpd_line + 1):
        text = node.file.line_text(number).rstrip("\r\n")
        parts.append(text[:-1] if number < node.httpd_line and text.endswith("\\") else text)
    return "".join(parts).strip()


def _macro_body(macro: ApacheNode, values: dict[str, str]) -> tuple[list[Node], str | None]:
    """A macro's lines with its parameters replaced, read as a file's lines, at the lines of
    the file that holds them; or why httpd refuses them."""
    assert macro.children is not None
    if not macro.children:
        return [], None
    names = sorted(values, key=len, reverse=True)
    parameter = re.compile("|".join(re.escape(name) for name in names)) if names else None
    first = macro.children[0].line
    lines: list[str] = []
    for line in macro.children:
        assert isinstance(line, ApacheNode)
        text = _logical_text(line)
        if parameter is not None:
            text = parameter.sub(lambda match: values[match.group(0)], text)
        lines.extend([""] * (line.line - first - len(lines)))
        lines.append(text)
    # Read in a stand-in file, then given to the file that holds the text.
    stand_in = SourceFile(macro.file.path, macro.file.abspath, macro.file.format)
    errors = parse_text("\n" * (first - 1) + "\n".join(lines) + "\n", stand_in)
    if errors or stand_in.nodes is None:
        return [], errors[0].message if errors else "unreadable"
    _rehome(stand_in.nodes, macro.file)
    return stand_in.nodes, None


def _rehome(nodes: list[Node], file: SourceFile) -> None:
    for node in nodes:
        node.file = file
        if node.children:
            _rehome(node.children, file)
