"""The fuzzer's long mode: mutated configs through ``authlint check`` for minutes.

Runs the cases of ``tests/fuzzing.py`` from ``--seed`` (default: one from the
clock, printed) until ``--minutes`` or ``--cases`` run out, with the slow
mutations at full weight, and prints each failure as it comes. At the end it
prints what ran (cases per shape, per way of running, per mutation, the
slowest cases) and, for each kind of failure, its first case minimised: the
files and the command line that still fail the same way.

    python tests/benchmarks/fuzz.py --minutes 10
    python tests/benchmarks/fuzz.py --seed 1234 --cases 5000
    python tests/benchmarks/fuzz.py --case 3141592653 --keep /tmp/case   # one case again

Each case is checked in a process forked for it, whose address space is
capped (``--memory``): what a case does to memory ends with it, a run that
would take all the memory fails with MemoryError (an internal error), and a
case that kills its process is a failure of its own.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import signal
import sys
import tempfile
import time
from collections import Counter
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzzing import (
    CORPUS,
    SHAPES,
    Case,
    Failure,
    case_seeds,
    check,
    generate,
    minimise,
    write_tree,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=None, help="the run's seed [the clock]")
    parser.add_argument("--minutes", type=float, default=10.0, help="stop after this long [10]")
    parser.add_argument("--cases", type=int, default=None, help="stop after this many cases")
    parser.add_argument("--slow", type=float, default=1.0, help="weight of the slow mutations")
    parser.add_argument("--case", type=int, default=None, help="run this one case (its seed)")
    parser.add_argument("--keep", type=Path, default=None, help="write --case's tree here")
    parser.add_argument("--memory", type=int, default=8, help="a case's memory cap, GiB [8]")
    options = parser.parse_args()
    memory = options.memory * 2**30
    if options.case is not None:
        one_case(generate(options.case, options.slow), options.keep, memory)
        return
    seed = options.seed if options.seed is not None else time.time_ns() % 2**32
    corpus = "the corpus" if CORPUS.is_dir() else "the built-in configs only (no corpus)"
    print(f"seed {seed}, {corpus}, slow mutations at weight {options.slow}", flush=True)
    deadline = time.monotonic() + options.minutes * 60
    seeds = case_seeds(seed) if options.cases is None else islice(case_seeds(seed), options.cases)
    shapes: Counter[str] = Counter()
    vias: Counter[str] = Counter()
    mutations: Counter[str] = Counter()
    slowest: list[tuple[float, str]] = []
    failed: dict[str, tuple[Case, str]] = {}
    counts: Counter[str] = Counter()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="authlint-fuzz-") as folder:
        workdir = Path(folder)
        for case_seed in seeds:
            if time.monotonic() > deadline:
                break
            case = generate(case_seed, options.slow)
            began = time.monotonic()
            failures = forked_check(case, workdir, memory)
            seconds = time.monotonic() - began
            shapes[case.shape] += 1
            vias[case.via] += 1
            mutations.update(mutation.split("(")[0] for mutation in case.mutations)
            slowest = sorted([*slowest, (seconds, case.describe())], reverse=True)[:5]
            for failure in failures:
                counts[failure.kind] += 1
                print(f"FAIL {failure.kind}\n  {case.describe()}", flush=True)
                failed.setdefault(failure.kind, (case, failure.detail))
        elapsed = time.monotonic() - started
        total = sum(shapes.values())
        print(f"\n{total} cases in {elapsed / 60:.1f} min ({total / elapsed:.1f} per second)")
        print("shapes:", ", ".join(f"{shapes[shape]} {shape}" for shape in SHAPES))
        print("run:", ", ".join(f"{count} {via}" for via, count in vias.most_common()))
        print("mutations:", ", ".join(f"{count} {name}" for name, count in mutations.most_common()))
        print("slowest cases:")
        for seconds, description in slowest:
            print(f"  {seconds:.1f} s  {description[:160]}")
        if not failed:
            print("no failure")
        for kind, (case, detail) in failed.items():
            print(f"\n=== {counts[kind]} x {kind}\nfirst: {case.describe()}\n{detail[:3000]}")
            show_minimised(case, kind, workdir, memory)


def forked_check(case: Case, workdir: Path, memory: int) -> list[Failure]:
    """:func:`check` in a child process whose address space is capped at ``memory`` bytes."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reading)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        try:
            answer = pickle.dumps(check(case, workdir))
        except BaseException as exc:  # the fuzzer's own error, said rather than lost
            answer = pickle.dumps([Failure("the fuzzer failed", repr(exc))])
        with os.fdopen(writing, "wb") as pipe:
            pipe.write(answer)
        # At once: the parent's exit handlers (its temporary folder) are not the child's.
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        answer = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not answer:
        number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        how = signal.Signals(number).name if number else f"exit {os.WEXITSTATUS(status)}"
        return [Failure(f"the case's process died ({how})", "")]
    failures: list[Failure] = pickle.loads(answer)
    return failures


def one_case(case: Case, keep: Path | None, memory: int) -> None:
    print(case.describe())
    with tempfile.TemporaryDirectory(prefix="authlint-fuzz-") as folder:
        failures = forked_check(case, Path(folder), memory)
        for failure in failures:
            print(f"\nFAIL {failure.kind}\n{failure.detail[:3000]}")
            show_minimised(case, failure.kind, Path(folder), memory)
    if not failures:
        print("no failure")
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        write_tree(case, keep)
        if case.stdin is not None:
            (keep / "stdin").write_bytes(case.stdin)
        print(f"the case's tree is in {keep}")


def show_minimised(case: Case, kind: str, workdir: Path, memory: int) -> None:
    """The smallest case found that fails as ``case`` does (the same kind of failure)."""

    def fails(candidate: Case) -> bool:
        return any(failure.kind == kind for failure in forked_check(candidate, workdir, memory))

    smaller = minimise(case, fails)
    print(f"minimised: {smaller.describe()}")
    for name, content in sorted(smaller.files.items()):
        print(f"  file {name!r}: {content[:600]!r}{' ...' if len(content) > 600 else ''}")
    for name, target in sorted(smaller.links.items()):
        print(f"  link {name!r} -> {target!r}")
    if smaller.stdin is not None:
        print(f"  stdin: {smaller.stdin[:600]!r}{' ...' if len(smaller.stdin) > 600 else ''}")


if __name__ == "__main__":
    main()
