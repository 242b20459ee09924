"""One run: discover files, load them into the model, run the rules."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from authlint.discovery import discover
from authlint.model.workspace import Workspace
from authlint.nginx.loader import IncludeOptions, NginxLoader
from authlint.rule import Finding, Rule, load_rules

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from authlint.globs import Globs
    from authlint.selection import Selection


@dataclass(frozen=True)
class RuleCrash:
    """A rule that raised: reported on its own, the other rules' findings stand.

    Only the exception's type is kept: its text could quote a config value.
    """

    rule: str
    error: str


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files_scanned: int = 0
    crashes: list[RuleCrash] = field(default_factory=list)


def load(
    paths: Sequence[Path], includes: IncludeOptions, cwd: Path, exclude: Globs | None = None
) -> Workspace:
    """The model of every nginx file under ``paths``, less those ``exclude`` matches."""
    workspace = Workspace()
    for group in discover(paths, cwd, exclude):
        NginxLoader(workspace, group.boundary, cwd, includes).load(group.nginx)
    return workspace


def run(
    paths: Sequence[Path],
    includes: IncludeOptions,
    cwd: Path | None = None,
    *,
    selection: Selection | None = None,
    exclude: Globs | None = None,
    rules: Sequence[type[Rule]] | None = None,
    rule_options: Mapping[str, Mapping[str, object]] | None = None,
) -> Result:
    """Lint ``paths``: findings sorted by path, line, column and rule, one per place.

    ``rules`` are the rule classes (default: ``load_rules()``); ``selection``
    says which of them run and which findings per-file ignores drop (default:
    every rule, everywhere); ``rule_options`` maps a rule ID to its options'
    values, which each rule is constructed with.
    """
    cwd = (cwd or Path.cwd()).resolve()
    # The model is built once and lives until the run ends, so the cyclic
    # collector's passes over it free nothing; they cost a third of the run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint(
            load(paths, includes, cwd, exclude),
            load_rules() if rules is None else rules,
            selection,
            rule_options or {},
        )
    finally:
        if collecting:
            gc.enable()


def _lint(
    workspace: Workspace,
    rules: Sequence[type[Rule]],
    selection: Selection | None,
    rule_options: Mapping[str, Mapping[str, object]],
) -> Result:
    result = Result(files_scanned=len(workspace.files))
    collected: list[Finding] = []
    for rule_class in rules:
        if selection is not None and rule_class.id not in selection.enabled:
            continue
        rule: Rule = rule_class(rule_options.get(rule_class.id))
        try:
            collected.extend(rule.check(workspace))
        except Exception as exc:  # one broken rule must not hide the others' findings
            result.crashes.append(RuleCrash(rule.id, type(exc).__name__))
    # The same directive is linted once per config that includes it: keep the
    # first finding per rule and place.
    seen: set[tuple[str, str, int, int | None]] = set()
    ignored = _per_file_ignores(workspace, selection)
    for finding in sorted(collected, key=lambda item: item.sort_key):
        key = (finding.rule, finding.span.path, finding.span.line, finding.span.column)
        if key not in seen and finding.rule not in ignored.get(finding.span.path, ()):
            seen.add(key)
            result.findings.append(finding)
    return result


def _per_file_ignores(
    workspace: Workspace, selection: Selection | None
) -> dict[str, frozenset[str]]:
    """Display path -> the IDs of the rules ignored in that file."""
    if selection is None or not selection.per_file_ignores:
        return {}
    return {file.path: selection.ignored_in(file.abspath) for file in workspace.files}
