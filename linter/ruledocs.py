"""Rule documentation, generated from each rule's metadata and docstring.

``authlint explain`` prints one rule's page, ``authlint rules`` lists them
all, and ``python -m authlint.ruledocs docs/rules.md`` writes the whole
reference (``--check`` only compares). Nothing here is written by hand per
rule: a new rule is documented by its own class.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from pathlib import Path

from authlint.formats import claimed_formats, fix_hints, references, server_name
from authlint.rule import Family, Rule, load_rules

REGENERATE = "python -m authlint.ruledocs docs/rules.md"

FAMILY_TITLES = {
    Family.DIAGNOSTICS: "The linter's own diagnostics",
    Family.FORWARDING: "Authorization forwarding",
    Family.BASIC_AUTH: "Duplicate Basic auth",
    Family.CORS: "CORS with credentials",
    Family.CACHING: "Caches and authenticated answers",
    Family.BUFFERS: "Header buffers",
    Family.HYGIENE: "Credential hygiene",
}

_HEADING = re.compile(r"^(#{2,6}) ")
_FENCE = "```"


def family_label(family: Family) -> str:
    """A family with its ID range, such as ``cors (AL3xx)``."""
    return f"{family.value} (AL{family.digit}xx)"


def anchor(rule: type[Rule]) -> str:
    """The GitHub anchor of the rule's heading in ``docs/rules.md``."""
    # The heading is "<ID> <name>" and names are kebab-case, so GitHub's slug
    # is the lower-case ID, a hyphen and the name.
    return f"{rule.id.lower()}-{rule.name}"


def _docstring_parts(rule: type[Rule]) -> tuple[list[str], list[str]]:
    """The docstring's lines before its first ``##`` section, and the lines from it on."""
    lines = [line.rstrip() for line in inspect.cleandoc(rule.__doc__ or "").splitlines()]
    for number, line in enumerate(lines):
        if line.startswith("## "):
            return lines[:number], lines[number:]
    return lines, []


def _shift_headings(lines: list[str], levels: int) -> list[str]:
    """``lines`` with every Markdown heading outside code fences ``levels`` deeper."""
    shifted = []
    in_fence = False
    for line in lines:
        if line.startswith(_FENCE):
            in_fence = not in_fence
        elif not in_fence and _HEADING.match(line):
            line = "#" * levels + line
        shifted.append(line)
    return shifted


def _proof(rule: type[Rule]) -> str:
    # No repository path: `authlint explain` runs from a wheel, which ships no fixtures.
    if rule.config_test:
        return (
            "yes: authlint's test suite runs the server's config test on this rule's bad "
            "and good examples and shows the error or warning its message quotes"
        )
    if rule.states_server_behaviour:
        return (
            f"yes: authlint's test suite boots {_servers(rule, ' and ')} with this rule's bad "
            "and good examples and shows the behaviour its message states"
        )
    return "no: the rule does not state what the server does"


def _servers(rule: type[Rule], joined: str) -> str:
    """The servers of the formats the rule runs on, as messages name them."""
    return joined.join(server_name(name) for name in claimed_formats(rule))


def _reference(rule: type[Rule]) -> list[str]:
    return [f"- Reference: <{url}>" for url in references(rule)]


def _fix(rule: type[Rule]) -> list[str]:
    """The rule's fix, then each format's own words for it."""
    hints = fix_hints(rule)
    return [rule.fix, *([""] if hints else []), *(f"- {server}: {hint}" for server, hint in hints)]


