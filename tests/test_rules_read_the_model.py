"""Rules read only the format-neutral model: no format package, no raw directives, no
directive names in what they write (a format's words come from the format).

Docstrings are exempt: their examples are configs, one per format.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from crossplane.analyzer import DIRECTIVES

from authlint.formats import claimed_formats, registered
from authlint.rule import load_rules

from conftest import REPO

RULE_FILES = sorted((REPO / "rules").rglob("*.py"))
# Format packages: what a rule must not import.
FORMAT_PACKAGES = ("authlint.nginx",)
# Directives named in rules' strings would make them speak one format. Plain words that
# happen to be directives (`if`, `set`, `map`, `server`, `user`) are English too: a name is
# caught when it has an underscore (`add_header`) or stands in a code span (`map`).
_DIRECTIVES = frozenset(DIRECTIVES) | {"auth_jwt", "add_header_inherit"}
_CODE_SPAN = re.compile(r"`([^`]*)`?")
_COMMAND_LINE_OPTION = re.compile(r"--[a-z][a-z-]*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _docstrings(tree: ast.Module) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def directive_names_in(text: str) -> set[str]:
    """The directive names a string written by a rule names."""
    text = _COMMAND_LINE_OPTION.sub("", text)
    named = {word for word in _WORD.findall(text) if "_" in word and word in _DIRECTIVES}
    for span in _CODE_SPAN.findall(text):
        named |= {word for word in _WORD.findall(span) if word in _DIRECTIVES}
    return named


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda path: path.relative_to(REPO).as_posix())
def test_a_rule_reads_only_the_model(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    exempt = _docstrings(tree)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(FORMAT_PACKAGES):
            problems.append(f"line {node.lineno}: imports {node.module}")
        if isinstance(node, ast.Import):
            problems.extend(
                f"line {node.lineno}: imports {alias.name}"
                for alias in node.names
                if alias.name.startswith(FORMAT_PACKAGES)
            )
        if isinstance(node, ast.Attribute) and node.attr in ("own", "directives", "unread"):
            problems.append(f"line {node.lineno}: reads a scope's raw `.{node.attr}`")
        text = None
        if isinstance(node, ast.JoinedStr):
            # An f-string as a whole, so that a code span may run across a value.
            parts = [part for part in node.values if isinstance(part, ast.Constant)]
            exempt.update(id(part) for part in parts)
            text = "".join(
                str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value if id(node) not in exempt else None
        named = directive_names_in(text) if text is not None else set()
        if named:
            problems.append(f"line {node.lineno}: names {sorted(named)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Add `always` to the CORS `add_header` lines.", {"add_header"}),
        ("a `map` with an empty default", {"map"}),
        ("skip it with proxy_no_cache", {"proxy_no_cache"}),
        ("`expires ", {"expires"}),
        ("the upstream of `", set()),
        ("map the prefix with `--include-map PREFIX=DIR`", set()),
        ("if credentials are not meant", set()),
    ],
)
def test_directive_names_are_told_from_words(text: str, named: set[str]) -> None:
    assert directive_names_in(text) == named


def test_every_rule_declares_facets_some_format_provides() -> None:
    names = {item.name for item in registered()}
    for rule in load_rules():
        assert set(claimed_formats(rule)) <= names
        assert claimed_formats(rule), f"{rule.id}: no format provides {sorted(rule.needs)}"
