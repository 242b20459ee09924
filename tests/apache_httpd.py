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
missing from the dump.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from authlint.apache.parser import CONDITIONS, ApacheNode, parse_text, split_words
from authlint.model.source import SourceFile
from authlint.model.tree import Node

APACHE2 = shutil.which("apache2") or "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
STAND_IN = "IndexIgnore"
# Modules that cannot be loaded together with the rest (another MPM, cgi
# beside cgid), or that need state this harness does not give them.
_UNLOADED = frozenset(
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
        if name not in _UNLOADED:
            lines.append(f"LoadModule {name}_module {module}\n")
    return "".join(lines)


def server_config(root: Path) -> str:
    return (
        f"ServerRoot {root}\nPidFile {root}/pid\nErrorLog /dev/null\n"
        f"Listen 127.0.0.1:1\nServerName localhost\n{_load_lines()}"
    )


@cache
def known_directives() -> frozenset[str]:
    """Every directive name (``<Location`` for a section) this httpd knows, in lower case."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "httpd.conf"
        config.write_text(server_config(Path(folder)))
        listed = subprocess.run(
            [APACHE2, "-f", str(config), "-L"], capture_output=True, text=True, check=True
        ).stdout
    return frozenset(
        line.split()[0].lower() for line in listed.splitlines() if line[:1] not in ("", " ", "\t")
    )


def is_htaccess(path: Path) -> bool:
    return "htaccess" in path.name.lower()


@dataclass
class HttpdReading:
    """What httpd made of a file: its directives, or the line and message of its refusal.

    ``stand_ins`` are the lines whose directive was neutralised.
    """

    entries: list[tuple[tuple[str, ...], str, list[str], int]]
    refused: tuple[int, str] | None
    stand_ins: frozenset[int]


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
        line = lines[node.line - 1]
        found = line.lower().find(node.key)
        if found >= 0 and node.args:
            lines[node.line - 1] = line[:found] + STAND_IN + line[found + len(node.name) :]
            replaced.add(node.httpd_line)
    return "\n".join(lines), frozenset(replaced)


_LINE = re.compile(r"^\s*#\s*(\d+):\s*$")


def httpd_reading(path: Path) -> HttpdReading:
    """Run httpd on a wrapped copy of ``path``."""
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    source = SourceFile(path.name, path, "apache")
    parse_text(text, source)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
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
        result = subprocess.run(
            [APACHE2, "-f", str(config), "-t", "-D", "DUMP_CONFIG"],
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
            env=_ENVIRONMENT,
        )
        depth = 1 if is_htaccess(path) else 0
        return _read_dump(result, str(copy), depth, stand_ins)


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
        located = re.search(re.escape(copy) + r":(\d+): (.*)", err)
        if located:
            return HttpdReading([], (int(located.group(1)), located.group(2)), stand_ins)
        return HttpdReading([], (0, err.strip()), stand_ins)
    entries: list[tuple[tuple[str, ...], str, list[str], int]] = []
    in_copy = False
    line = 0
    stack: list[str] = []
    for raw in out.splitlines():
        if raw.startswith("# In file:"):
            in_copy = raw.split(":", 1)[1].strip() == copy
            continue
        number = _LINE.match(raw)
        if number:
            line = int(number.group(1))
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
            entries.append((tuple(stack[depth:]), key, args, line))
        if section:
            stack.append(key)
    return HttpdReading(entries, None, stand_ins)


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
    """httpd's reading of ``path`` and how authlint's differs from it (empty: they agree)."""
    reading = httpd_reading(path)
    source = SourceFile(path.name, path, "apache")
    errors = parse_text(path.read_bytes().decode("utf-8", errors="replace"), source)
    if reading.refused is not None:
        line, message = reading.refused
        if any(node.key == "use" for node in _walk(_nodes(source))):
            # What a macro holds is read where it is used (issue 12, point 3).
            return reading, []
        if not errors and syntax_refusal(message):
            return reading, [f"httpd refuses line {line} ({message}); authlint parses it"]
        if errors and errors[0].line != line and syntax_refusal(message):
            return reading, [f"httpd refuses line {line}, authlint line {errors[0].line}"]
        return reading, []
    if errors:
        return reading, [f"httpd accepts it; authlint: line {errors[0].line} {errors[0].message}"]
    ours = authlint_entries(source.nodes or [])
    theirs = reading.entries
    problems: list[str] = []
    index = 0
    for parents, key, args, line, conditional in ours:
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
    if not problems and index < len(theirs):
        problems.append(f"httpd has more: {theirs[index]}")
    return reading, problems


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
