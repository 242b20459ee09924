"""Read Apache files with the real httpd and with authlint, and compare the two.

:func:`httpd_reading` copies a file into a temporary ``ServerRoot``, wraps it
in a minimal server config that loads every module Debian ships (a virtual
host file or a server snippet is included at the top; an ``.htaccess`` inside
``<Directory>`` with ``AllowOverride All``) and runs
``apache2 -t -D DUMP_CONFIG`` (``mod_info``), which prints the directives
httpd parsed with their lines and nesting, or the line httpd refuses.

What ties a file to a machine is neutralised in the copy, by name only, so
that its lines stay where they were: an include, a module to load, a
certificate to open, and a directive of a module this httpd lacks become
``IndexIgnore`` with the same arguments (any number of words, accepted in
every context), and are compared by their arguments.

:func:`differences` compares httpd's dump with authlint's tree: every
directive httpd kept, with its arguments, its line (httpd's: the last of a
continued line) and its enclosing sections, in order. httpd leaves out what
it executes while reading (``LoadModule``, ``Define``...) and reads the
inside of a conditional section (``<IfModule>``...) in its place, or not at
all: authlint reads both answers, so a node inside a condition may be
missing from the dump; a macro's lines are in authlint's tree of the file
only where it reads them in place (sections open or close across them).
Where httpd refuses the file, authlint reads the same wrapper whole (macros
used, includes, the context each directive is executed in), and its first
refusal must be httpd's: the read-time ones first, then those of the tree's
execution, as httpd orders them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from authlint.apache.dump import read_dump
from authlint.apache.loader import ApacheLoader
from authlint.apache.parser import CONDITIONS, ApacheNode, parse_text, split_words
from authlint.formats import IncludeOptions
from authlint.model.source import SourceFile
from authlint.model.tree import Node
from authlint.model.workspace import ProblemKind, Workspace

APACHE2 = shutil.which("apache2") or "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
STAND_IN = "IndexIgnore"
# Modules that cannot be loaded together with the rest (another MPM, cgi
# beside cgid), or that need state this harness does not give them.
UNLOADED = frozenset(
    {
        "mpm_prefork",
        "mpm_worker",
        "cgi",
        "heartbeat",
        "heartmonitor",
        "lbmethod_heartbeat",
        "md",
        "http2",
        "proxy_http2",
    }
)
# Directives that read the machine: other files, modules, certificates.
_MACHINE = frozenset(
    {
        "include",
        "includeoptional",
        "loadmodule",
        "loadfile",
        "serverroot",
        "sslcertificatefile",
        "sslcertificatekeyfile",
        "sslcertificatechainfile",
        "sslcacertificatefile",
        "sslcacertificatepath",
        "sslcarevocationfile",
        "sslcarevocationpath",
        "sslopensslconfcmd",
        "pidfile",
        "errorlog",
        "customlog",
        "transferlog",
        "mutex",
        "scoreboardfile",
        "user",
        "group",
    }
)
# httpd fills a ${NAME} it has no Define for from its environment: the
# caller's (SSL_CERT_FILE, HOME...) would change what a file says.
_ENVIRONMENT = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
# What httpd executes while reading and leaves out of its tree (a <Macro>
# with what it holds, until used).
_EXECUTED = frozenset({"define", "undefine", "macro", "use", "undefmacro", "error"})


def available() -> bool:
    return Path(APACHE2).exists() and MODULES.is_dir()


@cache
def _load_lines() -> str:
    lines = []
    for module in sorted(MODULES.glob("mod_*.so")):
        name = module.stem.removeprefix("mod_")
        if name not in UNLOADED:
            lines.append(f"LoadModule {name}_module {module}\n")
    return "".join(lines)


def server_config(root: Path) -> str:
    return (
        f"ServerRoot {root}\nPidFile {root}/pid\nErrorLog /dev/null\n"
        f"Listen 127.0.0.1:1\nServerName localhost\n{_load_lines()}"
    )


@cache
def directive_listing() -> str:
    """``apache2 -L`` with every module loaded: each directive, its module and contexts."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "httpd.conf"
        config.write_text(server_config(Path(folder)))
        return subprocess.run(
            [APACHE2, "-f", str(config), "-L"], capture_output=True, text=True, check=True
        ).stdout


