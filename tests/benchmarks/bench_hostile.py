"""Benchmark: how long the hostile inputs of issue 9 take, bounded by the run's limits.

Each case is a small tree written to a temporary folder, beside a file that
must still be linted (its finding is checked):

- an include bomb: 25 files of a few bytes, each including the next twice
  (nginx would read 2**25 copies), read from a tree and from an ``nginx -T``
  dump on standard input;
- an allow-list ``map`` of 40 regexes that backtrack without end, 1.5 KB;
- the same map at 60 KB (1,600 regexes).

It runs the ``authlint check`` command ``--repeat`` times per case and
prints the median wall and CPU time (the child's user + system) as a
Markdown table.

    python tests/benchmarks/bench_hostile.py --repeat 5
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hostile import CANARY, dump, include_bomb, slow_allow_list


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str]
    stdin: str | None = None


CASES = [
    Case("include bomb, 25 levels", {**include_bomb(25), "canary.conf": CANARY}),
    Case("include bomb, 25 levels, `nginx -T` on stdin", {}, dump(include_bomb(25))),
    Case(
        "40 backtracking regexes (1.5 KB)",
        {"slow.conf": slow_allow_list(40), "canary.conf": CANARY},
    ),
    Case(
        "1,600 backtracking regexes (60 KB)",
        {"slow.conf": slow_allow_list(1600), "canary.conf": CANARY},
    ),
]


def measure(case: Case, root: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``authlint check`` of the case."""
    command = [sys.executable, "-m", "authlint", "check", "--isolated", "--format", "json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "-" if case.stdin is not None else "."],
        cwd=root,
        input=case.stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1) or "internal error" in done.stderr:
        raise SystemExit(f"{case.name}: exit {done.returncode}: {done.stderr}")
    if case.stdin is None and '"AL102"' not in done.stdout:
        raise SystemExit(f"{case.name}: the file beside it was not linted")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    print("| input | wall (median) | CPU (median) |")
    print("|---|---:|---:|")
    for case in CASES:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            for name, text in case.files.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_text(text)
            runs = [measure(case, root) for _ in range(options.repeat)]
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        print(f"| {case.name} | {wall:.2f} s | {cpu:.2f} s |", flush=True)
    print(f"\n{options.repeat} runs each, {os.cpu_count()} CPUs.")


if __name__ == "__main__":
    main()
