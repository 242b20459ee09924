"""Worker processes for ``--jobs``: results in the order of the work, failures as one error."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

# Items sent to a worker at once: enough to amortise the round trip, few
# enough that the workers finish together and progress moves steadily.
_MAX_CHUNK = 32
_CHUNKS_PER_WORKER = 8


class WorkerError(Exception):
    """A worker process died, or its result could not be brought back."""


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's or ``taskset``'s limit included)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def ordered_map(
    function: Callable[[Item], Outcome],
    items: Sequence[Item],
    processes: int,
    start_method: str | None = None,
) -> Iterator[Outcome]:
    """``map(function, items)``, computed by up to ``processes`` worker processes.

    Results come in the order of ``items``, whichever worker finishes first.
    With one process, or one item, nothing is started. An exception raised
    by ``function`` is raised here, as a serial run would raise it; a worker
    that dies raises :class:`WorkerError`. ``function`` must be a module-level
    function, and items and results picklable.
    """
    workers = min(processes, len(items))
    if workers <= 1:
        yield from map(function, items)
        return
    chunk = max(1, min(_MAX_CHUNK, len(items) // (workers * _CHUNKS_PER_WORKER)))
    context = multiprocessing.get_context(start_method or _default_start_method())
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_interrupts)
    try:
        yield from executor.map(function, items, chunksize=chunk)
    except BrokenProcessPool:
        raise WorkerError("a worker process stopped before returning its results") from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _default_start_method() -> str | None:
    # A forked worker starts at once with everything already imported. Only
    # on Linux: macOS's system libraries are not safe to fork, and Windows
    # cannot; there the platform's default (spawn) applies.
    return "fork" if sys.platform.startswith("linux") else None


def _ignore_interrupts() -> None:
    """Ctrl-C is the parent's to handle: a worker must not print a traceback for it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