@cache
def known_directives() -> frozenset[str]:
    """Every directive name (``<Location`` for a section) this httpd knows, in lower case."""
    return frozenset(
        line.split()[0].lower()
        for line in directive_listing().splitlines()
        if line[:1] not in ("", " ", "\t")
    )


def is_htaccess(path: Path) -> bool:
    return "htaccess" in path.name.lower()


@dataclass
class HttpdReading:
    """What httpd made of a file: its directives, or the line and message of its refusal.

    ``stand_ins`` are the lines whose directive was neutralised; ``from_macros`` the
    entries read from a macro's lines.
    """

    entries: list[tuple[tuple[str, ...], str, list[str], int]]
    refused: tuple[int, str] | None
    stand_ins: frozenset[int]
    from_macros: frozenset[int] = frozenset()


def _nodes(source: SourceFile) -> list[Node]:
    return source.nodes if source.nodes is not None else source.partial_nodes


def _walk(nodes: list[Node]) -> list[ApacheNode]:
    found: list[ApacheNode] = []
    for node in nodes:
        assert isinstance(node, ApacheNode)
        found.append(node)
        if node.children is not None:
            found.extend(_walk(node.children))
    return found


def _neutralised(text: str, nodes: list[ApacheNode]) -> tuple[str, frozenset[int]]:
    """``text`` with each directive that reads the machine, or that this httpd lacks,
    renamed to the stand-in on its first line."""
    known = known_directives()
    lines = text.split("\n")
    replaced: set[int] = set()
    for node in nodes:
        if node.children is not None or (node.key in known and node.key not in _MACHINE):
            continue
        if node.key.startswith("<"):
            # A macro's line, kept as text: its section may be named by a parameter.
            continue
        line = lines[node.line - 1]
        found = line.lower().find(node.key)
        if found >= 0 and node.args:
            lines[node.line - 1] = line[:found] + STAND_IN + line[found + len(node.name) :]
            replaced.add(node.httpd_line)
    return "\n".join(lines), frozenset(replaced)


_LINE = re.compile(r"^\s*#\s*(\d+):\s*$")
_MACRO_FILE = re.compile(r"""^macro '[^']*' \(defined on line (\d+) of "([^"]+)"\) used on""")


# A fixture's marker (`  # [AL301]`) at a line's end: httpd would read it as words.
MARKER = re.compile(r"[ \t]+#[ \t]*(?:\[AL\d{3}\][ \t]*)+$", re.MULTILINE)


def without_markers(text: str) -> str:
    """A fixture's text as a user would write it: its markers left out."""
    return MARKER.sub("", text)


