"""Progress of a run on a terminal: a one-line bar on stderr that stdout never sees."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import TracebackType

# "More than a handful of files": below this a run ends before a bar helps.
MIN_FILES = 20
_WIDTH = 30
_REDRAW_SECONDS = 0.1


def show_progress(
    files: int,
    *,
    wanted: bool,
    stderr_is_terminal: bool,
    environ: Mapping[str, str],
) -> bool:
    """Whether a run over ``files`` files shows a progress bar.

    Only on a terminal (pre-commit runs hooks under a pseudo-terminal, so
    ``PRE_COMMIT`` and ``CI`` turn it off as well, as does a dumb terminal),
    never with ``--no-progress``, and only for more than :data:`MIN_FILES`
    files. (Standard input, one config or one dump, never has a bar.)
    """
    return (
        wanted
        and stderr_is_terminal
        and files > MIN_FILES
        and not environ.get("PRE_COMMIT")
        and not environ.get("CI")
        and environ.get("TERM") != "dumb"
    )


class Progress:
    """Where a run reports how far it is; this one shows nothing.

    A run announces each phase (``start``: what is counted and how many),
    then ``advance`` as each one is done. Used as a context manager, it
    finishes however the run ends, so that an error message starts on a
    clean line.
    """

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.finish()

    def start(self, unit: str, total: int) -> None:
        """A phase begins: ``total`` ``unit`` (``files``, ``rules``) to go through."""

    def advance(self, steps: int = 1) -> None:
        """``steps`` more are done."""

    def finish(self) -> None:
        """The run is over (or failed): leave the terminal as it was."""


class ProgressBar(Progress):
    """A bar on one line of ``stream``, redrawn at most ten times a second, erased at the end.

    It shows itself only when :func:`show_progress` says so for the first
    phase's count, which is the files of the run.
    """

    def __init__(self, stream: TextIO, decide: Callable[[int], bool]) -> None:
        self.stream = stream
        self.decide = decide
        self.visible: bool | None = None
        self.unit = ""
        self.total = 0
        self.done = 0
        self._drawn_at = 0.0

    def start(self, unit: str, total: int) -> None:
        if self.visible is None:
            self.visible = self.decide(total)
        self.unit, self.total, self.done = unit, total, 0
        self._draw()

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        if time.monotonic() - self._drawn_at >= _REDRAW_SECONDS or self.done >= self.total:
            self._draw()

    def finish(self) -> None:
        if self.visible:
            self.stream.write("\r\033[K")
            self.stream.flush()
        self.visible = False

    def _draw(self) -> None:
        if not self.visible:
            return
        done = min(self.done, self.total)
        filled = _WIDTH * done // self.total if self.total else _WIDTH
        bar = "#" * filled + "-" * (_WIDTH - filled)
        self.stream.write(f"\rauthlint [{bar}] {done}/{self.total} {self.unit}\033[K")
        self.stream.flush()
        self._drawn_at = time.monotonic()
