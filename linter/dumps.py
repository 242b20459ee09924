"""What a server prints of its whole configuration, written back out as files.

``nginx -T`` prints each file's text; ``apachectl -t -D DUMP_CONFIG`` each
directive with its file and line. Either is read from standard input and
written under a private temporary folder, at the paths the server named, so
that the model reads it as a tree of files and reports those paths.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence


class DumpError(Exception):
    """Standard input that cannot be read safely as a config or a dump."""


@dataclass(frozen=True)
class DumpedFile:
    """One file of a dump: its absolute path on the server (normalised) and its text."""

    path: str
    text: str


def normalised_path(raw: str, where: str, relative_fix: str) -> str:
    """``raw`` as a normalised absolute path, or :class:`DumpError` saying ``where``.

    ``.`` and empty parts are dropped (servers print ``/etc/nginx/./x.conf``
    as they opened it); a relative path, a ``..`` part (it could climb out of
    the copy written here), and a character that cannot be printed (a control
    character, a byte not in UTF-8) are refused.
    """
    if not raw.isprintable():
        raise DumpError(f"{where} names a path with a control character or a byte not in UTF-8")
    if not raw.startswith("/"):
        raise DumpError(f"{where} names the relative path `{raw}`; {relative_fix}")
    parts = [part for part in raw.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise DumpError(f"{where} names `{raw}`, whose `..` could lead out of the dump")
    if not parts:
        raise DumpError(f"{where} names `{raw}`, which is no file")
    return "/" + "/".join(parts)


@contextmanager
def written_out(files: Sequence[DumpedFile]) -> Iterator[tuple[Path, dict[Path, str]]]:
    """``files`` written at their own paths under a private temporary folder, removed after.

    Yields the folder (mode 0700, symlinks resolved) and the written paths ->
    the paths they stand for, in the dump's order: the main config first.
    The folder holds a server's whole config, so it is removed on every way
    out: an exception, Ctrl-C, and also ``SIGTERM`` and ``SIGHUP`` (which
    end the process with their usual status, 128 plus the signal's number).
    Those signals wait while the folder is made and while it is removed, so
    that none comes between the folder and the code that removes it.
    """
    folder: str | None = None
    with _exit_on_termination():
        try:
            # A signal held here arrives as the block ends: after `folder` is set.
            with _signals_held():
                folder = tempfile.mkdtemp(prefix="authlint-")
            root = Path(folder).resolve()
            yield root, _write(files, root)
        finally:
            if folder is not None:
                with _signals_held():
                    shutil.rmtree(folder, ignore_errors=True)


# The signals that end a run; a folder of the dump must not outlive any of them.
_ENDING_SIGNALS = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Inside the block, the signals that end a run wait, and arrive when it ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _ENDING_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def _exit_on_termination() -> Iterator[None]:
    """Inside the block, ``SIGTERM`` and ``SIGHUP`` raise ``SystemExit``, so that the
    blocks around unwind (by default the process would end on the spot)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGTERM", "SIGHUP")
    signals = [getattr(signal, name) for name in names if hasattr(signal, name)]
    previous = {number: signal.signal(number, _exit) for number in signals}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _exit(number: int, frame: object) -> None:
    raise SystemExit(128 + number)


def _write(files: Sequence[DumpedFile], root: Path) -> dict[Path, str]:
    """Write ``files`` under ``root``, byte for byte (standard input is decoded with
    ``surrogateescape``); the written paths -> the originals."""
    written: dict[Path, str] = {}
    for dumped in files:
        target = root / dumped.path.lstrip("/")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(dumped.text.encode("utf-8", "surrogateescape"))
        except OSError as exc:
            raise DumpError(
                f"`{dumped.path}` cannot be written to a temporary folder: "
                f"{exc.strerror or type(exc).__name__}"
            ) from None
        written[target] = dumped.path
    return written