def _dumped(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``apache2 -t -D DUMP_CONFIG`` on ``config``, in the environment ``env`` only."""
    return subprocess.run(
        [APACHE2, "-f", str(config), "-t", "-D", "DUMP_CONFIG"],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
        env=env,
    )


def httpd_reading(path: Path) -> HttpdReading:
    """Run httpd on a wrapped copy of ``path`` (a fixture's markers left out)."""
    with tempfile.TemporaryDirectory() as folder:
        return wrapped_reading(path, Path(folder))[0]


def wrapped_reading(path: Path, root: Path) -> tuple[HttpdReading, Path]:
    """httpd's reading of ``path`` wrapped in ``root``, and the wrapper's config."""
    data = path.read_bytes()
    if MARKER.search(data.decode("utf-8", errors="replace")):
        data = without_markers(data.decode("utf-8", errors="replace")).encode()
    text = data.decode("utf-8", errors="replace")
    source = SourceFile(path.name, path, "apache")
    parse_text(text, source)
    copy = root / "site.conf"
    neutral, stand_ins = _neutralised(text, _walk(_nodes(source)))
    # The copy keeps the file's own bytes where nothing was renamed.
    copy.write_bytes(data if not stand_ins else neutral.encode("utf-8", errors="replace"))
    if is_htaccess(path):
        body = f"<Directory {root}>\nAllowOverride All\nInclude {copy}\n</Directory>\n"
    else:
        body = f"Include {copy}\n"
    config = root / "httpd.conf"
    config.write_text(server_config(root) + body)
    result = _dumped(config, _ENVIRONMENT)
    depth = 1 if is_htaccess(path) else 0
    return _read_dump(result, str(copy), depth, stand_ins), config


def authlint_refusals(config: Path) -> list[tuple[int, str]]:
    """What authlint refuses, line and message, in the file the wrapper ``config`` includes
    (``site.conf`` beside it), reading the whole configuration as httpd reads it."""
    workspace = Workspace()
    root = config.parent
    ApacheLoader(workspace, root, root, IncludeOptions()).load([config])
    return [
        (problem.span.line, problem.message)
        for problem in workspace.problems
        if problem.kind is ProblemKind.PARSE_ERROR and problem.span.path == "site.conf"
    ]


def _read_dump(
    result: subprocess.CompletedProcess[str], copy: str, depth: int, stand_ins: frozenset[int]
) -> HttpdReading:
    """The entries of ``copy`` in httpd's dump (``depth``: the wrapper's sections around
    it), or its refusal."""
    out, err = result.stdout, result.stderr
    if result.returncode != 0:
        found = re.search(rf"Syntax error on line (\d+) of {re.escape(copy)}:\s*(.*)", err)
        if found:
            return HttpdReading([], (int(found.group(1)), found.group(2).strip()), stand_ins)
        # What a macro holds is refused where the outermost Use reads it.
        uses = list(re.finditer(rf'used on line (\d+) of "{re.escape(copy)}"+:\s*', err))
        if uses:
            return HttpdReading([], (int(uses[-1].group(1)), err[uses[-1].end() :]), stand_ins)
        located = re.search(re.escape(copy) + r":(\d+): (.*)", err)
        if located:
            return HttpdReading([], (int(located.group(1)), located.group(2)), stand_ins)
        return HttpdReading([], (0, err.strip()), stand_ins)
    entries: list[tuple[tuple[str, ...], str, list[str], int]] = []
    in_copy = in_macro = False
    from_macros: set[int] = set()
    line = offset = 0
    stack: list[str] = []
    for raw in out.splitlines():
        if raw.startswith("# In file:"):
            name = raw.split(":", 1)[1].strip()
            # A macro's lines are numbered from its <Macro> line in the file.
            macro = _MACRO_FILE.match(name)
            in_copy = name == copy or (macro is not None and macro.group(2) == copy)
            in_macro = macro is not None
            offset = int(macro.group(1)) if macro else 0
            continue
        number = _LINE.match(raw)
        if number:
            line = int(number.group(1)) + offset
            continue
        stripped = raw.strip()
        if stripped.startswith("</"):
            if stack:
                stack.pop()
            continue
        del stack[(len(raw) - len(raw.lstrip(" "))) // 2 :]
        name, _, rest = stripped.partition(" ")
        section = name.startswith("<")
        if section:
            name = name[1:]
            rest = rest[: rest.rfind(">")] if ">" in rest else rest
            if name.endswith(">"):
                name = name[:-1]
        key = name.lower()
        args = split_words(rest.strip())
        if key in ("if", "elseif") and len(args) != 1:
            args = [rest.strip()]
        if in_copy:
            if in_macro:
                from_macros.add(len(entries))
            entries.append((tuple(stack[depth:]), key, args, line))
        if section:
            stack.append(key)
    return HttpdReading(entries, None, stand_ins, frozenset(from_macros))


def authlint_entries(
    nodes: list[Node], parents: tuple[str, ...] = (), conditional: bool = False
) -> list[tuple[tuple[str, ...], str, list[str], int, bool]]:
    """authlint's tree as httpd's dump lists it; the last field: inside a condition."""
    found: list[tuple[tuple[str, ...], str, list[str], int, bool]] = []
    for node in nodes:
        assert isinstance(node, ApacheNode)
        if node.children is not None and node.key in CONDITIONS:
            found.extend(authlint_entries(node.children, parents, conditional=True))
            continue
        if node.key in _EXECUTED:
            continue
        found.append((parents, node.key, node.args, node.httpd_line, conditional))
        if node.children is not None:
            found.extend(authlint_entries(node.children, (*parents, node.key), conditional))
    return found


def differences(path: Path) -> tuple[HttpdReading, list[str]]:
    """httpd's reading of ``path`` and how authlint's differs from it (empty: they agree):
    its tree, and what the whole configuration it is read in refuses first."""
    with tempfile.TemporaryDirectory() as folder:
        reading, config = wrapped_reading(path, Path(folder))
        refusals = authlint_refusals(config)
    source = SourceFile(path.name, path, "apache")
    errors = parse_text(
        without_markers(path.read_bytes().decode("utf-8", errors="replace")), source
    )
    if reading.refused is not None:
        line, message = reading.refused
        if not refusals:
            return reading, _unmodelled(
                message, f"httpd refuses line {line} ({message}); authlint parses it"
            )
        ours, said = first_refusal(refusals)
        modelled = syntax_refusal(message) or message.strip() in said
        if ours != line and (modelled or ours < line):
            return reading, [
                f"httpd refuses line {line} ({message}), authlint line {ours} ({said})"
            ]
        return reading, []
    if refusals:
        return reading, [f"httpd accepts it; authlint refuses: {refusals[0]}"]
    if errors:
        return reading, [f"httpd accepts it; authlint: line {errors[0].line} {errors[0].message}"]
    ours = authlint_entries(source.nodes or [])
    theirs = reading.entries
    problems: list[str] = []
    index = 0
    for parents, key, args, line, conditional in ours:
        # What a macro holds is read where it is used: authlint's tree of the file holds
        # it only where its sections open or close outside it.
        while index in reading.from_macros and theirs[index][1:] != (key, args, line):
            index += 1
        if index < len(theirs):
            t_parents, t_key, t_args, t_line = theirs[index]
            standing_in = line in reading.stand_ins and t_key == STAND_IN.lower()
            if (
                t_parents == parents
                and t_line == line
                and (t_key == key or standing_in)
                and t_args == args
            ):
                index += 1
                continue
        if not conditional:
            expected = theirs[index] if index < len(theirs) else "nothing"
            problems.append(f"line {line}: authlint {parents} {key} {args}; httpd {expected}")
            break
    while index in reading.from_macros:
        index += 1
    if not problems and index < len(theirs):
        problems.append(f"httpd has more: {theirs[index]}")
    return reading, problems


def _unmodelled(message: str, problem: str) -> list[str]:
    """``problem`` if httpd refuses for what authlint models (syntax, context), else none: a
    module's own check of its arguments is not authlint's to repeat."""
    return [problem] if syntax_refusal(message) or " not allowed " in message else []


def _walk_refusal(message: str) -> bool:
    """Whether httpd refuses when it executes the tree it read (after every read-time
    refusal, which comes first whatever its line)."""
    return " not allowed " in message or message.startswith("Invalid command")


def first_refusal(refusals: list[tuple[int, str]]) -> tuple[int, str]:
    """The refusal httpd would name of authlint's: the first read-time one, else the first
    when the tree is executed."""
    return min(refusals, key=lambda refusal: (_walk_refusal(refusal[1]), refusal[0]))


def syntax_refusal(message: str) -> bool:
    """Whether httpd refuses for the file's syntax (what authlint's parser decides),
    not for what a directive's module thinks of its arguments."""
    return any(
        part in message
        for part in (
            "closing '>'",
            "was not closed",
            "without matching",
            "Expected </",
            "<Else>",
            "additional arguments",
        )
    )


# What `apache2 -L` says of where a directive may be written.
_CONTEXTS = {
    "Allowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>": "server",
    "Allowed in *.conf only inside <Directory>, <Files>, <Location>, or <If>": "directory",
    "Allowed in *.conf anywhere": "anywhere",
}
_IN_HTACCESS = " and in .htaccess"
# A directive's line in `apache2 -L` (a description may run over several lines).
_LISTED = re.compile(r"^(\S+) \((\S+\.c)\)$")
_SOURCE_NAME = re.compile(rb"(?<=\x00)([a-z_0-9]+\.c)(?=\x00)")


def directive_table() -> dict[str, object]:
    """What ``linter/apache/httpd.json`` holds, from this httpd: its built-in modules,
    each shared module's names, and each directive's module, context and override class."""
    listed = directive_listing()
    compiled = subprocess.run([APACHE2, "-l"], capture_output=True, text=True, check=True).stdout
    directives: dict[str, list[str | None]] = {}
    entry: list[str | None] = []
    for line in listed.splitlines():
        named = _LISTED.match(line)
        if named:
            # The name as its module spells it: httpd's messages name it so.
            entry = [named.group(2), None, None, named.group(1)]
            directives[named.group(1).lower()] = entry
        elif line.startswith("\tAllowed"):
            text = line.strip()
            htaccess = text.endswith(_IN_HTACCESS)
            text = text.removesuffix(_IN_HTACCESS).replace(" [no per-dir config]", "")
            entry[1] = _CONTEXTS[text]
            entry[2] = "*" if htaccess else None
        elif line.startswith("\twhen AllowOverride includes "):
            entry[2] = line.split(" includes ", 1)[1].replace(" or ", "|")
    modules: dict[str, list[str]] = {}
    for load in sorted(Path("/etc/apache2/mods-available").glob("*.load")):
        for words in (line.split() for line in load.read_text().splitlines()):
            if len(words) == 3 and words[0] == "LoadModule":
                shared = Path(words[2])
                # The module's own name is a C string in it: its source file's.
                sources = [name.decode() for name in _SOURCE_NAME.findall(shared.read_bytes())]
                own = f"{shared.stem}.c"
                source = own if own in sources else next(n for n in sources if n != "core.c")
                modules[source] = [words[1], shared.name]
    return {
        "httpd": subprocess.run(
            [APACHE2, "-v"], capture_output=True, text=True, check=True
        ).stdout.split()[2],
        "built_in": [line.strip() for line in compiled.splitlines()[1:]],
        "modules": dict(sorted(modules.items())),
        "directives": dict(sorted(directives.items())),
    }


def table_text(table: dict[str, object]) -> str:
    """The table as JSON, one module or directive a line (diffs stay readable)."""
    import json

    lines = ["{"]
    for index, (key, value) in enumerate(table.items()):
        comma = "," if index < len(table) - 1 else ""
        if isinstance(value, dict):
            lines.append(f"{json.dumps(key)}: {{")
            items = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()]
            lines.append(",\n".join(items))
            lines.append(f"}}{comma}")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    # python tests/apache_httpd.py linter/apache/httpd.json: regenerate the table.
    Path(sys.argv[1]).write_text(table_text(directive_table()))


@dataclass(frozen=True)
class DumpEntry:
    """One directive of httpd's ``-D DUMP_CONFIG``: the file and line of its text (a
    macro's lines at the lines of the file that defines it), its enclosing sections,
    its name in lower case and its arguments."""

    file: str
    line: int
    parents: tuple[str, ...]
    key: str
    args: tuple[str, ...]


def whole_dump(
    config: Path, env: dict[str, str] | None = None
) -> tuple[list[DumpEntry], str | None]:
    """httpd's reading of the configuration that starts at ``config`` (its own
    ``ServerRoot``), or the message of its refusal."""
    result = _dumped(config, {**_ENVIRONMENT, **(env or {})})
    if result.returncode != 0:
        return [], result.stderr.strip()
    entries: list[DumpEntry] = []
    stack: list[str] = []
    for file, line, depth, written in read_dump(result.stdout):
        if written.startswith("</"):
            continue
        del stack[depth:]
        name, _, rest = written.partition(" ")
        section = name.startswith("<")
        if section:
            name = name[1:].removesuffix(">")
            rest = rest[: rest.rfind(">")] if ">" in rest else rest
        key = name.lower()
        args = split_words(rest.strip())
        if key in ("if", "elseif") and len(args) != 1:
            args = [rest.strip()]
        entries.append(DumpEntry(file, line, tuple(stack), key, tuple(args)))
        if section:
            stack.append(key)
    return entries, None
