"""What the tree benchmarks share: CPU and wall timings, and authlint run in process or
as the command a user types."""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from authlint.engine import run
from authlint.formats import IncludeOptions
from authlint.reporters import renderer

Argument = TypeVar("Argument")


def cpu_seconds(action: Callable[[Argument], object], argument: Argument, gc_paused: bool) -> float:
    gc.collect()  # the previous run's garbage is not this run's cost
    if gc_paused:
        gc.disable()
    try:
        start = time.process_time()
        action(argument)
        return time.process_time() - start
    finally:
        gc.enable()


def wall_seconds(action: Callable[[Argument], object], argument: Argument, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action(argument)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def lint_in_process(tree: Path) -> str:
    return renderer("json")(run([tree], IncludeOptions(), cwd=tree))


def lint_command(tree: Path) -> None:
    # As installed, Python keeps authlint's compiled modules: a machine that says
    # PYTHONDONTWRITEBYTECODE would time compiling every module on every run instead.
    environment = {
        name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"
    }
    subprocess.run(
        [sys.executable, "-m", "authlint", "check", "--format", "json", str(tree)],
        stdout=subprocess.DEVNULL,
        check=False,
        env=environment,
    )
