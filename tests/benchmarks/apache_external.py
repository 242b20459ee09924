"""Read every file of the real-world Apache set with httpd and with authlint, and compare.

The set is ``docs/external-apache-configs.tsv``; its files are kept beside the
checkout in ``../external-configs-apache`` (never in the project, so this is a
script, not a test: CI does not have them). Each regular file (a Debian
``*-enabled`` link is read where it points) goes through
``tests/apache_httpd.py``'s :func:`differences`, which wraps it for
``apache2 -t -D DUMP_CONFIG`` and compares httpd's dump with authlint's tree,
and lands in one class:

- ``same tree``: both accept it, and every directive, argument, section and
  line is the same;
- ``same refusal``: httpd refuses it for its syntax or for a directive's place
  (``<RequireAny not allowed here``), and authlint (AL001) at the same line;
- ``stopped at a module check``: httpd refuses a section for its expression
  (an ``<If>`` on an undefined ``${VAR}``), or a directive without arguments:
  compared up to that line only, counted apart;
- ``difference``: anything else, with the line and the cause.

A refusal by a module's own check on a directive (a path that does not
exist here, a provider of a module this httpd lacks, a ``${VAR}`` the image
fills in at start) is no parser's business: the directive is turned into
``IndexIgnore`` (so that its line stays where it was; a ``Require`` into
``Require all granted``) and the file read again, up to ``--rounds`` times,
so that the rest of it is compared too. Those checks are counted apart, as
the corpus test counts them.

The set is mostly accepted, so a second pass breaks each file's sections
on purpose, in four ways (the last closing tag dropped, one in the middle
dropped, the first one renamed, the first opening tag's ``>`` removed), and
compares the refusals: ``same refusal`` (the line, and how many with httpd's
words too), ``condition not met`` (httpd skips the inside of a condition
that does not hold here, checking only that sections nest, and names the
condition's line or the end of the file; authlint's parser reads every
condition as holding, and leaves the choice to the loader), or
``difference``.

A file that defines variables (``Define NAME value``) and uses them
(``${NAME}``) is read by httpd with them filled in; the parser keeps the
text, and the loader fills them in. Where that alone makes the trees differ,
the file is read again with its own variables filled in, and counted.

    python tests/benchmarks/apache_external.py [--jobs 2] [--only OWNER__REPO]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from authlint.apache.parser import CONDITIONS, ApacheNode, parse_text  # noqa: E402
from authlint.model.source import SourceFile  # noqa: E402
from tests.apache_httpd import STAND_IN, available, differences, syntax_refusal  # noqa: E402

MANIFEST = ROOT / "docs" / "external-apache-configs.tsv"
SAME_TREE = "same tree"
SAME_REFUSAL = "same refusal"
STOPPED = "stopped at a module check"
DIFFERENCE = "difference"


@dataclass
class Outcome:
    """Where one file landed, and the module checks set aside on the way."""

    path: str
    kind: str
    line: int = 0
    cause: str = ""
    checks: list[tuple[int, str]] = field(default_factory=list)
    defines: bool = False
    worded: bool = False


def _files(only: str | None) -> list[Path]:
    rows = MANIFEST.read_text().splitlines()[1:]
    paths = [Path(os.path.normpath(ROOT / row.split("\t")[3])) for row in rows]
    return [
        path
        for path in paths
        if not path.is_symlink() and (only is None or f"/{only}/" in str(path))
    ]


def _directive_at(data: bytes, line: int) -> ApacheNode | None:
    """The directive (not a section) httpd names at ``line``, as authlint reads it."""
    source = SourceFile("copy", Path("copy"), "apache")
    parse_text(data.decode("utf-8", errors="replace"), source)
    stack = list(source.nodes or source.partial_nodes)
    while stack:
        node = stack.pop()
        assert isinstance(node, ApacheNode)
        if node.children is not None:
            stack.extend(node.children)
        elif node.httpd_line == line and node.args:
            return node
    # After a syntax error authlint's tree stops; httpd reads on (an Include,
    # a Define runs while it reads, before the sections are checked).
    alone = SourceFile("line", Path("line"), "apache")
    parse_text(data.split(b"\n")[line - 1].decode("utf-8", errors="replace"), alone)
    found = alone.nodes or []
    if len(found) != 1 or found[0].children is not None or not found[0].args:
        return None
    return ApacheNode(found[0].name, found[0].args, None, alone, line, line)


def _set_aside(data: bytes, node: ApacheNode) -> bytes:
    """``data`` with ``node``'s name turned into the stand-in, on its own first line.

    A ``Require`` of a provider this httpd lacks becomes ``Require all
    granted`` instead, its continuation lines emptied: ``<RequireAll>`` and
    its kind take nothing but ``Require``."""
    lines = data.split(b"\n")
    text = lines[node.line - 1]
    found = text.lower().find(node.name.lower().encode())
    if node.key == "require":
        lines[node.line - 1] = text[:found] + b"Require all granted"
        for number in range(node.line, node.httpd_line):
            lines[number] = b""
    else:
        lines[node.line - 1] = text[:found] + STAND_IN.encode() + text[found + len(node.name) :]
    return b"\n".join(lines)


def _defined(data: bytes) -> bytes:
    """``data`` with each ``${NAME}`` the file itself defines filled in, as httpd reads it
    (a value that names another variable is filled in on the next pass)."""
    filled = _fill_once(data)
    for _ in range(8):
        if filled == data:
            break
        data, filled = filled, _fill_once(filled)
    return filled


def _fill_once(data: bytes) -> bytes:
    source = SourceFile("copy", Path("copy"), "apache")
    text = data.decode("utf-8", errors="replace")
    parse_text(text, source)
    stack = list(reversed(source.nodes or source.partial_nodes))
    while stack:
        node = stack.pop()
        assert isinstance(node, ApacheNode)
        if node.key == "define" and len(node.args) == 2:
            text = text.replace("${" + node.args[0] + "}", node.args[1])
        stack.extend(reversed(node.children or []))
    return text.encode("utf-8")


def _line_of(problem: str) -> int:
    found = re.search(r"line (\d+)", problem)
    return int(found.group(1)) if found else 0


def classify(path: Path, rounds: int) -> Outcome:
    shown = str(path.relative_to(ROOT.parent))
    outcome = Outcome(shown, DIFFERENCE)
    data = path.read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        # The copy keeps the file's name: httpd reads an .htaccess in a <Directory>.
        copy = Path(folder) / path.name
        copy.write_bytes(data)
        for _ in range(rounds):
            reading, problems = differences(copy)
            if problems and not outcome.defines and _defined(data) != data:
                outcome.defines = True
                data = _defined(data)
                copy.write_bytes(data)
                continue
            if problems:
                outcome.line, outcome.cause = _line_of(problems[0]), problems[0]
                return outcome
            if reading.refused is None:
                outcome.kind = SAME_TREE
                return outcome
            line, message = reading.refused
            # differences() holds authlint to httpd's line for both.
            if syntax_refusal(message) or " not allowed " in message:
                outcome.kind, outcome.line, outcome.cause = SAME_REFUSAL, line, message
                return outcome
            node = _directive_at(data, line)
            if node is None or (line, message) in outcome.checks:
                outcome.kind, outcome.line, outcome.cause = STOPPED, line, message
                return outcome
            outcome.checks.append((line, message))
            data = _set_aside(data, node)
            copy.write_bytes(data)
    outcome.line, outcome.cause = outcome.checks[-1][0], "still refused after the module checks"
    return outcome


_CLOSE = re.compile(rb"^\s*</\w+>")
_OPEN = re.compile(rb"^\s*<\w[^>\n]*>")
NOT_MET = "condition not met"


def broken(data: bytes) -> list[tuple[str, bytes]]:
    """``data`` with its sections broken, each way that applies."""
    lines = data.split(b"\n")
    closes = [index for index, line in enumerate(lines) if _CLOSE.match(line)]
    opens = [index for index, line in enumerate(lines) if _OPEN.match(line)]
    variants: list[tuple[str, list[bytes]]] = []
    if closes:
        last, middle, first = closes[-1], closes[len(closes) // 2], closes[0]
        variants.append(("last closing tag dropped", lines[:last] + lines[last + 1 :]))
        if middle != last:
            variants.append(("a middle closing tag dropped", lines[:middle] + lines[middle + 1 :]))
        text = lines[first]
        start = text.index(b"</") + 2
        other = b"Files" if text[start:].lower() != b"files>" else b"Location"
        renamed = text[:start] + other + b">"
        variants.append(
            ("first closing tag renamed", [*lines[:first], renamed, *lines[first + 1 :]])
        )
    if opens:
        text = lines[opens[0]]
        cut = text.rindex(b">")
        variants.append(
            (
                "first opening tag without >",
                [*lines[: opens[0]], text[:cut] + text[cut + 1 :], *lines[opens[0] + 1 :]],
            )
        )
    return [(name, b"\n".join(variant)) for name, variant in variants]


def _condition_lines(data: bytes) -> set[int]:
    source = SourceFile("copy", Path("copy"), "apache")
    parse_text(data.decode("utf-8", errors="replace"), source)
    stack = list(source.nodes or source.partial_nodes)
    found = set()
    while stack:
        node = stack.pop()
        assert isinstance(node, ApacheNode)
        if node.children is not None:
            if node.key in CONDITIONS:
                found.add(node.httpd_line)
            stack.extend(node.children)
    return found


def _message(refused: tuple[int, str]) -> str:
    """httpd's words, without the ``file:line:`` it puts before some of them."""
    return re.sub(r"^\S+:\d+: ", "", refused[1])


