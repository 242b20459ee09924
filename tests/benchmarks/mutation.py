"""Mutation testing: which small changes to the rules and the model the fast tests miss.

Not part of the suite: a run takes tens of minutes. Each target file (``rules/``,
``linter/model/``, nginx's semantics in ``linter/nginx/``) is walked with :mod:`ast`, and
every place one of these mutations applies is a mutant:

- a comparison turned around: ``>=``/``>``, ``<=``/``<``, ``==``/``!=``,
  ``is``/``is not``, ``in``/``not in``;
- ``and``/``or`` swapped, a ``not`` dropped, ``True``/``False`` swapped;
- ``continue`` or ``break`` made ``pass``;
- a ``.lower()``, ``.upper()`` or ``.strip()`` call removed;
- a one-word string literal's case changed (``"always"`` -> ``"ALWAYS"``);
- an integer literal plus one.

Docstrings, f-string parts, prose strings (with spaces), annotations (with
``TypeVar`` names and the type given to ``cast``), ``TYPE_CHECKING`` blocks
and class-level constants (rule metadata, enum values) are left alone. Each
mutant is written into a scratch copy of the tree (one per process;
``authlint`` imported from it through ``PYTHONPATH``), and the fast tests that
pin the rules' behaviour (:data:`STAGES`: the fixtures first, then the
model's, loader's, suppressions', options' and rule docs' tests) run on it
with ``-x`` under a timeout. A mutant the tests fail on (or that times out) is
killed; one they pass survives, and is listed with its file, line and
mutation.

    python tests/benchmarks/mutation.py --jobs 2                  # every mutant
    python tests/benchmarks/mutation.py --sample 400 --seed 1     # a seeded sample
    python tests/benchmarks/mutation.py --list                    # the mutants only
    python tests/benchmarks/mutation.py --json run.json           # keep the results
    python tests/benchmarks/mutation.py --rerun run.json          # only run.json's survivors
    python tests/benchmarks/mutation.py --rerun run.json --only linter/model/origins.py

``--rerun`` runs again only the survivors of an earlier run (tests only grow, so
what they killed stays killed) and prints the combined figures.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from queue import Queue

REPO = Path(__file__).resolve().parents[2]
TARGETS = {
    "rules": sorted(path for path in (REPO / "rules").rglob("*.py")),
    "model": sorted((REPO / "linter" / "model").glob("*.py")),
    # nginx's semantics, by subject: what the settings protocol is computed from.
    "settings": [
        REPO / "linter" / "nginx" / f"{name}.py"
        for name in (
            "settings",
            "inheritance",
            "handlers",
            "authentication",
            "headers",
            "cors",
            "rewrite",
            "variables",
            "cache",
            "buffers",
            "listens",
        )
    ],
}
# The fast tests that pin the rules' behaviour, in two stages: the fixtures
# (markers and snapshots) kill most mutants in a second or two; only their
# survivors run the rest.
STAGES = (
    ("tests/test_rule_fixtures.py",),
    (
        "tests/test_model_cors.py",
        "tests/test_rewrite_flow.py",
        "tests/test_model_cache.py",
        "tests/test_model_credentials.py",
        "tests/test_model_evidence.py",
        "tests/test_listen_defaults.py",
        "tests/test_nginx_response_headers.py",
        "tests/test_origin_allow_lists.py",
        "tests/test_regex_limits.py",
        "tests/test_scope.py",
        "tests/test_location_choice.py",
        "tests/test_nginx_semantics.py",
        "tests/test_loader.py",
        "tests/test_source_spans.py",
        "tests/test_workspace.py",
        "tests/test_suppressions.py",
        "tests/test_rule_options.py",
        "tests/test_rule_docs.py",
    ),
)
_COPIED_OUT = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "mutants"
)
_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_SYMBOLS = {
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
_CASE_CALLS = frozenset({"lower", "upper", "strip"})


@dataclass(frozen=True)
class Mutant:
    """One change: the text between two (line, column) points of ``path`` replaced."""

    target: str
    path: str  # relative to the repository, POSIX
    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str
    description: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


class _Finder(ast.NodeVisitor):
    """Lists the mutants of one module."""

    def __init__(self, target: str, path: str) -> None:
        self.target = target
        self.path = path
        self.found: list[Mutant] = []

    def mutant(self, node: ast.AST, replacement: str, description: str) -> None:
        assert node.end_lineno is not None
        assert node.end_col_offset is not None
        self.found.append(
            Mutant(
                self.target,
                self.path,
                node.lineno,
                node.col_offset,
                node.end_lineno,
                node.end_col_offset,
                replacement,
                description,
            )
        )

    # --- what is left alone -----------------------------------------------------------

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            return
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        # Messages: their wording is pinned by the snapshots, not worth a mutant each.
        return

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_arguments(self, node: ast.arguments) -> None:
        for default in (*node.defaults, *(d for d in node.kw_defaults if d is not None)):
            self.visit(default)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.visit(node.args)
        self._body(node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for statement in self._without_docstring(node.body):
            # Class-level constants: rule metadata, enum values, slots.
            if not isinstance(statement, (ast.Assign, ast.AnnAssign, ast.Expr)):
                self.visit(statement)

    def visit_Module(self, node: ast.Module) -> None:
        self._body(node.body)

    def _body(self, body: list[ast.stmt]) -> None:
        for statement in self._without_docstring(body):
            self.visit(statement)

    @staticmethod
    def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
        first = body[0] if body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            return body[1:]
        return body

    # --- mutations ----------------------------------------------------------------------

    def visit_Compare(self, node: ast.Compare) -> None:
        for index, op in enumerate(node.ops):
            swapped = _SWAPS.get(type(op))
            if swapped is None:
                continue
            ops = list(node.ops)
            ops[index] = swapped()
            changed = ast.Compare(node.left, ops, node.comparators)
            self.mutant(
                node,
                f"({ast.unparse(changed)})",
                f"`{_SYMBOLS[type(op)]}` -> `{_SYMBOLS[swapped]}`",
            )
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        other: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        names = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        self.mutant(
            node, f"({ast.unparse(ast.BoolOp(other, node.values))})", "`{}` -> `{}`".format(*names)
        )
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.mutant(node, f"({ast.unparse(node.operand)})", "`not` dropped")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self.mutant(node, repr(not value), f"`{value}` -> `{not value}`")
        elif isinstance(value, int):
            self.mutant(node, repr(value + 1), f"`{value}` -> `{value + 1}`")
        elif isinstance(value, str) and value and not any(c.isspace() for c in value):
            changed = value.upper() if value != value.upper() else value.lower()
            if changed != value:
                self.mutant(node, repr(changed), f"{value!r} -> {changed!r}")

    def visit_Continue(self, node: ast.Continue) -> None:
        self.mutant(node, "pass", "`continue` -> `pass`")

    def visit_Break(self, node: ast.Break) -> None:
        self.mutant(node, "pass", "`break` -> `pass`")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        # Typing at run time: a TypeVar's name and cast()'s type are annotations.
        if isinstance(func, ast.Name) and func.id == "TypeVar":
            return
        if isinstance(func, ast.Name) and func.id == "cast":
            for argument in node.args[1:]:
                self.visit(argument)
            return
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _CASE_CALLS
            and not node.args
            and not node.keywords
        ):
            self.mutant(node, f"({ast.unparse(func.value)})", f"`.{func.attr}()` removed")
        self.generic_visit(node)


def mutants() -> list[Mutant]:
    found: list[Mutant] = []
    for target, files in TARGETS.items():
        for file in files:
            finder = _Finder(target, file.relative_to(REPO).as_posix())
            finder.visit(ast.parse(file.read_text(), str(file)))
            found += sorted(finder.found, key=lambda m: (m.line, m.column, m.description))
    return found


def apply(source: str, mutant: Mutant) -> str:
    """``source`` with the mutant's span replaced (AST columns count UTF-8 bytes)."""
    lines = source.splitlines(keepends=True)

    def offset(line: int, column: int) -> int:
        before = sum(len(text) for text in lines[: line - 1])
        return before + len(lines[line - 1].encode()[:column].decode())

    start = offset(mutant.line, mutant.column)
    end = offset(mutant.end_line, mutant.end_column)
    return source[:start] + mutant.replacement + source[end:]


