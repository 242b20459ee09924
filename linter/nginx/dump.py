"""The output of ``nginx -T``: a server's whole config, split back into its files.

``nginx -T`` tests the config, then writes every file it read (the main
config first, then each include in the order nginx read it, each file once)
as a ``# configuration file PATH:`` line, the file's text exactly as it is
on disk, and a newline of its own. The path is the one nginx opened: the
configuration prefix joined to the include as written, so it may hold
``./`` or ``//`` (and ``..`` when an include climbs). Its messages (``nginx:
the configuration file ... syntax is ok``, ``... test is successful``,
warnings) go to standard error before the dump, so with ``2>&1`` they come
first; they are skipped. A config that fails the test is not dumped at all:
only the messages remain.

nginx's format cannot tell a file's own line that reads ``# configuration
file PATH:`` from its header; such a line starts a new file here too.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from authlint.dumps import DumpedFile, DumpError, normalised_path, written_out
from authlint.formats import IncludeOptions
from authlint.model.workspace import Workspace
from authlint.nginx.loader import NginxLoader

if TYPE_CHECKING:
    from collections.abc import Iterator

# A header is a whole line; its path runs to the last colon.
HEADER = re.compile(r"^# configuration file (.*):$", re.MULTILINE)
# What nginx writes to standard error: "nginx: ..." from the command itself,
# and error-log lines ("2024/01/31 12:00:00 [warn] 123#123: ...") from the
# config test.
_NGINX_MESSAGE = re.compile(
    r"^(?:nginx: |\d{4}/\d\d/\d\d \d\d:\d\d:\d\d "
    r"\[(?:debug|info|notice|warn|error|crit|alert|emerg)\] \d+#\d+: )"
)


@contextmanager
def standard_input_loaded(text: str, name: str, includes: IncludeOptions) -> Iterator[Workspace]:
    """The model of ``text``, while the files it is written out to last.

    The output of ``nginx -T`` is the server's whole config: its files are
    loaded as one tree from its main config, each include resolving in the
    dump as nginx resolved it, and reported at their paths on the server.
    Any other text is one file reported as ``name``, alone in an empty tree,
    its includes resolving as a standalone file's would. Raises
    :class:`DumpError` for a dump that cannot be read safely.
    """
    dumped = split_dump(text)
    files = dumped if dumped is not None else [DumpedFile("/stdin", text)]
    with written_out(files) as (root, written):
        workspace = Workspace()
        if dumped is None:
            names = dict.fromkeys(written, name)
            NginxLoader(workspace, root, root, includes, names).load(written)
        else:
            # Only the dump is read: the options that reach outside a tree do not apply.
            loader = NginxLoader(workspace, root, root, IncludeOptions(mirror=True), written)
            loader.load(written, main=next(iter(written)))
        yield workspace


def split_dump(text: str) -> list[DumpedFile] | None:
    """The files of an ``nginx -T`` dump, the main config first.

    ``None`` when ``text`` holds no ``# configuration file`` line: it is a
    config of its own. Raises :class:`DumpError` for a path that is not a
    safe absolute path, for text before the first file that is not nginx's
    messages, for a path dumped twice with different texts, and for nginx's
    messages without a config (its test failed).
    """
    headers = list(HEADER.finditer(text))
    if not headers:
        _reject_messages_only(text)
        return None
    for number, line in enumerate(text[: headers[0].start()].split("\n"), start=1):
        if line.strip() and not _NGINX_MESSAGE.match(line):
            raise DumpError(
                f"standard input line {number}: text before the first `# configuration file` "
                "line is not nginx's; pipe only the output of `nginx -T` into authlint"
            )
    files: dict[str, DumpedFile] = {}
    ends = [header.start() for header in headers[1:]] + [len(text)]
    number, counted = 1, 0
    for header, end in zip(headers, ends, strict=True):
        number += text.count("\n", counted, header.start())
        counted = header.start()
        body = text[header.end() + 1 : end]
        # nginx ends each file with a newline of its own.
        dumped = DumpedFile(safe_path(header.group(1), number), body.removesuffix("\n"))
        if files.setdefault(dumped.path, dumped).text != dumped.text:
            raise DumpError(
                f"standard input line {number}: `{dumped.path}` is dumped twice "
                "with different texts"
            )
    _reject_file_folders(list(files))
    return list(files.values())


def safe_path(raw: str, line: int) -> str:
    """``raw`` as a normalised absolute path, or :class:`DumpError` naming ``line``."""
    return normalised_path(
        raw,
        f"standard input line {line}: `# configuration file`",
        "authlint needs the absolute paths that `nginx -T` prints when its prefix (-p) is absolute",
    )


def _reject_messages_only(text: str) -> None:
    """nginx's messages and no config: ``nginx -T 2>&1`` on a config that failed its test."""
    filled = [line for line in text.split("\n") if line.strip()]
    if filled and all(_NGINX_MESSAGE.match(line) for line in filled):
        raise DumpError(
            "standard input holds nginx's messages but no configuration: "
            "`nginx -T` failed; run it alone to see why"
        )


def _reject_file_folders(paths: list[str]) -> None:
    """A path that is a file and also a folder of another file cannot be written out."""
    folders = {str(folder) for path in paths for folder in PurePosixPath(path).parents}
    clash = sorted(folders.intersection(paths))
    if clash:
        raise DumpError(f"`{clash[0]}` is dumped as a file and as a folder of other files")
