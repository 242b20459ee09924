"""A mutation fuzzer for ``authlint check``: real configs, broken on purpose, checked run by run.

:func:`generate` turns one integer seed into one case: a seed config (a file
or a folder of the corpus beside the repository, or one of the small configs
below when the corpus is absent), mutated one to three times (broken bytes,
lines and braces, other encodings, NUL bytes, symbolic link loops, include
bombs, regexes that backtrack, odd file names, ...), and a command line that
names it: the tree, some of its files, or standard input (a plain config or
an ``nginx -T`` dump). The same seed gives the same case, so a failure is
reproduced from the seed it prints.

:func:`check` runs a case through the command, in this process (the
``main`` entry point, with its streams replaced) or in a subprocess (also
with ``--jobs 2``), and returns what went wrong: an internal error or a
traceback, an exit status other than 0 or 1 (2 only for the refusals the
README documents), a file named on the command line that is neither read
nor the place of a finding, output that differs between two runs of the
same input, or a run past its time limit.

``tests/test_fuzz.py`` runs a few hundred cases in the suite;
``tests/benchmarks/fuzz.py`` runs for minutes and minimises what it finds.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from random import Random
from typing import Any

from conftest import CORPUS

# A run that takes longer has hung: a normal case takes milliseconds, one
# whose regexes backtrack a few seconds (authlint's budget is 2 s of CPU).
RUN_SECONDS = 30.0
# Variables that change the format, colour or extra outputs of a run.
_DROPPED_VARIABLES = (
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "CI",
    "PRE_COMMIT",
)

# --- seed configs -------------------------------------------------------------------

Files = dict[bytes, bytes]

BUILTIN: dict[str, Files] = {
    "builtin/site": {
        b"nginx.conf": b"""\
