"""Benchmark: ``authlint check --jobs N`` against a serial run, on big trees.

For each tree (generated ones of N servers, as in ``bench_tree.py``, and the
real-world corpus beside the repository when it is there), it runs the
command in ``--repeat`` rounds. Within a round each ``--jobs`` value runs
once, in an order that alternates from round to round, so that all of them
see the same machine (it is shared and noisy: compare medians, not single
runs). It measures wall time, interpreter start included, as a user waits
for it, and checks that every run's output is byte for byte that of the
first ``--jobs`` value. It prints, as a Markdown table, the median per
value, the ratio of the medians to the first value's, and the median of the
per-round ratios.

    python tests/benchmarks/bench_jobs.py --sizes 1000 5000 --jobs 1 2 --repeat 9
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_tree import generate

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
BURN = "total = 0\nfor number in range({count}):\n    total += number * number\n"
BURN_COUNT = 10_000_000


def ceiling() -> float:
    """How much faster two CPU-bound processes run side by side than one after the other."""
    one = [sys.executable, "-c", BURN.format(count=2 * BURN_COUNT)]
    half = [sys.executable, "-c", BURN.format(count=BURN_COUNT)]
    start = time.perf_counter()
    subprocess.run(one, check=True)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    pair = [subprocess.Popen(half), subprocess.Popen(half)]
    for process in pair:
        process.wait()
    return serial / (time.perf_counter() - start)


def lint(tree: Path, jobs: int) -> tuple[float, bytes]:
    """Wall seconds of one ``authlint check`` of ``tree``, and its output."""
    command = [sys.executable, "-m", "authlint", "check", "--format", "json"]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "--jobs", str(jobs), "."], cwd=tree, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"authlint failed on {tree} with --jobs {jobs}: {done.stderr.decode()}")
    return elapsed, done.stdout


def measure(
    tree: Path, jobs: list[int], repeat: int, ceilings: list[float]
) -> dict[int, list[float]]:
    """Wall times per ``--jobs`` value, over interleaved rounds; outputs must all match.

    Each round adds the machine's ceiling of that moment to ``ceilings``.
    """
    times: dict[int, list[float]] = {value: [] for value in jobs}
    reference: bytes | None = None
    for round_number in range(repeat):
        ceilings.append(ceiling())
        order = jobs if round_number % 2 == 0 else list(reversed(jobs))
        for value in order:
            elapsed, output = lint(tree, value)
            reference = output if reference is None else reference
            if output != reference:
                sys.exit(f"--jobs {value} changed the output on {tree}")
            times[value].append(elapsed)
    return times


def report(name: str, files: str, times: dict[int, list[float]]) -> None:
    serial, *_ = times
    base = statistics.median(times[serial])
    for value, values in times.items():
        median = statistics.median(values)
        per_round = statistics.median(a / b for a, b in zip(times[serial], values, strict=True))
        print(
            f"| {name} | {files} | {value} | {median:.2f} s | {base / median:.2f}x "
            f"| {per_round:.2f}x | {min(values):.2f} s |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    options = parser.parse_args()
    print(
        "| tree | files | --jobs | median wall | speed-up (medians) "
        "| speed-up (median of rounds) | fastest |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    ceilings: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in options.sizes:
            tree = Path(scratch, f"n{size}")
            generate(tree, size)
            times = measure(tree, options.jobs, options.repeat, ceilings)
            report(f"{size} servers", str(size + 3), times)
    nginx = options.corpus / "nginx"
    if nginx.is_dir():
        files = sum(1 for path in nginx.rglob("*") if path.is_file())
        report("corpus nginx/", str(files), measure(nginx, options.jobs, options.repeat, ceilings))
    quartiles = statistics.quantiles(ceilings, n=4)
    print(
        f"\nMachine ceiling: two CPU-bound processes side by side ran "
        f"{statistics.median(ceilings):.2f}x as fast as one doing both (median of "
        f"{len(ceilings)} rounds, quartiles {quartiles[0]:.2f}x-{quartiles[2]:.2f}x; "
        "2.00x on two free cores)."
    )


if __name__ == "__main__":
    main()