# --- running ---------------------------------------------------------------------------


class Scratch:
    """A copy of the tree whose ``authlint`` is imported from its own files."""

    def __init__(self, parent: Path) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="scratch-", dir=parent))
        shutil.copytree(REPO, self.root, ignore=_COPIED_OUT, dirs_exist_ok=True)
        # The installed layout: authlint is linter/, with rules/ and grammars/ inside.
        (self.root / "linter" / "rules").symlink_to(self.root / "rules")
        (self.root / "linter" / "grammars").symlink_to(self.root / "grammars")
        site = self.root / ".mutation-site"
        site.mkdir()
        (site / "authlint").symlink_to(self.root / "linter")
        self.env = {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"}
        self.mutated = 0

    def tests(self, timeout: float) -> str:
        """``killed``, ``survived`` or ``timeout``: the fast tests on this tree as it is."""
        deadline = time.monotonic() + timeout
        for stage in STAGES:
            command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
            try:
                done = subprocess.run(
                    [*command, *stage],
                    cwd=self.root,
                    env=self.env,
                    capture_output=True,
                    timeout=max(1.0, deadline - time.monotonic()),
                    check=False,
                )
            except subprocess.TimeoutExpired:
                return "timeout"
            if done.returncode != 0:
                return "killed"
        return "survived"

    def run(self, mutant: Mutant, timeout: float) -> str:
        file = self.root / mutant.path
        original = file.read_text()
        mutated = apply(original, mutant)
        try:
            compile(mutated, str(file), "exec")
        except SyntaxError:
            return "invalid"
        # Bytecode is cached, and checked against the source's size and
        # modification time: the mutant gets a time of its own, and the
        # original its own back, so that neither is read from the other's cache.
        stamp = file.stat().st_mtime_ns
        self.mutated += 1
        file.write_text(mutated)
        os.utime(file, ns=(stamp, stamp + self.mutated * 2_000_000_000))
        try:
            return self.tests(timeout)
        finally:
            file.write_text(original)
            os.utime(file, ns=(stamp, stamp))


def check_imports_from(scratch: Scratch) -> None:
    probe = "import authlint, authlint.rules; print(authlint.__file__, authlint.rules.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=scratch.root,
        env=scratch.env,
        capture_output=True,
        text=True,
        check=True,
    )
    if str(scratch.root) not in done.stdout.split()[0] or ".mutation-site" not in done.stdout:
        sys.exit(f"the scratch copy does not import its own authlint: {done.stdout}")