user www-data;
events { worker_connections 64; }
http {
    include mime.types;
    proxy_set_header Authorization $http_authorization;
    map $http_origin $cors {
        default "";
        "~^https://(app|admin)\\.example\\.com$" $http_origin;
    }
    include conf.d/*.conf;
}
""",
        b"conf.d/app.conf": b"""\
server {
    listen 80;
    server_name app.example.com *.example.org ~^(?<sub>.+)\\.example\\.net$;
    location / {
        include snippets/proxy.conf;
        proxy_pass http://127.0.0.1:9000;
    }
    location /api/ {
        add_header Access-Control-Allow-Origin $cors always;
        add_header Access-Control-Allow-Credentials true always;
        auth_basic "api";
        auth_basic_user_file /etc/nginx/htpasswd;
        proxy_pass http://127.0.0.1:9001;
    }
    location ~ ^/static/(.+)\\.(css|js)$ {
        expires 1d;
        add_header Cache-Control "public";
    }
}
""",
        b"snippets/proxy.conf": b"""\
proxy_set_header Host $host;
proxy_set_header X-Request-Id $request_id;  # authlint: ignore[AL101] the id is enough
""",
    },
    "builtin/cache": {
        b"cache.conf": b"""\
proxy_cache_path /var/cache/nginx keys_zone=pages:10m max_size=1g;
large_client_header_buffers 4 8k;
server {
    listen 443 ssl;
    location /account/ {
        proxy_cache pages;
        proxy_cache_valid 200 401 10m;
        proxy_ignore_headers Cache-Control Set-Cookie;
        proxy_cache_bypass $http_authorization;
        proxy_pass http://backend;
    }
    location = /auth {
        internal;
        proxy_pass http://127.0.0.1:9100;
    }
    location /private/ {
        auth_request /auth;
        if ($http_origin ~* "^https?://.*\\.example\\.com") {
            add_header Access-Control-Allow-Origin $http_origin;
        }
        proxy_pass http://127.0.0.1:9200;
    }
}
""",
    },
    "builtin/dump": {
        b"etc/nginx/nginx.conf": b"events {}\nhttp {\n    include /etc/nginx/sites-enabled/*;\n}\n",
        b"etc/nginx/sites-enabled/admin": b"""\
server {
    listen 80;
    location /admin/ {
        proxy_set_header Authorization "";
        proxy_pass http://127.0.0.1:8080;
    }
}
""",
    },
}


@dataclass(frozen=True)
class Seed:
    """A config to mutate: ``files`` as they are on disk, ``main`` the file to start from."""

    name: str
    files: Files
    main: bytes


@cache
def seeds() -> tuple[Seed, ...]:
    """The built-in configs, and each nginx file of the corpus with the folder around it."""
    mains = {"builtin/site": b"nginx.conf", "builtin/dump": b"etc/nginx/nginx.conf"}
    builtin = [
        Seed(name, files, mains.get(name, next(iter(files)))) for name, files in BUILTIN.items()
    ]
    return (*builtin, *_corpus_seeds())


# A seed's folder holds at most this many files: includes resolve among them.
_FOLDER_FILES = 40


def _corpus_seeds() -> list[Seed]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        paths = sorted(row["local_path"] for row in rows if row["kind"] == "nginx")
    found = []
    for local_path in paths:
        path = CORPUS / local_path
        # The repository's folder when it is small, else the file's own folder.
        repository = CORPUS / Path(local_path).parts[0] / Path(local_path).parts[1]
        folder = repository if len(_folder(repository)) <= _FOLDER_FILES else path.parent
        names = _folder(folder)
        relative = os.fsencode(path.relative_to(folder))
        kept = [relative, *(name for name in names if name != relative)][:_FOLDER_FILES]
        files = {name: _read(folder / os.fsdecode(name)) for name in kept}
        found.append(Seed(local_path, files, relative))
    return found


@cache
def _read(path: Path) -> bytes:
    # Cached: the seeds of one folder share its files.
    return path.read_bytes()


@cache
def _folder(folder: Path) -> tuple[bytes, ...]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return tuple(sorted(os.fsencode(path.relative_to(folder)) for path in files))


# --- cases ----------------------------------------------------------------------------


@dataclass
class Case:
    """One run of ``authlint check`` to make: a tree to write and a command line.

    ``files`` and ``links`` are keyed by path relative to the tree (bytes: a
    name need not be UTF-8); ``links`` maps a symbolic link to its target.
    ``shape`` is what the command line names: ``tree`` (``.``), ``named``
    (some of its files), ``file`` (one file, with what mutations added),
    ``stdin`` (one config) or ``dump`` (``nginx -T``'s output). ``args``
    follow ``check``; ``stdin`` is standard input, if read. ``via`` is how
    the command runs: ``in-process``, ``subprocess`` or ``jobs`` (a
    subprocess with ``--jobs 2``).
    """

    seed: int
    origin: str
    shape: str
    files: Files
    links: dict[bytes, bytes] = field(default_factory=dict)
    mutations: list[str] = field(default_factory=list)
    args: list[bytes] = field(default_factory=list)
    stdin: bytes | None = None
    via: str = "in-process"
    # Another run, in another format or to a file, after the two compared ones:
    # its options and environment variables.
    extra: tuple[list[bytes], dict[str, str]] | None = None

    def describe(self) -> str:
        command = " ".join(repr(arg)[2:-1] for arg in self.args)
        extra = " ".join(repr(arg)[2:-1] for arg in self.extra[0]) if self.extra else ""
        return (
            f"case {self.seed} ({self.shape}, {self.via}): {self.origin} + "
            f"{', '.join(self.mutations) or '-'}; "
            f"authlint check {command}{' then ' + extra if extra else ''}"
            f"{'; stdin ' + str(len(self.stdin)) + ' bytes' if self.stdin is not None else ''}"
        )


class _Tree:
    """The files of a case being mutated, and which of them a mutation touches."""

    def __init__(self, files: Files, main: bytes) -> None:
        self.files = dict(files)
        self.links: dict[bytes, bytes] = {}
        self.main = main

    def pick(self, rng: Random) -> bytes:
        """A file to mutate: the main one half the time."""
        if rng.random() < 0.5 and self.main in self.files:
            return self.main
        return rng.choice(sorted(self.files))

    def add(self, name: bytes, content: bytes) -> bytes:
        """Add a file, its name made unique; return the name."""
        stem, number = name, 1
        while name in self.files or name in self.links or self._clashes(name):
            name = b"%d-%s" % (number, stem)
            number += 1
        self.files[name] = content
        return name

    def _clashes(self, name: bytes) -> bool:
        # A file cannot also be a folder of another file, nor below one.
        taken = [*self.files, *self.links]
        prefix = name + b"/"
        return any(other.startswith(prefix) or name.startswith(other + b"/") for other in taken)


Mutation = Callable[[Random, _Tree, bytes], str]
SHAPES = ("tree", "named", "file", "stdin", "dump")


def case_seeds(seed: int) -> Iterator[int]:
    """The seeds of the cases of a run from ``seed``, endless."""
    rng = Random(seed)
    while True:
        yield rng.getrandbits(32)


def generate(seed: int, slow: float = 1.0) -> Case:
    """The case of ``seed``. ``slow`` weighs the mutations whose runs take seconds."""
    rng = Random(seed)
    base = rng.choice(seeds())
    tree = _Tree(base.files, base.main)
    shape = rng.choices(SHAPES, weights=[3, 3, 3, 2, 2])[0]
    if shape in ("file", "stdin"):
        tree = _Tree({base.main: base.files[base.main]}, base.main)
    mutations = []
    names = list(MUTATIONS)
    weights = [slow if name in SLOW else 1.0 for name in names]
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        name = rng.choices(names, weights=weights)[0]
        label = MUTATIONS[name](rng, tree, tree.pick(rng))
        mutations.append(f"{name}({label})" if label else name)
    case = Case(seed, base.name, shape, tree.files, tree.links, mutations)
    if shape == "stdin":
        content = tree.files.get(tree.main, b"")
        case.files, case.links = {}, {}
        case.stdin = content
        case.args = [b"-"] if rng.random() < 0.7 else [b"--stdin-filename", b"site.conf"]
    elif shape == "dump":
        case.stdin = _dump(rng, tree)
        case.files, case.links = {}, {}
        case.args = [b"-"]
    elif shape == "named":
        candidates = sorted({*tree.files, *tree.links} - {b""})
        named = rng.sample(candidates, min(len(candidates), rng.choice([1, 2, 3])))
        case.args = [b"--", *(b"./" + name for name in named)]
    elif shape == "file":
        case.args = [b"--", *(b"./" + name for name in sorted({*tree.files, *tree.links}))]
    else:
        case.args = [b"."]
    case.args = [b"--isolated", b"--format", b"json", *case.args]
    if case.stdin is None and _devices(case):
        # A device read to its end (/dev/zero) would take this process's memory, in a
        # read that no time limit interrupts: only a subprocess may try it.
        case.via = "subprocess"
    elif case.stdin is None and rng.random() < 0.08:
        case.via = rng.choice(["subprocess", "jobs"])
    elif case.stdin is not None and rng.random() < 0.05:
        case.via = "subprocess"
    if rng.random() < 0.25:
        case.extra = rng.choice(_EXTRA_RUNS)
    return case


def _devices(case: Case) -> bool:
    return any(target.startswith(b"/dev/") for target in case.links.values())


# Another run's options and environment: the other formats, and the writers of
# files ({out} is a folder beside the tree).
_EXTRA_RUNS: list[tuple[list[bytes], dict[str, str]]] = [
    ([b"--format", b"text"], {}),
    ([b"--format", b"sarif"], {}),
    ([b"--format", b"github"], {}),
    ([b"--format", b"text", b"--statistics"], {}),
    ([b"--format", b"text"], {"FORCE_COLOR": "1"}),
    ([b"--format", b"json", b"--output", b"{out}/report.json"], {}),
    ([b"--format", b"sarif", b"--output", b"{out}/report.sarif"], {}),
    ([b"--format", b"text", b"--output", b"{out}/report.txt"], {}),
    ([b"--format", b"json", b"--write-baseline", b"{out}/baseline.json"], {}),
    ([b"--format", b"github"], {"GITHUB_STEP_SUMMARY": "{out}/summary.md"}),
]


def _dump(rng: Random, tree: _Tree) -> bytes:
    """The tree as ``nginx -T`` prints it, main config first, under /etc/nginx."""
    order = [tree.main, *sorted(name for name in tree.files if name != tree.main)]
    order = [name for name in order if name in tree.files]
    parts = []
    if rng.random() < 0.3:
        parts.append(
            b"nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
            b"nginx: configuration file /etc/nginx/nginx.conf test is successful\n"
        )
    for name in order:
        path = name if name.startswith(b"etc/nginx/") else b"etc/nginx/" + name
        parts.append(b"# configuration file /%s:\n%s\n" % (path, tree.files[name]))
    if rng.random() < 0.3:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(_DUMP_LINES) + b"\n")
    return b"".join(parts)


# Lines a dump should not hold: unsafe paths, a file twice, text that is not nginx's.
_DUMP_LINES = [
    b"# configuration file /etc/nginx/conf.d/../../x.conf:",
    b"# configuration file relative/x.conf:",
    b"# configuration file /etc/nginx/a\x01b.conf:",
    b"# configuration file /etc/nginx/\xff.conf:",
    b"# configuration file /:",
    b"# configuration file /etc/nginx/nginx.conf:",
    b"# configuration file /etc/nginx/nginx.conf/inner.conf:",
    b"# configuration file //etc//nginx/./dot.conf:",
    b"# configuration file /etc/nginx/with space.conf:",
    b"# configuration file /etc/nginx/colon:x.conf:",
    b"stray text before the files",
    b"2024/01/31 12:00:00 [warn] 12#12: a warning",
]

# --- mutations ---------------------------------------------------------------------

_LINE = b"\n"


def _lines(content: bytes) -> list[bytes]:
    return content.split(_LINE)


def _at_random_line(rng: Random, content: bytes, text: bytes) -> bytes:
    lines = _lines(content)
    lines.insert(rng.randrange(len(lines) + 1), text)
    return _LINE.join(lines)


def _in_a_block(content: bytes, text: bytes, blocks: tuple[bytes, ...]) -> bytes:
    """``text`` inside the first of ``blocks`` (``server {``) that opens in ``content``,
    else appended as it is."""
    for block in blocks:
        brace = content.find(b"{", content.find(block)) if block in content else -1
        if brace >= 0:
            return content[: brace + 1] + b"\n" + text + b"\n" + content[brace + 1 :]
    return content + b"\n" + text + b"\n"


def flip_bytes(rng: Random, tree: _Tree, target: bytes) -> str:
    data = bytearray(tree.files.get(target, b""))
    for _ in range(rng.choice([1, 2, 8])):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    tree.files[target] = bytes(data)
    return ""


_INTERESTING = [
    b"{",
    b"}",
    b";",
    b'"',
    b"'",
    b"\\",
    b"$",
    b"#",
    b"(",
    b")",
    b"\0",
    b"\r",
    b"\t",
    b"\x1b",
    b"\x7f",
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xa8",
    b"\n",
    b"${",
    b"{}",
    b";;",
    b"\\\n",
    b"'\"",
    b"%",
    b"%s",
    b"%(x)s",
    b"*",
    b"~",
    b"^",
    b"\xef\xbb\xbf",
]


def insert_bytes(rng: Random, tree: _Tree, target: bytes) -> str:
    data = tree.files.get(target, b"")
    piece = rng.choice(_INTERESTING)
    at = rng.randrange(len(data) + 1)
    tree.files[target] = data[:at] + piece + data[at:]
    return repr(piece)[2:-1]


def delete_span(rng: Random, tree: _Tree, target: bytes) -> str:
    data = tree.files.get(target, b"")
    at = rng.randrange(len(data) + 1)
    tree.files[target] = data[:at] + data[at + rng.choice([1, 2, 10, 100]) :]
    return ""


def edit_lines(rng: Random, tree: _Tree, target: bytes) -> str:
    lines = _lines(tree.files.get(target, b""))
    how = rng.choice(["delete", "duplicate", "swap", "reverse", "shuffle"])
    first, second = rng.randrange(len(lines)), rng.randrange(len(lines))
    if how == "delete":
        del lines[first]
    elif how == "duplicate":
        lines[first:first] = [lines[first]] * rng.choice([1, 2, 50])
    elif how == "swap":
        lines[first], lines[second] = lines[second], lines[first]
    elif how == "reverse":
        lines.reverse()
    else:
        rng.shuffle(lines)
    tree.files[target] = _LINE.join(lines)
    return how


def edit_braces(rng: Random, tree: _Tree, target: bytes) -> str:
    data = tree.files.get(target, b"")
    braces = [index for index, byte in enumerate(data) if byte in b"{}"]
    how = rng.choice(["delete", "duplicate", "swap", "open", "close"])
    if how == "open":
        data += b"{" * rng.choice([1, 3])
    elif how == "close":
        data = b"}" * rng.choice([1, 3]) + data
    elif braces:
        at = rng.choice(braces)
        brace = data[at : at + 1]
        other = b"}" if brace == b"{" else b"{"
        replacement = {"delete": b"", "duplicate": brace * 2, "swap": other}
        data = data[:at] + replacement[how] + data[at + 1 :]
    tree.files[target] = data
    return how


def truncate(rng: Random, tree: _Tree, target: bytes) -> str:
    data = tree.files.get(target, b"")
    tree.files[target] = data[: rng.randrange(len(data) + 1)]
    return ""


def long_text(
    rng: Random, tree: _Tree, target: bytes, sizes: tuple[int, ...] = (5_000, 70_000)
) -> str:
    size = rng.choice(sizes)
    word = rng.choice([b"a", b"ab", b"{", b"$x", b"\\", b"/"])
    filler = (word * size)[:size]
    text = rng.choice(
        [
            b"proxy_set_header X-Long " + filler + b";",
            b'proxy_set_header X-Long "' + filler + b'";',
            b"add_header Access-Control-Allow-Origin " + filler + b" always;",
            b"server_name " + filler + b";",
            b"location /" + filler + b" { proxy_pass http://127.0.0.1:1; }",
            filler + b" on;",
            b"set $" + filler + b" 1;",
            b"# " + filler,
            b'if ($http_origin ~ "^' + filler + b'$") { return 403; }',
        ]
    )
    tree.files[target] = _in_a_block(tree.files.get(target, b""), text, (b"location ", b"server {"))
    return f"{size} bytes"


def huge_text(rng: Random, tree: _Tree, target: bytes) -> str:
    return long_text(rng, tree, target, (1_000_000,))


def deep_nesting(rng: Random, tree: _Tree, target: bytes) -> str:
    depth = rng.choice([50, 99, 100, 101, 150, 199, 200, 201, 400, 5000])
    block = rng.choice([b"location /a", b"if ($x)", b"http", b"server", b"map $a $b", b"x"])
    text = (block + b" {\n") * depth + b'proxy_set_header Authorization "";\n' + b"}\n" * depth
    tree.files[target] = _in_a_block(tree.files.get(target, b""), text, (b"server {",))
    return f"{depth} x {block.decode()}"


_HUGE = [
    b"9" * 30,
    b"9" * 5000,
    b"18446744073709551616",
    b"-1",
    b"0",
    b"1e309",
    b"0x7fffffff",
    b"99999999999999999999999999k",
    b"9" * 5000 + b"m",
    b"1.5k",
    b"\xd9\xa3",  # ARABIC-INDIC DIGIT THREE: a digit to Python, not to nginx
    b"\xc2\xb2",  # SUPERSCRIPT TWO: str.isdigit, but int() refuses it
    b"0" * 5000 + b"1",
]


def huge_numbers(rng: Random, tree: _Tree, target: bytes) -> str:
    number = rng.choice(_HUGE)
    text = rng.choice(
        [
            b"large_client_header_buffers %s %s;",
            b"large_client_header_buffers 4 %s;",
            b"client_header_buffer_size %s;",
            b"proxy_buffer_size %s;",
            b"proxy_cache_valid 200 %s;",
            b"proxy_cache_valid %s 10m;",
            b"listen %s;",
            b"return %s;",
            b"expires %s;",
            b"add_header Access-Control-Max-Age %s always;",
            b"keepalive_timeout %s;",
        ]
    )
    text = text.replace(b"%s", number)
    tree.files[target] = _in_a_block(
        tree.files.get(target, b""), text, (b"location ", b"server {", b"http {")
    )
    return text[:40].decode("utf-8", "replace")


def unbalanced_quote(rng: Random, tree: _Tree, target: bytes) -> str:
    data = tree.files.get(target, b"")
    quote = rng.choice([b'"', b"'", b'"\\', b"\\'"])
    at = rng.randrange(len(data) + 1)
    tree.files[target] = data[:at] + quote + data[at:]
    return ""


def nul_byte(rng: Random, tree: _Tree, target: bytes) -> str:
    data = tree.files.get(target, b"")
    if rng.random() < 0.5:
        at = rng.randrange(len(data) + 1)
        tree.files[target] = data[:at] + b"\0" + data[at:]
        return "in the file"
    text = rng.choice([b"include a\0b.conf;", b'include "x.conf\0";', b"proxy_pass http://a\0b;"])
    tree.files[target] = _at_random_line(rng, data, text)
    return "in an argument"


def control_characters(rng: Random, tree: _Tree, target: bytes) -> str:
    data = tree.files.get(target, b"")
    how = rng.choice(["cr", "crlf", "mixed", "scatter", "vt-ff", "nel"])
    if how == "cr":
        data = data.replace(b"\n", b"\r")
    elif how == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif how == "mixed":
        data = b"".join(
            line + rng.choice([b"\n", b"\r", b"\r\n", b"\n\r"]) for line in data.split(b"\n")
        )
    elif how == "nel":
        data = data.replace(b"\n", b"\xc2\x85")
    else:
        pool = (
            [bytes([code]) for code in [*range(1, 32), 127]]
            if how == "scatter"
            else [b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e"]
        )
        for _ in range(rng.choice([1, 5, 50])):
            at = rng.randrange(len(data) + 1)
            data = data[:at] + rng.choice(pool) + data[at:]
    tree.files[target] = data
    return how


_ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-8-sig"]


def encoding(rng: Random, tree: _Tree, target: bytes) -> str:
    data = tree.files.get(target, b"")
    how = rng.choice([*_ENCODINGS, "latin-1", "shift_jis", "invalid-utf-8", "utf-7"])
    text = data.decode("utf-8", "replace")
    if how in _ENCODINGS:
        data = text.encode(how)
    elif how == "latin-1":
        word = rng.choice(["caf\xe9", "\xfcber", "\xa0", "\xff"]).encode("latin-1")
        data = _at_random_line(rng, data, b"# " + word) + b"server_name " + word + b";\n"
    elif how == "shift_jis":
        # The second byte of some Shift_JIS characters is a backslash (0x5c).
        word = rng.choice(["\u8868\u793a", "\u65e5\u672c\u8a9e", "\u30bd"]).encode("shift_jis")
        data = _at_random_line(rng, data, b'add_header X-Name "' + word + b'";')
        data = _at_random_line(rng, data, b"# " + word)
    elif how == "invalid-utf-8":
        piece = rng.choice([b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2", b"\x80"])
        data = _at_random_line(rng, data, b"proxy_set_header X-Bytes " + piece + b";")
    else:
        data = text.encode("utf-7")
    tree.files[target] = data
    return how


# Regexes that backtrack without end in Python's re, and ones it cannot compile.
_SLOW_REGEXES = [b"(.*a){20}", b"(.*a){24}", b"(a+)+$", b"(a|aa)*c", b"(\\w+\\.?)+!"]
_BAD_REGEXES = [
    b"(",
    b"[",
    b"a{99999999999}",
    b"a{999999999}",
    b"a{" + b"9" * 5000 + b"}",
    b"(" * 1000 + b"a" + b")" * 1000,
    b"(?:a{65535}){65535}",
    b"(?<x>a)(?<x>b)",
    b"\\",
    b"(?P<1>a)",
    b"*",
    b"(?i",
    b"[[:alpha:]",
    b"\\p{Greek}",
    b"\\K",
    b"(?<=a+)b",
    b"a**",
    b"(?(DEFINE))",
    b"\\g{-1}",
    b"x{2,1}",
    b"(?R)",
    b"\\1",
    b"[z-a]",
    b"(?P=n)",
    b"a{,3}",
    b"\\Qa.b\\E",
    b"(?|a|b)",
]


def regex(rng: Random, tree: _Tree, target: bytes) -> str:
    pattern = rng.choice(_SLOW_REGEXES if rng.random() < 0.5 else _BAD_REGEXES)
    where = rng.choice(["map", "location", "server_name", "if", "many"])
    anchored = b"^https://" + pattern + b"\\.example\\.com$"
    cors = (
        b"add_header Access-Control-Allow-Origin $cors always;\n"
        b"add_header Access-Control-Allow-Credentials true always;\n"
    )
    if where == "many":
        # An allow-list of 40 regexes that each backtrack for long against the
        # origins tried: together they outlast authlint's budget for regexes.
        pattern = b"(.*a){16..23}"
        keys = b"".join(
            b'    "~^https://(.*a){%d}\\.x%d\\.net$" $http_origin;\n' % (16 + index % 8, index)
            for index in range(40)
        )
        text = b"map $http_origin $cors {\n" + keys + b"}\n"
        text += b"server {\n    location / {\n" + cors + b"proxy_pass http://b;\n}\n}"
    elif where == "map":
        text = b'map $http_origin $cors {\n    "~' + anchored + b'" $http_origin;\n}\n'
        text += (
            b"server {\n    listen 80;\n    location / {\n" + cors + b"proxy_pass http://b;\n}\n}"
        )
    elif where == "location":
        text = (
            b"server {\n    location ~ ^/" + pattern + b"$ {\n"
            b'        proxy_set_header Authorization "";\n        proxy_pass http://b;\n    }\n'
            b"    location / { proxy_pass http://127.0.0.1:80; }\n}"
        )
    elif where == "server_name":
        text = (
            b"server {\n    listen 80;\n    server_name ~^" + pattern + b"$ x.example.com;\n"
            b"    location / { proxy_pass http://127.0.0.1:80/; }\n}"
        )
    else:
        text = (
            b'server {\n    location / {\n        if ($http_origin ~* "' + anchored + b'") {\n'
            b"            add_header Access-Control-Allow-Origin $http_origin always;\n"
            b"            add_header Access-Control-Allow-Credentials true always;\n        }\n"
            b"        proxy_pass http://b;\n    }\n}"
        )
    tree.files[target] = _in_a_block(tree.files.get(target, b""), text, (b"http {",))
    return f"{where} {pattern[:40].decode()}"


_INCLUDES = [
    b"/etc/nginx/*.conf",
    b"/etc/nginx/nginx.conf",
    b"/etc/passwd",
    b"/",
    b"/dev/zero",
    b"/proc/self/status",
    b"*",
    b"**",
    b"*/*/*/*",
    b"[",
    b"[!a]*",
    b"{a,b}.conf",
    b"..",
    b".",
    b"../x.conf",
    b"../../../../../../../../etc/hosts",
    b"conf.d/../../x.conf",
    b'""',
    b"' '",
    b"~/x.conf",
    b"$document_root/x.conf",
    b"x" * 300,
    b"/".join([b"a"] * 600),
    b"nginx.conf",
    b"*.conf",
    b"conf.d/*.conf",
    b"mime.types",
    b"/etc/nginx/proxy_params",
    b"snippets/fastcgi-php.conf",
    b'"x\nline.conf"',
    b"\\*.conf",
    b"x\\ y.conf",
]


def include(rng: Random, tree: _Tree, target: bytes) -> str:
    pattern = rng.choice([*_INCLUDES, target, *sorted(tree.files)[:5]])
    text = b"include " + pattern + b";"
    data = tree.files.get(target, b"")
    if rng.random() < 0.5:
        tree.files[target] = _at_random_line(rng, data, text)
    else:
        tree.files[target] = _in_a_block(data, text, (b"location ", b"server {", b"http {"))
    return repr(pattern[:40])[2:-1]


def include_bomb(rng: Random, tree: _Tree, target: bytes) -> str:
    levels, fan_out = rng.choice([10, 18, 25, 40]), rng.choice([2, 3, 4])
    folder = tree.add(b"bomb", b"")
    del tree.files[folder]
    for level in range(levels):
        name = b"%s/%02d.conf" % (folder, level)
        tree.files[name] = (b"include %s/%02d.conf;\n" % (folder, level + 1)) * fan_out
    tree.files[b"%s/%02d.conf" % (folder, levels)] = b"proxy_set_header X-Depth deep;\n"
    text = b"include %s/00.conf;" % folder
    tree.files[target] = _in_a_block(
        tree.files.get(target, b""), text, (b"location ", b"server {", b"http {")
    )
    return f"{fan_out}**{levels}"


def symlinks(rng: Random, tree: _Tree, target: bytes) -> str:
    how = rng.choice(["loop", "self", "folder-loop", "missing", "outside", "device", "to-target"])
    name = tree.add(rng.choice([b"link.conf", b"conf.d/link.conf", b"sites-enabled/link"]), b"")
    del tree.files[name]
    depth = name.count(b"/")
    if how == "loop":
        other = tree.add(b"other.conf", b"")
        del tree.files[other]
        tree.links[name] = b"../" * depth + other
        tree.links[other] = name
    elif how == "self":
        tree.links[name] = name.rsplit(b"/", 1)[-1]
    elif how == "folder-loop":
        tree.links[name] = b"." if rng.random() < 0.5 else b".."
    elif how == "missing":
        tree.links[name] = b"missing.conf"
    elif how == "outside":
        # Files only: a folder named through a link is walked, and / is the whole disk.
        tree.links[name] = rng.choice([b"/etc/hostname", b"/etc/passwd", b"/no/such/file"])
    elif how == "device":
        tree.links[name] = rng.choice([b"/dev/null", b"/dev/zero"])
    else:
        tree.links[name] = b"../" * depth + target
    text = b"include " + name + b";"
    tree.files[target] = _at_random_line(rng, tree.files.get(target, b""), text)
    return how


_NAMES = [
    b"x\xff.conf",
    b"line\nbreak.conf",
    b"with space.conf",
    b"-dash.conf",
    b"colon:name.conf",
    b"#hash.conf",
    b"semi;colon.conf",
    b"star*.conf",
    b"q?.conf",
    b"[br].conf",
    "\u65e5\u672c.conf".encode(),
    b"a" * 250 + b".conf",
    b".hidden.conf",
    b"tab\tname.conf",
    b"\x1b[31mred.conf",
    b"back\\slash.conf",
    b'quote".conf',
    b"cr\r.conf",
    b"-",
    b"--",
    b"\xc3(.conf",
    b"nginx.conf",
    b"x.yaml",
    b"x.sample",
    b"d\xff/site.conf",
    b"sites-enabled/\xfe",
    b"caf\xe9/conf.d/app.conf",
]


def rename(rng: Random, tree: _Tree, target: bytes) -> str:
    """Move a file to an odd name, and include it by that name from another file."""
    content = tree.files.pop(target)
    name = tree.add(rng.choice(_NAMES), content)
    if tree.main == target:
        tree.main = name
    elif tree.main in tree.files:
        quoted = b'"' + name.replace(b'"', b'\\"') + b'"' if rng.random() < 0.5 else name
        tree.files[tree.main] = _at_random_line(
            rng, tree.files[tree.main], b"include " + quoted + b";"
        )
    return repr(name[:30])[2:-1]


def dump_header(rng: Random, tree: _Tree, target: bytes) -> str:
    header = rng.choice(_DUMP_LINES)
    tree.files[target] = _at_random_line(rng, tree.files.get(target, b""), header)
    return ""


def splice(rng: Random, tree: _Tree, target: bytes) -> str:
    """A run of lines from another seed config, at a random line."""
    donor = rng.choice(seeds())
    lines = _lines(rng.choice(list(donor.files.values())))
    start = rng.randrange(len(lines))
    piece = _LINE.join(lines[start : start + rng.choice([1, 5, 30])])
    tree.files[target] = _at_random_line(rng, tree.files.get(target, b""), piece)
    return donor.name


MUTATIONS: dict[str, Mutation] = {
    "flip-bytes": flip_bytes,
    "insert-bytes": insert_bytes,
    "delete-span": delete_span,
    "edit-lines": edit_lines,
    "edit-braces": edit_braces,
    "truncate": truncate,
    "long-text": long_text,
    "huge-text": huge_text,
    "deep-nesting": deep_nesting,
    "huge-numbers": huge_numbers,
    "unbalanced-quote": unbalanced_quote,
    "nul-byte": nul_byte,
    "control-characters": control_characters,
    "encoding": encoding,
    "regex": regex,
    "include": include,
    "include-bomb": include_bomb,
    "symlinks": symlinks,
    "rename": rename,
    "dump-header": dump_header,
    "splice": splice,
}
# Mutations whose runs take seconds: regexes that backtrack for authlint's whole
# budget, a megabyte on one line.
SLOW = frozenset({"regex", "huge-text"})


# --- running and checking ---------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One run of the command: its exit status (-1: timed out), standard output and error."""

    status: int
    stdout: bytes
    stderr: bytes
    seconds: float
    # The display paths of the files read, when the run was in this process.
    read: frozenset[str] | None = None


class _Hung(BaseException):
    """The run passed its time limit (a BaseException: the command catches Exception)."""


def write_tree(case: Case, root: Path) -> None:
    """Write the case's files and links under ``root``."""
    for name, content in case.files.items():
        path = root / os.fsdecode(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    for name, target in case.links.items():
        path = root / os.fsdecode(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(os.fsdecode(target))


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def hung(number: int, frame: object) -> None:
        raise _Hung

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_in_process(
    args: list[str],
    cwd: Path,
    stdin: bytes | None,
    timeout: float,
    environ: dict[str, str] | None = None,
) -> Outcome:
    """``authlint check ARGS`` through its entry point, as the installed command runs it.

    Standard output is strict UTF-8, as it is under a UTF-8 locale other than
    C.UTF-8 (en_US.UTF-8): a character it cannot encode fails the run. The
    outcome names the files the run read, which the JSON output only counts.
    """
    from authlint import engine
    from authlint.cli import main

    saved = (sys.argv, sys.stdin, sys.stdout, sys.stderr, os.getcwd(), dict(os.environ))
    linted = engine.run
    read: list[str] = []

    def recording(*args: Any, **kwargs: Any) -> engine.Result:
        result = linted(*args, **kwargs)
        read.extend(result.files)
        return result

    engine.run = recording
    collecting = gc.isenabled()
    out, err = io.BytesIO(), io.BytesIO()
    sys.argv = ["authlint", "check", *args]
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict")
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace")
    for name in _DROPPED_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(environ or {})
    os.chdir(cwd)
    status: object = 0
    timed_out = False
    start = time.perf_counter()
    try:
        with _time_limit(timeout):
            main()
    except SystemExit as exc:
        status = exc.code
    except _Hung:
        timed_out = True
    finally:
        seconds = time.perf_counter() - start
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()  # so that closing the wrapper leaves the buffer readable
        sys.argv, sys.stdin, sys.stdout, sys.stderr, cwd_before, environ_before = saved
        engine.run = linted
        os.chdir(cwd_before)
        os.environ.clear()
        os.environ.update(environ_before)
        # The command pauses and freezes the collector for a process that ends next.
        gc.unfreeze()
        if collecting:
            gc.enable()
    if timed_out:
        return Outcome(-1, out.getvalue(), err.getvalue() + b"\n(timed out)", seconds)
    # As the interpreter exits: None is 0, an object that is no number is 1.
    code = 0 if status is None else status if isinstance(status, int) else 1
    return Outcome(code, out.getvalue(), err.getvalue(), seconds, frozenset(read))


# A subprocess that needs more has run away (it fails with MemoryError).
MEMORY_BYTES = 4 * 2**30


def _bounded_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_subprocess(
    args: list[bytes],
    cwd: Path,
    stdin: bytes | None,
    timeout: float,
    environ: dict[str, str] | None = None,
) -> Outcome:
    environment = {k: v for k, v in os.environ.items() if k not in _DROPPED_VARIABLES}
    environment.update(environ or {})
    # Strict UTF-8 output, as in process.
    environment["PYTHONIOENCODING"] = "utf-8"
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "authlint", "check", *args],
            preexec_fn=_bounded_memory,
            cwd=cwd,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            env=environment,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return Outcome(-1, exc.stdout or b"", (exc.stderr or b"") + b"\n(timed out)", timeout)
    return Outcome(done.returncode, done.stdout, done.stderr, time.perf_counter() - start)


@dataclass(frozen=True)
class Failure:
    """What went wrong: ``kind`` groups failures alike (for minimising), ``detail`` shows it."""

    kind: str
    detail: str


def check(case: Case, workdir: Path, timeout: float = RUN_SECONDS) -> list[Failure]:
    """Run ``case`` in a fresh tree under ``workdir``; what went wrong (nothing, if all is well)."""
    root = workdir / "tree"
    outputs = workdir / "out"
    for folder in (root, outputs):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    write_tree(case, root)
    root = root.resolve()

    def run(args: list[bytes], environ: dict[str, str] | None = None) -> Outcome:
        args = [arg.replace(b"{out}", os.fsencode(outputs)) for arg in args]
        environ = {k: v.replace("{out}", str(outputs)) for k, v in (environ or {}).items()}
        if case.via == "in-process":
            decoded = [os.fsdecode(arg) for arg in args]
            return run_in_process(decoded, root, case.stdin, timeout, environ)
        jobs = [b"--jobs", b"2"] if case.via == "jobs" else []
        return run_subprocess([*jobs, *args], root, case.stdin, timeout, environ)

    failures: list[Failure] = []
    first = run(case.args)
    failures.extend(_judge(case, first, root))
    second = run(case.args)
    if (second.status, second.stdout) != (first.status, first.stdout):
        failures.append(
            Failure(
                "not deterministic",
                f"status {first.status} then {second.status}; "
                f"output {_difference(first.stdout, second.stdout)}",
            )
        )
    if case.via != "in-process" and first.status in (0, 1):
        # A subprocess (with --jobs 2) must say what a serial run in this process says.
        alone = run_in_process([os.fsdecode(a) for a in case.args], root, case.stdin, timeout)
        if (alone.status, alone.stdout) != (first.status, first.stdout):
            failures.append(
                Failure(
                    f"{case.via} differs from in-process",
                    f"status {first.status} vs {alone.status}; "
                    f"output {_difference(first.stdout, alone.stdout)}",
                )
            )
    if case.extra and first.status in (0, 1):
        options = [arg for arg in case.args if arg not in (b"--format", b"json")]
        # Before the paths, which may follow a `--`.
        extra = run([*case.extra[0], *options], case.extra[1])
        failures.extend(_judge_status(case, extra, root, f"with {_shown(case.extra[0])}"))
        # --write-baseline reports only what it cannot record, and exits accordingly.
        same_findings = b"--write-baseline" not in case.extra[0]
        if same_findings and extra.status in (0, 1) and extra.status != first.status:
            failures.append(
                Failure("exit status depends on the format", f"{first.status} vs {extra.status}")
            )
    return failures


def _shown(args: list[bytes]) -> str:
    return " ".join(os.fsdecode(arg) for arg in args)


def _difference(one: bytes, other: bytes) -> str:
    at = next(
        (index for index, (a, b) in enumerate(zip(one, other, strict=False)) if a != b),
        min(len(one), len(other)),
    )
    return f"differs at byte {at}: {one[at - 40 : at + 80]!r} vs {other[at - 40 : at + 80]!r}"


# Exit status 2 is right for these refusals only (README: Usage, Audit a live server).
_REFUSALS = (
    b"authlint: error: standard input line ",
    b"authlint: error: standard input holds nginx's messages",
    b"authlint: error: `",  # a dumped path that is a file and a folder, or cannot be written
)


def _judge_status(case: Case, outcome: Outcome, root: Path, during: str = "") -> list[Failure]:
    where = f" {during}" if during else ""
    stderr = outcome.stderr
    if outcome.status == -1:
        return [Failure("timed out", f"more than {outcome.seconds:.0f} s{where}")]
    if b"internal error" in stderr or b"Traceback" in stderr:
        line = stderr.decode("utf-8", "replace").strip().splitlines()[-1]
        return [Failure(f"internal error{where}: {line[:120]}", stderr.decode("utf-8", "replace"))]
    if outcome.status == 2:
        refused = case.stdin is not None and stderr.startswith(_REFUSALS)
        missing = stderr.endswith(b": no such file or directory\n") and _names_nothing(case, root)
        if not (refused or missing) or stderr.count(b"\n") != 1:
            return [Failure(f"exit 2{where}", stderr.decode("utf-8", "replace"))]
        return []
    if outcome.status not in (0, 1):
        return [Failure(f"exit {outcome.status}{where}", stderr.decode("utf-8", "replace"))]
    strays = [line for line in stderr.splitlines() if line and not line.startswith(b"authlint: ")]
    if strays:
        return [Failure(f"stray stderr{where}", repr(strays[:3]))]
    return []


def _names_nothing(case: Case, root: Path) -> bool:
    """Whether a path named on the command line does not exist (a link to nowhere)."""
    return any(not os.path.exists(root / os.fsdecode(name)) for name in _named_files(case))


def _judge(case: Case, outcome: Outcome, root: Path) -> list[Failure]:
    failures = _judge_status(case, outcome, root)
    if failures or outcome.status not in (0, 1):
        return failures
    try:
        document = json.loads(outcome.stdout)
    except ValueError as exc:
        return [Failure("output is no JSON", f"{exc}: {outcome.stdout[:200]!r}")]
    findings: list[dict[str, Any]] = document["findings"]
    places = {finding["path"] for finding in findings} | {
        related["path"] for finding in findings for related in finding["related"]
    }
    # A file named through a link that leaves the tree is reported at its real path.
    named = {os.path.realpath(root / os.fsdecode(name)) for name in _named_files(case)}
    for finding in findings:
        path, line = finding["path"], finding["line"]
        if not path or not isinstance(line, int) or line < 1:
            failures.append(Failure("finding without a place", repr(finding)[:300]))
        elif case.stdin is None and path.startswith("/") and path not in named:
            failures.append(Failure("finding outside the tree", path))
        # The folder standard input is written out to (authlint-XXXX) is private.
        elif case.stdin is not None and "/authlint-" in path:
            failures.append(Failure("finding in the temporary folder", path))
    if case.stdin is None:
        failures.extend(_accounting(case, root, places, document["files_scanned"], outcome.read))
    return failures


def _accounting(
    case: Case, root: Path, places: set[str], files_scanned: int, read: frozenset[str] | None
) -> list[Failure]:
    """Every file named on the command line is the place of a finding, or read.

    The JSON output counts the files read (``files_scanned``) without naming
    them: a named file without a finding must be among them, so there are at
    least as many files read as such named files (by real path: one file
    read through two links is one file). A run in this process also names
    the files read (``read``), and each such named file must be one of them.
    """
    unaccounted: set[str] = set()
    for name in _named_files(case):
        given = os.path.normpath(os.fsdecode(name))
        real = os.path.realpath(root / given)
        shown = os.path.relpath(real, root) if real.startswith(f"{root}/") else real
        if os.path.isdir(real):
            continue  # a folder (named through a link) is walked: its files were not named
        if given in places or shown in places or not _read_as_nginx(Path(real)):
            continue
        unaccounted.add(shown)
    if len(unaccounted) > files_scanned:
        return [
            Failure(
                "named file not accounted for",
                f"{sorted(unaccounted)} have no finding, and {files_scanned} files were read",
            )
        ]
    unread = sorted(unaccounted - read) if read is not None else []
    if unread:
        return [Failure("named file not accounted for", f"{unread}: no finding, and not read")]
    return []


def _named_files(case: Case) -> list[bytes]:
    paths = case.args[case.args.index(b"--") + 1 :] if b"--" in case.args else []
    return [path for path in paths if path.removeprefix(b"./") in {*case.files, *case.links}]


def _read_as_nginx(path: Path) -> bool:
    """Whether authlint must read a file named on the command line (README: Which files
    are read): by its content, unless YAML; a file that cannot be opened is reported."""
    from authlint.nginx.detect import NGINX_NAMES, NGINX_SUFFIXES, looks_like_nginx
    from authlint.sniff import SNIFF_BYTES, sniffed_text

    if path.name in NGINX_NAMES or path.suffix in NGINX_SUFFIXES:
        return True
    if path.suffix in (".yaml", ".yml"):
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return True
    text, binary = sniffed_text(head)
    return binary or looks_like_nginx(text)


# --- minimising -------------------------------------------------------------------------


def minimise(
    case: Case, fails: Callable[[Case], bool], budget: int = 300, seconds: float = 120.0
) -> Case:
    """A smaller case that ``fails`` too: files, links, lines, words and bytes taken away
    while it does.

    ``budget`` bounds the number of cases tried, ``seconds`` the time spent.
    """
    tries = 0
    deadline = time.monotonic() + seconds

    def still(candidate: Case) -> bool:
        nonlocal tries
        tries += 1
        return tries <= budget and time.monotonic() < deadline and fails(candidate)

    named = {name.removeprefix(b"./") for name in _named_files(case)}
    for name in sorted(case.files):
        if name not in named:
            smaller = replace(case, files={k: v for k, v in case.files.items() if k != name})
            if still(smaller):
                case = smaller
    for name in sorted(case.links):
        if name not in named:
            smaller = replace(case, links={k: v for k, v in case.links.items() if k != name})
            if still(smaller):
                case = smaller
    if case.stdin is not None:
        case = replace(case, stdin=_shrunk(case.stdin, _trying(case, still, None)))
    for name in sorted(case.files):
        case = _with_content(case, name, _shrunk(case.files[name], _trying(case, still, name)))
    return case


def _trying(
    case: Case, fails: Callable[[Case], bool], name: bytes | None
) -> Callable[[bytes], bool]:
    """Whether the case still fails with ``data`` as file ``name`` (None: standard input)."""

    def trying(data: bytes) -> bool:
        if name is None:
            return fails(replace(case, stdin=data))
        return fails(_with_content(case, name, data))

    return trying


def _with_content(case: Case, name: bytes, data: bytes) -> Case:
    return replace(case, files={**case.files, name: data})


def _shrunk(data: bytes, fails: Callable[[bytes], bool]) -> bytes:
    """``data`` with chunks of lines, then of words, then of bytes (of a short text),
    removed while ``fails`` holds."""
    for unit in (b"\n", b" ", b""):
        parts = data.split(unit) if unit else [bytes([byte]) for byte in data]
        if unit == b"" and len(parts) > 2000:
            break
        size = max(len(parts) // 2, 1)
        while size >= 1:
            index = 0
            while index < len(parts):
                candidate = parts[:index] + parts[index + size :]
                if fails(unit.join(candidate)):
                    parts = candidate
                else:
                    index += size
            size //= 2
        data = unit.join(parts)
    return data