def classify_broken(path: Path, rounds: int) -> list[Outcome]:
    shown = str(path.relative_to(ROOT.parent))
    outcomes = []
    for way, data in broken(path.read_bytes()):
        outcome = Outcome(f"{shown} ({way})", DIFFERENCE)
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / path.name
            copy.write_bytes(data)
            for _ in range(rounds):
                reading, problems = differences(copy)
                source = SourceFile(copy.name, copy, "apache")
                errors = parse_text(data.decode("utf-8", errors="replace"), source)
                refused = reading.refused
                if (
                    refused is None
                    or syntax_refusal(refused[1])
                    or (errors and errors[0].line == refused[0])
                    or refused[1].endswith("before end of configuration")
                ):
                    break
                # A module's check on a line before the broken one: set aside, read on.
                node = _directive_at(data, refused[0])
                if node is None or refused in outcome.checks:
                    break
                outcome.checks.append(refused)
                data = _set_aside(data, node)
                copy.write_bytes(data)
        if refused is not None and errors and errors[0].line == refused[0]:
            outcome.kind, outcome.line, outcome.cause = SAME_REFUSAL, refused[0], _message(refused)
            outcome.worded = errors[0].message == _message(refused)
        elif refused is not None and (
            refused[1].endswith("before end of configuration")
            or refused[0] in _condition_lines(data)
        ):
            outcome.kind, outcome.line, outcome.cause = NOT_MET, refused[0], refused[1]
        elif refused is None and not errors:
            # Breaking a tag inside a macro or a skipped part can leave a file httpd reads.
            outcome.kind = SAME_TREE
        else:
            outcome.line = refused[0] if refused else (errors[0].line if errors else 0)
            outcome.cause = problems[0] if problems else f"httpd {refused}, authlint {errors[:1]}"
        outcomes.append(outcome)
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--only", help="one folder of the set, OWNER__REPO")
    options = parser.parse_args()
    if not available():
        print("apache2 is not installed", file=sys.stderr)
        return 2
    files = _files(options.only)
    with ThreadPoolExecutor(options.jobs) as pool:
        outcomes = list(pool.map(lambda path: classify(path, options.rounds), files))
    kinds = Counter(outcome.kind for outcome in outcomes)
    checked = [outcome for outcome in outcomes if outcome.checks]
    print(f"{len(outcomes)} files")
    for kind in (SAME_TREE, SAME_REFUSAL, STOPPED, DIFFERENCE):
        print(f"  {kind}: {kinds[kind]}")
    print(
        f"  of which read after setting aside module checks: {len(checked)} files, "
        f"{sum(len(outcome.checks) for outcome in checked)} checks"
    )
    defined = [outcome.path for outcome in outcomes if outcome.defines]
    print(f"  of which read with their own Define variables filled in: {len(defined)}")
    for path in defined:
        print(f"    {path}")
    messages = Counter(
        re.sub(r"(/[^\s:,]*)+", "PATH", message)
        for outcome in checked
        for _, message in outcome.checks
    )
    print("module checks set aside, by message:")
    for message, count in messages.most_common():
        print(f"  {count:4d}  {message}")
    for outcome in outcomes:
        if outcome.kind == STOPPED:
            print(f"stopped: {outcome.path}:{outcome.line}: {outcome.cause}")
    for outcome in outcomes:
        if outcome.kind == SAME_REFUSAL:
            print(f"refused by both: {outcome.path}:{outcome.line}: {outcome.cause}")
    for outcome in outcomes:
        if outcome.kind == DIFFERENCE:
            print(f"DIFFERENCE {outcome.path}:{outcome.line}: {outcome.cause}")
    with ThreadPoolExecutor(options.jobs) as pool:
        variants = [
            outcome
            for found in pool.map(lambda path: classify_broken(path, options.rounds), files)
            for outcome in found
        ]
    kinds_broken = Counter(outcome.kind for outcome in variants)
    print(f"{len(variants)} broken copies of {len(files)} files")
    for kind in (SAME_REFUSAL, NOT_MET, SAME_TREE, DIFFERENCE):
        print(f"  {kind}: {kinds_broken[kind]}")
    worded = sum(1 for outcome in variants if outcome.kind == SAME_REFUSAL and outcome.worded)
    print(
        f"  of which read after setting aside module checks: {sum(1 for o in variants if o.checks)}"
    )
    print(f"  of the same refusals, in httpd's words: {worded}")
    for outcome in variants:
        if outcome.kind == SAME_REFUSAL and not outcome.worded:
            print(f"other words: {outcome.path}:{outcome.line}: {outcome.cause}")
    for outcome in variants:
        if outcome.kind == DIFFERENCE:
            print(f"DIFFERENCE {outcome.path}:{outcome.line}: {outcome.cause}")
    return 1 if kinds[DIFFERENCE] or kinds_broken[DIFFERENCE] else 0


if __name__ == "__main__":
    sys.exit(main())
