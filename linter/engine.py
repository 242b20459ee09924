"""One run: discover files, load them into the model, run the rules."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from authlint.discovery import discover
from authlint.model.workspace import Workspace
from authlint.nginx.loader import IncludeOptions, NginxLoader
from authlint.nginx.parse_ahead import parse_ahead
from authlint.progress import Progress
from authlint.rule import Finding, Rule, load_rules

if TYPE_CHECKING:
    from collections.abc import Sequence


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
    paths: Sequence[Path],
    includes: IncludeOptions,
    cwd: Path,
    *,
    jobs: int = 1,
    progress: Progress | None = None,
) -> Workspace:
    """The model of every nginx file under ``paths``; ``jobs`` processes parse the files."""
    progress = progress or Progress()
    workspace = Workspace()
    groups = discover(paths, cwd)
    # In the order the loaders read them. A symlink is left to the loader,
    # which knows a file by its real path.
    files = [path for group in groups for path in sorted(group.nginx) if not path.is_symlink()]
    progress.start("files", len(files))
    with parse_ahead(files, jobs, progress) as parse:
        for group in groups:
            NginxLoader(workspace, group.boundary, cwd, includes, parse).load(group.nginx)
    return workspace


def run(
    paths: Sequence[Path],
    includes: IncludeOptions,
    cwd: Path | None = None,
    *,
    jobs: int = 1,
    progress: Progress | None = None,
) -> Result:
    """Lint ``paths``: findings sorted by path, line, column and rule, one per place.

    ``jobs`` worker processes parse the files (the output is the same for
    any number); ``progress`` hears of each file parsed and each rule run.
    """
    cwd = (cwd or Path.cwd()).resolve()
    progress = progress or Progress()
    # The model is built once and lives until the run ends, so the cyclic
    # collector's passes over it free nothing; they cost a third of the run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint(load(paths, includes, cwd, jobs=jobs, progress=progress), progress)
    finally:
        if collecting:
            gc.enable()


def _lint(workspace: Workspace, progress: Progress) -> Result:
    result = Result(files_scanned=len(workspace.files))
    collected: list[Finding] = []
    rule_classes = load_rules()
    progress.start("rules", len(rule_classes))
    for rule_class in rule_classes:
        rule: Rule = rule_class()
        try:
            collected.extend(rule.check(workspace))
        except Exception as exc:  # one broken rule must not hide the others' findings
            result.crashes.append(RuleCrash(rule.id, type(exc).__name__))
        progress.advance()
    # The same directive is linted once per config that includes it: keep the
    # first finding per rule and place.
    seen: set[tuple[str, str, int, int | None]] = set()
    for finding in sorted(collected, key=lambda item: item.sort_key):
        key = (finding.rule, finding.span.path, finding.span.line, finding.span.column)
        if key not in seen:
            seen.add(key)
            result.findings.append(finding)
    return result