def run_all(chosen: list[Mutant], jobs: int, timeout: float | None) -> dict[Mutant, str]:
    with tempfile.TemporaryDirectory(prefix="authlint-mutation-") as parent:
        scratches: Queue[Scratch] = Queue()
        for _ in range(jobs):
            scratches.put(Scratch(Path(parent)))
        probe = scratches.get()
        check_imports_from(probe)
        started = time.monotonic()
        if probe.tests(timeout=600) != "survived":
            sys.exit("the fast tests fail on the unchanged tree")
        baseline = time.monotonic() - started
        limit = timeout or max(60.0, 3 * baseline)
        scratches.put(probe)
        print(
            f"{len(chosen)} mutants, {jobs} processes; the tests take {baseline:.0f} s "
            f"unchanged, {limit:.0f} s allowed",
            file=sys.stderr,
        )
        results: dict[Mutant, str] = {}

        def one(mutant: Mutant) -> None:
            scratch = scratches.get()
            try:
                results[mutant] = scratch.run(mutant, limit)
            finally:
                scratches.put(scratch)
            if results[mutant] == "survived":
                print(f"  survived: {mutant.where}: {mutant.description}", file=sys.stderr)
            if len(results) % 25 == 0:
                print(f"  {len(results)}/{len(chosen)}", file=sys.stderr)

        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(one, chosen))
        return results


def report(results: dict[Mutant, str]) -> Iterator[str]:
    yield "| target | killed | total | killed % |"
    yield "|---|---:|---:|---:|"
    counted = {m: r for m, r in results.items() if r != "invalid"}
    for target in [*TARGETS, "all"]:
        mine = [r for m, r in counted.items() if target in ("all", m.target)]
        killed = sum(r in ("killed", "timeout") for r in mine)
        share = f"{100 * killed / len(mine):.1f}" if mine else "-"
        yield f"| {target} | {killed} | {len(mine)} | {share} |"
    survivors = sorted((m for m, r in counted.items() if r == "survived"), key=_order)
    yield ""
    yield f"{len(survivors)} survivors:"
    yield from (f"  {m.where}: {m.description}" for m in survivors)


def _order(mutant: Mutant) -> tuple[str, int, int, str]:
    return (mutant.path, mutant.line, mutant.column, mutant.description)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample", type=int, help="run this many mutants, chosen by --seed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: 3x the tests)")
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    parser.add_argument("--json", type=Path, help="write every mutant's result to this file")
    parser.add_argument("--rerun", type=Path, help="run only the survivors of this --json file")
    parser.add_argument(
        "--only", action="append", default=[], help="run only mutants of paths starting so"
    )
    options = parser.parse_args()
    everything = mutants()
    if options.list:
        for mutant in everything:
            print(f"{mutant.where}: {mutant.description}")
        print(f"{len(everything)} mutants", file=sys.stderr)
        return
    earlier: dict[Mutant, str] = {}
    chosen = everything
    if options.rerun is not None:
        recorded = json.loads(options.rerun.read_text())
        earlier = {Mutant(**item["mutant"]): item["result"] for item in recorded}
        chosen = [m for m in everything if earlier.get(m) == "survived"]
        # Mutants of lines changed since are new: run them too.
        chosen += [m for m in everything if m not in earlier]
    elif options.sample is not None and options.sample < len(everything):
        chosen = sorted(random.Random(options.seed).sample(everything, options.sample), key=_order)
    if options.only:
        chosen = [m for m in chosen if m.path.startswith(tuple(options.only))]
    started = time.monotonic()
    results = {**{m: r for m, r in earlier.items() if m in set(everything)}}
    results.update(run_all(chosen, max(1, options.jobs), options.timeout))
    print(f"done in {(time.monotonic() - started) / 60:.1f} min", file=sys.stderr)
    if options.json is not None:
        options.json.write_text(
            json.dumps(
                [
                    {"mutant": asdict(m), "result": r}
                    for m, r in sorted(results.items(), key=lambda i: _order(i[0]))
                ],
                indent=1,
            )
            + "\n"
        )
    print("\n".join(report(results)))


if __name__ == "__main__":
    main()