def render_rule(rule: type[Rule], level: int = 1) -> str:
    """One rule's documentation as Markdown, its title a heading of ``level``.

    The docstring's own sections (``## What it does``, ``## Why is this bad?``,
    ``## Example``, ``## Use instead``) follow one level below the title, then
    the fix.
    """
    lead, sections = _docstring_parts(rule)
    tags = ", ".join(f"`{tag}`" for tag in rule.tags) or "none"
    lines = [
        f"{'#' * level} {rule.id} {rule.name}",
        "",
        rule.summary,
        "",
        f"- Severity: {rule.severity.value}",
        f"- Family: {family_label(Family.of(rule.id))}",
        f"- Formats: {_servers(rule, ', ')}",
        f"- Tags: {tags}",
        f"- Proven on the real server: {_proof(rule)}",
        *_reference(rule),
        "",
        *lead,
        "",
        *_shift_headings(sections, level - 1),
        "",
        f"{'#' * (level + 1)} Fix",
        *_fix(rule),
        *_options(rule, level + 1),
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def _options(rule: type[Rule], level: int) -> list[str]:
    """The options a rule declares, as set in ``[tool.authlint.rules.<ID>]``."""
    if not rule.options:
        return []
    return [
        "",
        f"{'#' * level} Options",
        f"Set in `[tool.authlint.rules.{rule.id}]`:",
        "",
        *(
            f"- `{option.name}` ({option.kind.description}; default `{option.default}`): "
            f"{option.help}"
            for option in rule.options
        ),
    ]


def _table_cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_reference(rules: list[type[Rule]]) -> str:
    """The whole ``docs/rules.md``: a notice, an index by family, then every rule's page."""
    lines = [
        f"<!-- Generated by `{REGENERATE}`; do not edit. -->",
        "# authlint rules",
        "",
        "This file is generated from each rule's metadata and docstring under `rules/`;",
        f"do not edit it by hand. Regenerate it with `{REGENERATE}`",
        "(`tests/test_rule_docs.py` fails when it is out of date).",
        "`authlint rules` lists the rules and `authlint explain ID` prints one rule's page.",
        "",
        "## Index",
    ]
    for family in sorted(Family, key=lambda family: family.digit):
        members = [rule for rule in rules if Family.of(rule.id) is family]
        if not members:
            continue
        lines += [
            "",
            f"### {FAMILY_TITLES[family]}: {family_label(family)}",
            "",
            "| ID | Name | Severity | Summary |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| [{rule.id}](#{anchor(rule)}) | {rule.name} | {rule.severity.value} "
            f"| {_table_cell(rule.summary)} |"
            for rule in members
        ]
    pages = [render_rule(rule, level=2) for rule in rules]
    return "\n".join(lines) + "\n\n" + "\n".join(pages)


def render_list(rules: list[type[Rule]]) -> str:
    """``authlint rules``: one aligned line per rule (ID, family, severity, name, summary)."""
    # The summary comes last and unpadded; the other columns are padded to their widest cell.
    rows = [(rule.id, Family.of(rule.id).value, rule.severity.value, rule.name) for rule in rules]
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        + f"  {rule.summary}\n"
        for cells, rule in zip(rows, rules, strict=True)
    )


def render_list_json(rules: list[type[Rule]]) -> str:
    """``authlint rules --format json``: a list of every rule's metadata."""
    document = [
        {
            "id": rule.id,
            "name": rule.name,
            "family": Family.of(rule.id).value,
            "severity": rule.severity.value,
            "summary": rule.summary,
            "fix": rule.fix,
            "formats": list(claimed_formats(rule)),
            "tags": list(rule.tags),
            "reference_url": next(iter(references(rule)), None),
        }
        for rule in rules
    ]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def find_rule(rules: list[type[Rule]], key: str) -> type[Rule] | None:
    """The rule whose ID (any case) or name is ``key``; None when there is none."""
    for rule in rules:
        if key.upper() == rule.id or key == rule.name:
            return rule
    return None


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/rules.md`` (or with ``--check``, exit 1 when it is out of date)."""
    parser = argparse.ArgumentParser(
        prog="python -m authlint.ruledocs", description="Generate the rule reference."
    )
    parser.add_argument("path", type=Path, help="the file to write, docs/rules.md")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the file is out of date"
    )
    arguments = parser.parse_args(argv)
    path: Path = arguments.path
    reference = render_reference(load_rules())
    try:
        if arguments.check:
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current != reference:
                print(
                    f"{path} is out of date; regenerate it with "
                    f"`python -m authlint.ruledocs {path}`",
                    file=sys.stderr,
                )
                return 1
            return 0
        path.write_text(reference, encoding="utf-8", newline="\n")
    except OSError as exc:
        print(f"{parser.prog}: error: {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
