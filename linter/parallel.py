"""Worker processes for ``--jobs``, and their failures as one error.

``multiprocessing`` and ``concurrent.futures`` are imported only when
workers are started: they would add a fifth to a serial run's start-up, which
is what a pre-commit hook on a few files waits for.
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.context import BaseContext


class WorkerError(Exception):
    """A worker process died, or its result could not be brought back."""


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's or ``taskset``'s limit included)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_context(start_method: str | None = None) -> BaseContext:
    """How workers start: ``start_method``, or by default forked on Linux.

    A forked worker starts at once with everything already imported. Only on
    Linux: macOS's system libraries are not safe to fork, and Windows cannot;
    there the platform's default (spawn) applies.
    """
    import multiprocessing

    if start_method is None and sys.platform.startswith("linux"):
        start_method = "fork"
    return multiprocessing.get_context(start_method)


@contextmanager
def worker_pool(
    processes: int,
    context: BaseContext,
    setup: Callable[..., object] | None = None,
    setup_args: tuple[object, ...] = (),
) -> Iterator[ProcessPoolExecutor]:
    """``processes`` worker processes for the block, shut down when it ends.

    Each worker first runs ``setup(*setup_args)`` (how it receives objects
    shared with this process). An exception raised by submitted work is
    raised by its future's ``result()``, as a serial run would raise it; a
    worker that dies makes ``result()`` raise, and the block then ends with
    :class:`WorkerError`. Work still queued when the block ends is cancelled.
    Submitted functions must be module-level, their arguments and results
    picklable.
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    executor = ProcessPoolExecutor(
        processes, mp_context=context, initializer=_start_worker, initargs=(setup, setup_args)
    )
    try:
        yield executor
    except BrokenProcessPool:
        raise WorkerError("a worker process stopped before returning its results") from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _start_worker(setup: Callable[..., object] | None, setup_args: tuple[object, ...]) -> None:
    # Ctrl-C is the parent's to handle: a worker must not print a traceback for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if setup is not None:
        setup(*setup_args)
