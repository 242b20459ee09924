"""One run: discover files, load them into the model, run the rules, apply suppressions."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from authlint import formats
from authlint.discovery import discover
from authlint.formats import IncludeOptions, claimed_formats, standard_input
from authlint.model.origins import RUN_SECONDS, regex_clock
from authlint.model.source import Span, display_path
from authlint.model.workspace import LoadProblem, ProblemKind, Workspace
from authlint.progress import Progress
from authlint.rule import Finding, Rule, Run, RunRule, load_rules
from authlint.suppression import Suppression, apply, scan

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from authlint.globs import Globs
    from authlint.model.source import SourceFile
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
    """What one run found.

    ``rules`` are every known rule, sorted by ID (a SARIF log lists them all);
    ``files`` maps each loaded file's display path to its source, so a
    reporter can quote or hash the text a finding points at, through the
    source's masked accessors only; ``suppressed`` counts the findings that
    comments suppressed; ``notices`` say what the run left unknown as a
    whole (a warning each, for standard error), and ``notes`` how files were
    read (for standard error, unless quiet); ``unclaimed`` are the files
    named on the command line that no format reads, which were not linted.
    The findings' messages and fixes are already masked (:func:`authlint.masking.mask_findings`).
    """

    findings: list[Finding] = field(default_factory=list)
    files_scanned: int = 0
    crashes: list[RuleCrash] = field(default_factory=list)
    rules: tuple[type[Rule], ...] = ()
    files: dict[str, SourceFile] = field(default_factory=dict)
    suppressed: int = 0
    notices: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unclaimed: list[str] = field(default_factory=list)


def load(
    paths: Sequence[Path],
    includes: IncludeOptions,
    cwd: Path,
    exclude: Globs | None = None,
    *,
    jobs: int = 1,
    progress: Progress | None = None,
) -> Workspace:
    """The model of every config file under ``paths``, less those ``exclude`` matches.

    Each format present loads the files it claimed, group by group; ``jobs``
    processes share the parse of the files. Files named on the command line
    that no format claims are listed in the workspace's ``unclaimed``.
    """
    progress = progress or Progress()
    workspace = Workspace()
    groups = discover(paths, cwd, exclude)
    for group in groups:
        for path, reason in sorted(group.unreadable.items()):
            workspace.problems.append(
                LoadProblem(
                    ProblemKind.PARSE_ERROR,
                    Span(display_path(path, cwd), 1),
                    f"cannot be read: {reason}",
                    "Repair or remove it, or exclude it from the scan (`exclude`).",
                )
            )
        workspace.unclaimed.extend(display_path(path, cwd) for path in group.unclaimed)
    # In the order the loaders read them. A symlink is left to the loader,
    # which knows a file by its real path.
    claimed = {
        item: [
            path
            for group in groups
            for path in sorted(group.files.get(item.name, ()))
            if not path.is_symlink()
        ]
        for item in formats.registered()
        if any(item.name in group.files for group in groups)
    }
    progress.start("files", sum(len(files) for files in claimed.values()))
    for item, files in claimed.items():
        with item.loading(files, cwd, includes, jobs, progress) as load_group:
            for group in groups:
                if item.name in group.files:
                    load_group(workspace, group.boundary, group.files[item.name])
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
    jobs: int = 1,
    progress: Progress | None = None,
) -> Result:
    """Lint ``paths``: findings sorted by path, line, column and rule, one per place.

    ``rules`` are the rule classes (default: ``load_rules()``); ``selection``
    says which of them run and which findings per-file ignores drop (default:
    every rule, everywhere); ``rule_options`` maps a rule ID to its options'
    values, which each rule is constructed with. ``jobs`` processes parse the
    files (the output is the same for any number); ``progress`` hears of each
    file parsed and each rule run.
    """
    cwd = (cwd or Path.cwd()).resolve()
    progress = progress or Progress()
    with _collector_paused():
        workspace = load(paths, includes, cwd, exclude, jobs=jobs, progress=progress)
        result = _lint(workspace, rules, selection, rule_options, progress)
    result.unclaimed = workspace.unclaimed
    return result


STDIN_NAME = "<stdin>"


def run_stdin(
    text: str,
    includes: IncludeOptions,
    name: str = STDIN_NAME,
    *,
    selection: Selection | None = None,
    rules: Sequence[type[Rule]] | None = None,
    rule_options: Mapping[str, Mapping[str, object]] | None = None,
) -> Result:
    """Lint a config read from standard input, like :func:`run`.

    The output of ``nginx -T`` is the server's whole config: its files are
    linted as one tree from its main config, each include resolving in the
    dump as nginx resolved it, and reported at their paths on the server.
    Any other text is one file reported as ``name``; its includes resolve as
    a standalone file's would, in an empty tree. Raises
    :class:`~authlint.dumps.DumpError` for a dump that cannot be read
    safely.
    """
    with _collector_paused(), standard_input(text, name, includes) as workspace:
        result = _lint(workspace, rules, selection, rule_options)
        # The folder is removed on return: keep each file's text (the findings'
        # files were masked already, for the messages).
        for source in workspace.files:
            source.text()
    return result


@contextmanager
def _collector_paused() -> Iterator[None]:
    # The model is built once and lives until the run ends, so the cyclic
    # collector's passes over it free nothing; they cost a third of the run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _lint(
    workspace: Workspace,
    rules: Sequence[type[Rule]] | None,
    selection: Selection | None,
    rule_options: Mapping[str, Mapping[str, object]] | None,
    progress: Progress | None = None,
) -> Result:
    """Run the enabled rules (default: every rule) over the model; see :func:`run`."""
    progress = progress or Progress()
    known = tuple(load_rules() if rules is None else rules)
    enabled = selection.enabled if selection is not None else frozenset(rule.id for rule in known)
    options = rule_options or {}
    selected = [rule for rule in known if rule.id in enabled]
    progress.start("rules", len(selected))
    result = Result(
        files_scanned=len(workspace.files),
        rules=known,
        files={source.path: source for source in workspace.files},
        notes=list(dict.fromkeys(workspace.notes)),
    )
    ignored = _per_file_ignores(workspace, selection)
    with regex_clock() as clock:
        found = [
            finding
            for finding in _unique(
                finding
                for rule_class in selected
                if not issubclass(rule_class, RunRule)
                for finding in _checked(
                    rule_class(options.get(rule_class.id)),
                    workspace.only(frozenset(claimed_formats(rule_class))),
                    result,
                    progress,
                )
            )
            if finding.rule not in ignored.get(finding.span.path, ())
        ]
    if clock.exhausted:
        result.notices.append(
            f"the config's regexes took more than {RUN_SECONDS:g} s in all (some backtrack "
            "without end); the rest of their answers are unknown, and no finding rests on them"
        )
    # Run rules see the findings before suppressions (AL005 needs what each
    # suppression hid); their own findings are never suppressed, and are made
    # once per run, so they need no deduplication.
    context = Run(known, enabled, tuple(found))
    reviewed = [
        finding
        for rule_class in selected
        if issubclass(rule_class, RunRule)
        for finding in _checked(rule_class(context), workspace, result, progress)
        if finding.rule not in ignored.get(finding.span.path, ())
    ]
    suppressions = [item for item in scan(workspace) if isinstance(item, Suppression)]
    applied = apply(suppressions, found, known)
    result.suppressed = applied.suppressed
    findings = _grouped(sorted([*applied.kept, *reviewed], key=lambda item: item.sort_key), known)
    if findings:
        # Imported only when needed: a clean run masks nothing.
        from authlint.masking import mask_findings

        # Here, once: no output (the baseline included) sees a raw message.
        findings = mask_findings(findings, result.files)
    result.findings = findings
    return result


def _grouped(findings: list[Finding], rules: Sequence[type[Rule]]) -> list[Finding]:
    """``findings`` (sorted) with each group reported once, at its first place.

    Grouping comes after suppressions and per-file ignores, so that a
    comment at one place hides that place only.
    """
    nouns = {rule.id: rule.repeats_as for rule in rules}
    firsts: dict[tuple[str, str], int] = {}
    others: dict[int, list[Span]] = {}
    kept: list[Finding] = []
    for finding in findings:
        if finding.group is None:
            kept.append(finding)
            continue
        first = firsts.setdefault((finding.rule, finding.group), len(kept))
        if first == len(kept):
            kept.append(finding)
        else:
            others.setdefault(first, []).append(finding.span)
    for index, spans in others.items():
        finding = kept[index]
        one, many = nouns[finding.rule]
        more = f"{len(spans)} more {one if len(spans) == 1 else many}"
        kept[index] = replace(
            finding, message=f"{finding.message} (and {more})", related=tuple(spans)
        )
    return kept


def _checked(rule: Rule, workspace: Workspace, result: Result, progress: Progress) -> list[Finding]:
    """The rule's findings; none, and a crash recorded, if it raises."""
    try:
        return list(rule.check(workspace))
    except Exception as exc:  # one broken rule must not hide the others' findings
        result.crashes.append(RuleCrash(rule.id, type(exc).__name__))
        return []
    finally:
        progress.advance()


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    """Sorted, and the first finding per rule and place.

    The same directive is linted once per config that includes it.
    """
    seen: set[tuple[str, str, int, int | None]] = set()
    unique = []
    for finding in sorted(findings, key=lambda item: item.sort_key):
        key = (finding.rule, finding.span.path, finding.span.line, finding.span.column)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def _per_file_ignores(
    workspace: Workspace, selection: Selection | None
) -> dict[str, frozenset[str]]:
    """Display path -> the IDs of the rules ignored in that file."""
    if selection is None or not selection.per_file_ignores:
        return {}
    return {file.path: selection.ignored_in(file.abspath) for file in workspace.files}
