"""The output of ``apachectl -t -D DUMP_CONFIG``: the configuration httpd read, whole.

With ``mod_info`` loaded (``a2enmod info``, or ``-C "LoadModule info_module
.../mod_info.so"`` on the command line), httpd prints each directive it kept
after reading: includes read in place, ``${NAME}`` replaced, the conditions
(``<IfModule>``...) decided and macros used, under ``# In file: PATH`` and
``#  LINE:`` comments, one level of sections indented by two spaces. What it
executed while reading (``Include``, ``Define``, ``LoadModule``, ``<Macro>``)
and every comment are gone. Its messages (``AH00558: ...``, ``Syntax OK``) go
to standard error, so with ``2>&1`` they come too; they are skipped.

Each file is written back out with its directives at their lines, so that
findings show them where they are on the server.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import TYPE_CHECKING

from authlint.apache import scopes
from authlint.apache.parser import ApacheNode, getword_conf, split_words
from authlint.apache.settings import ApacheSettings
from authlint.dumps import DumpedFile, DumpError, normalised_path, written_out
from authlint.model.source import SourceFile
from authlint.model.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.tree import Node

FILE = re.compile(r"^# In file: (.*)$")
_LINE = re.compile(r"^#\s*(\d+):$")
_MACRO = re.compile(r"""^macro '[^']*' \(defined on line (\d+) of "([^"]+)"\) used on""")
# What httpd writes to standard error: "AH00558: ...", "Syntax OK", error-log lines.
_MESSAGE = re.compile(r"^(?:AH\d{5}: |Syntax OK$|apache2: |httpd: |\[[A-Z][a-z]{2} )")
_EXPRESSIONS = frozenset({"if", "elseif"})


@contextmanager
def standard_input_loaded(text: str) -> Iterator[Workspace]:
    """The model of a ``DUMP_CONFIG`` output, while the files it is written out to last.
    Raises :class:`DumpError` for one that cannot be read safely."""
    entries = read_dump(text)
    lines: dict[str, dict[int, str]] = {}
    for path, line, _, text_written in entries:
        lines.setdefault(path, {})[line] = text_written
    files = [
        DumpedFile(
            path, "".join(f"{numbered.get(number, '')}\n" for number in range(1, max(numbered) + 1))
        )
        for path, numbered in lines.items()
    ]
    with written_out(files) as (_, written):
        workspace = Workspace()
        sources = {}
        for target, path in written.items():
            source = SourceFile(path, target, scopes.FORMAT)
            workspace.files.append(source)
            sources[path] = source
        nodes = _tree(entries, sources)
        # Each file holds its own directives, for the spans of findings.
        by_file: dict[SourceFile, list[Node]] = {source: [] for source in sources.values()}
        for node in _walk(nodes):
            by_file[node.file].append(node)
        for source, own in by_file.items():
            source.nodes = own
        root = scopes.build(nodes)
        for scope in root.walk():
            scope.settings = ApacheSettings(scope)
        workspace.roots.append(root)
        yield workspace


def read_dump(text: str) -> list[tuple[str, int, int, str]]:
    """Each directive of the dump: its file (a macro's lines at the file that defines
    them), line, depth of sections, and text as printed."""
    entries: list[tuple[str, int, int, str]] = []
    path, offset, line = "", 0, 0
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        found = FILE.match(stripped)
        if found:
            name = found.group(1)
            macro = _MACRO.match(name)
            name, offset = (macro.group(2), int(macro.group(1))) if macro else (name, 0)
            path = normalised_path(
                name,
                f"standard input line {number}: `# In file:`",
                "authlint needs the absolute paths that httpd prints",
            )
            continue
        counted = _LINE.match(stripped)
        if counted:
            line = int(counted.group(1)) + offset
            continue
        if not stripped or _MESSAGE.match(stripped):
            continue
        if not path or not line:
            raise DumpError(
                f"standard input line {number}: a directive before any `# In file:` and "
                "line comment; pipe only the output of `apachectl -t -D DUMP_CONFIG`"
            )
        depth = (len(raw) - len(raw.lstrip(" "))) // 2
        entries.append((path, line, depth, stripped))
    if not entries:
        raise DumpError(
            "standard input holds httpd's messages but no configuration: its config test "
            'failed, or mod_info is not loaded (add `-C "LoadModule info_module '
            '/usr/lib/apache2/modules/mod_info.so"`)'
        )
    return entries


def _tree(entries: list[tuple[str, int, int, str]], sources: dict[str, SourceFile]) -> list[Node]:
    """The dump's directives as the expanded tree, sections holding what they hold."""
    top: list[Node] = []
    open_sections: list[ApacheNode] = []
    for path, line, depth, written in entries:
        if written.startswith("</"):
            if open_sections:
                open_sections.pop()
            continue
        del open_sections[depth:]
        name, rest = getword_conf(written)
        section = name.startswith("<")
        if section:
            name = name[1:].removesuffix(">")
            inner = written[rest:]
            inner = inner[: inner.rfind(">")] if ">" in inner else inner
            words = split_words(inner.strip())
            args = words if name.lower() not in _EXPRESSIONS or len(words) == 1 else [inner.strip()]
        else:
            args = split_words(written[rest:])
        node = ApacheNode(name, args, [] if section else None, sources[path], line, line)
        siblings = open_sections[-1].children if open_sections else top
        assert siblings is not None
        siblings.append(node)
        if section:
            open_sections.append(node)
    return top


def _walk(nodes: list[Node]) -> Iterator[Node]:
    for node in nodes:
        yield node
        if node.children:
            yield from _walk(node.children)
