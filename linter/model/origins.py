"""Which origins an allow-list lets through, as a browser's ``Origin`` header can be.

An allow-list regex is judged by trying it: origins it is meant for are built
from the pattern itself (short matches of each of its alternatives), then
origins an attacker can own are derived from them and matched the way the
server matches (a search, not a full match, unless anchored). Each one that
passes is a leak, with the origin that proves it. This serves every format
whose CORS config holds origin regexes (nginx ``map``/``if``, and later
Traefik, Kong, Envoy).
"""

from __future__ import annotations

import re
import signal
import threading
import time
import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.settings import OriginFilter

ATTACKER = "attacker.invalid"
# Second-level labels under which registrations happen (example.co.uk).
_SHARED_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "edu", "ac"})
# The longest origin a browser sends (a host name is at most 253 characters): an
# example built from a pattern is dropped past it, and a{999999999} builds no gigabyte.
_ORIGIN_LIMIT = 267  # len("https://") + 253 + len(":65535")
_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "lower": "a-z",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
    "space": r"\s",
    "word": r"\w",
    "punct": r"!-/:-@\[-`{-~",
}
_GLOBAL_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")
# A group's name after its `(?`: (?P<name> or (?<name> (Python reads no (?'name').
_GROUP_NAME = re.compile(r"P?<\w+>")
_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d+)?")
# `x{,3}` is literal text to PCRE2 up to 10.42 (nginx 1.22's; a repeat from 10.43 on),
# `x{,}` to every PCRE: both are repeats to Python. An escaped `\{` is literal to all.
_OPEN_LOW_REPEAT = re.compile(r"(?:^|[^\\])(?:\\\\)*\{,\d*\}")
# PCRE gives up on a match after bounded backtracking (its match limit), and
# nginx then takes the regex as not matching; Python's re never gives up. A
# config's regex gets this much CPU time per search, after which the answer
# is unknown.
SEARCH_SECONDS = 0.5
# A run's searches together get this much CPU time beyond FREE_SECONDS each
# (real searches take a few microseconds, the timer's system calls included):
# many slow regexes cannot add up to minutes. Past it, every search of the run
# is unknown. CPU time, not wall time: a busy machine does not change answers.
RUN_SECONDS = 2.0
FREE_SECONDS = 0.00005


class LeakKind(str, Enum):
    ANY_ORIGIN = "any-origin"
    UNANCHORED_END = "unanchored-end"
    SUFFIX_WITHOUT_DOT = "suffix-without-dot"
    UNESCAPED_DOT = "unescaped-dot"
    NULL = "null"


@dataclass(frozen=True, slots=True)
class Leak:
    """An origin that someone else can own and that the pattern accepts."""

    kind: LeakKind
    origin: str

    def describe(self) -> str:
        reasons = {
            LeakKind.ANY_ORIGIN: "it accepts any origin",
            LeakKind.UNANCHORED_END: "it is not anchored at the end",
            LeakKind.SUFFIX_WITHOUT_DOT: "it matches a domain suffix without a leading dot",
            LeakKind.UNESCAPED_DOT: "a `.` in it is not escaped",
            LeakKind.NULL: "it accepts the `null` origin of sandboxed pages and local files",
        }
        return f"{reasons[self.kind]}: `{self.origin}` passes"


@dataclass(frozen=True, slots=True)
class PatternCheck:
    """What trying a pattern showed; ``example`` is ``None`` when it could not be tried."""

    example: str | None
    leaks: tuple[Leak, ...]


def compile_pcre(pattern: str, flags: int = 0) -> re.Pattern[str] | None:
    """``pattern``, a PCRE as nginx writes it, as a Python regex; ``None`` if Python
    cannot read it the same way."""
    if _OPEN_LOW_REPEAT.search(pattern):
        return None
    with warnings.catch_warnings():
        # Python warns where its reading of a set may differ from PCRE's.
        warnings.simplefilter("error", FutureWarning)
        try:
            return re.compile(python_regex(pattern), flags)
        # Python's parser also raises these for a repeat count past its limits
        # (a{4294967296}, or too many digits to convert) and for groups nested
        # a thousand deep; IndexError is a `[` never closed after mid-pattern flags.
        except (re.error, FutureWarning, ValueError, OverflowError, RecursionError, IndexError):
            return None


class RegexTooSlow(Exception):
    """A config's regex backtracked for longer than :data:`SEARCH_SECONDS` on one text,
    or the run's searches used up :data:`RUN_SECONDS`."""


class RegexClock:
    """The CPU time one run's searches took, beyond :data:`FREE_SECONDS` each.

    Counted over all the searches together: the process's CPU clock moves in
    ticks of a few milliseconds on some systems, so one quick search can read
    as zero or as a tick, and only the sum is right.
    """

    def __init__(self, limit: float = RUN_SECONDS) -> None:
        self.limit = limit
        self.searches = 0
        self.seconds = 0.0

    @property
    def spent(self) -> float:
        return max(0.0, self.seconds - self.searches * FREE_SECONDS)

    @property
    def exhausted(self) -> bool:
        return self.spent >= self.limit


_clock: ContextVar[RegexClock | None] = ContextVar(RegexClock.__name__, default=None)


@contextmanager
def regex_clock(limit: float = RUN_SECONDS) -> Iterator[RegexClock]:
    """Count the searches made inside the block against one run's ``limit``."""
    clock = RegexClock(limit)
    token = _clock.set(clock)
    try:
        yield clock
    finally:
        _clock.reset(token)


def search_pcre(compiled: re.Pattern[str], text: str) -> bool:
    """Whether ``compiled`` (from :func:`compile_pcre`) matches somewhere in ``text``,
    bounded as :func:`find_pcre` is."""
    return find_pcre(compiled, text) is not None


def find_pcre(compiled: re.Pattern[str], text: str) -> re.Match[str] | None:
    """Where ``compiled`` (from :func:`compile_pcre`) first matches in ``text``.

    Raises :class:`RegexTooSlow` past :data:`SEARCH_SECONDS`, or at once when
    the run's :func:`regex_clock` is exhausted. The bound on one search needs
    ``SIGVTALRM`` (re checks for signals while it backtracks): it applies on
    the main thread of a Unix system, when no other CPU-time timer of the
    process is armed.
    """
    clock = _clock.get()
    if clock is not None and clock.exhausted:
        raise RegexTooSlow
    started = time.process_time()
    try:
        if not _can_time():
            return compiled.search(text)
        allowed = SEARCH_SECONDS if clock is None else min(SEARCH_SECONDS, _left(clock))
        previous = signal.signal(signal.SIGVTALRM, _too_slow)
        try:
            signal.setitimer(signal.ITIMER_VIRTUAL, allowed)
            try:
                return compiled.search(text)
            finally:
                signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        finally:
            signal.signal(signal.SIGVTALRM, previous)
    finally:
        if clock is not None:
            clock.searches += 1
            clock.seconds += time.process_time() - started


def _left(clock: RegexClock) -> float:
    """What a search may still take of the run's time (its free share included)."""
    return clock.limit - clock.spent + FREE_SECONDS


def _can_time() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_VIRTUAL)[0] == 0
    )


def _too_slow(signum: int, frame: object) -> None:
    raise RegexTooSlow


def python_regex(pattern: str) -> str:
    """PCRE's spellings in Python's: named groups, POSIX classes, flags set mid-pattern."""
    pattern = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern)
    pattern = re.sub(
        r"\[:(\w+):\]", lambda match: _POSIX_CLASSES.get(match.group(1), match.group(0)), pattern
    )
    return _scoped_flags(pattern)


def _scoped_flags(pattern: str) -> str:
    """``a(?i)b`` (flags from here on, in PCRE) as ``a(?i:b)``: Python takes flags
    mid-pattern only for a group."""
    match = _GLOBAL_FLAGS.search(pattern, 1)
    if match is None:
        return pattern
    depth, index = 0, match.end()
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 1
        elif char == "[":
            index = _class_end(pattern, index)
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        index += 1
    scoped = f"(?{match.group(1)}:" + pattern[match.end() : index] + ")"
    return pattern[: match.start()] + scoped + _scoped_flags(pattern[index:])


def check_filter(entry: OriginFilter) -> PatternCheck:
    """Try an allow-list regex with attacker-owned origins."""
    pattern = f"^(?:{entry.pattern})$" if entry.whole else entry.pattern
    return check_origin_regex(pattern, entry.ignore_case)


def check_origin_regex(pattern: str, ignore_case: bool = False) -> PatternCheck:
    """Try ``pattern`` (a PCRE as nginx writes it) with attacker-owned origins."""
    try:
        return _checked_origin_regex(pattern, ignore_case)
    except RegexTooSlow:
        # Not cached: a run that ran out of regex time says nothing of the next run.
        return PatternCheck(None, ())


@cache
def _checked_origin_regex(pattern: str, ignore_case: bool) -> PatternCheck:
    compiled = compile_pcre(pattern, re.IGNORECASE if ignore_case else 0)
    if compiled is None:
        return PatternCheck(None, ())
    return _tried(pattern, compiled)


def _tried(pattern: str, compiled: re.Pattern[str]) -> PatternCheck:
    found: dict[LeakKind, Leak] = {}
    for origin in (f"https://{ATTACKER}", f"http://{ATTACKER}"):
        if search_pcre(compiled, origin) and LeakKind.ANY_ORIGIN not in found:
            found[LeakKind.ANY_ORIGIN] = Leak(LeakKind.ANY_ORIGIN, origin)
    if search_pcre(compiled, "null"):
        found[LeakKind.NULL] = Leak(LeakKind.NULL, "null")
    examples = _example_origins(pattern, compiled)
    if LeakKind.ANY_ORIGIN not in found:
        for example in examples:
            for kind, origin in _attacks(example):
                if kind not in found and search_pcre(compiled, origin):
                    found[kind] = Leak(kind, origin)
    leaks = tuple(found[kind] for kind in LeakKind if kind in found)
    return PatternCheck(examples[0] if examples else None, leaks)


def _attacks(example: str) -> list[tuple[LeakKind, str]]:
    """Origins someone else can own, derived from an origin the pattern is meant for."""
    scheme, _, rest = example.partition("://")
    host, _, port = rest.partition(":")
    port = f":{port}" if port else ""
    registrable = _registrable(host)
    attacks = []
    if not port:
        attacks.append((LeakKind.UNANCHORED_END, f"{example}.{ATTACKER}"))
    if "." in host:
        attacks.append((LeakKind.SUFFIX_WITHOUT_DOT, f"{scheme}://evil{registrable}{port}"))
    # A dot read as "any character": app.example.com -> appxexample.com, a domain
    # of its own (the top-level domain's dot stays).
    for index in [i for i, char in enumerate(host) if char == "."][:-1]:
        changed = host[:index] + "x" + host[index + 1 :]
        if _registrable(changed) != registrable:
            attacks.append((LeakKind.UNESCAPED_DOT, f"{scheme}://{changed}{port}"))
    return attacks


def _registrable(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SHARED_SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _example_origins(pattern: str, compiled: re.Pattern[str]) -> list[str]:
    r"""Origins the pattern is meant for: short matches of each of its alternatives.

    Optional parts are left out (``(.+\.)?example\.com``), and taken once
    (``.*\.example\.com`` needs a label before the dot; ``(www.)?`` hides a dot).
    """
    examples: list[str] = []
    for variant in _variants(pattern):
        for optional in (0, 1):
            try:
                text = _Witness(variant, optional).sequence().replace(_ANY, ".")
            except (IndexError, ValueError):
                continue
            if text.startswith("://"):
                text = "https" + text
            elif "://" not in text:
                text = "https://" + text.lstrip("/")
            scheme, _, host = text.partition("://")
            if host.startswith("."):
                host = "a" + host
                text = f"{scheme}://{host}"
            named = "." in host or host.split(":")[0] == "localhost"
            valid = scheme in ("http", "https") and named and _HOST.fullmatch(host)
            if valid and search_pcre(compiled, text) and text not in examples:
                examples.append(text)
    # Prefer what a site would use: the default port, https, a full host name.
    return sorted(
        examples,
        key=lambda origin: (
            origin.count(":") > 1,
            not origin.startswith("https:"),
            "." not in origin,
        ),
    )


def _variants(pattern: str) -> list[str]:
    """The pattern with one choice of its alternatives (``a|b``, ``(x|y)``), no ``|`` left:
    each alternative in some variant, so there are no more variants than alternatives."""
    variants, _ = _alternatives(pattern, 0)
    return variants


def _alternatives(pattern: str, index: int) -> tuple[list[str], int]:
    """The variants of the alternation starting at ``index``, and where it ends."""
    branches: list[str] = []
    current = [""]
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            piece, index = pattern[index : index + 2], index + 2
        elif char == "[":
            end = _class_end(pattern, index)
            piece, index = pattern[index : end + 1], end + 1
        elif char == "(":
            start = index
            index += 1
            if pattern[index : index + 1] == "?":
                # (?:, (?P<name>, (?=, (?<=, or flags (?i) whose group is empty.
                while pattern[index] not in ":)>=!":
                    index += 1
                if pattern[index] in ":>=!":
                    index += 1
            prefix = pattern[start:index]
            inner, index = _alternatives(pattern, index)
            index += 1  # the closing parenthesis
            # Each branch beside the variants so far in turn, not beside every one of
            # them: (a|b)(c|d)... would multiply the variants.
            current = [
                current[i % len(current)] + prefix + inner[i % len(inner)] + ")"
                for i in range(max(len(current), len(inner)))
            ]
            continue
        elif char == ")":
            break
        elif char == "|":
            branches.extend(current)
            current = [""]
            index += 1
            continue
        else:
            piece, index = char, index + 1
        current = [head + piece for head in current]
    branches.extend(current)
    return branches, index


def _class_end(pattern: str, start: int) -> int:
    """The index of the ``]`` closing the class that opens at ``start``."""
    index = start + 1
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1
    while pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index


_ANY = "\0"  # a bare `.`: itself in a host name, a letter when repeated


class _Witness:
    """A short string a regex without alternatives matches.

    ``optional`` is how many times ``?`` and ``*`` repeat their atom (0 or 1).
    """

    _CLASSES: ClassVar[dict[str, str]] = {"d": "0", "w": "a", "s": " "}

    def __init__(self, pattern: str, optional: int) -> None:
        self.pattern = pattern
        self.optional = optional
        self.index = 0

    def sequence(self) -> str:
        out = ""
        while self.index < len(self.pattern) and self._peek() != ")":
            out += self.quantified(self.atom())
            if len(out) > _ORIGIN_LIMIT:
                raise ValueError("longer than any origin")
        return out

    def atom(self) -> str:
        char = self.pattern[self.index]
        self.index += 1
        if char == "(":
            if self._peek() == "?":
                self._skip_group_prefix()
            inner = self.sequence()
            if self._peek() != ")":
                raise ValueError("unbalanced group")
            self.index += 1
            return inner
        if char == "[":
            return self._class()
        if char == "\\":
            escaped = self.pattern[self.index]
            self.index += 1
            return self._CLASSES.get(escaped, escaped)
        if char in "^$":
            return ""
        if char == ".":
            return _ANY
        return char

    def quantified(self, atom: str) -> str:
        char = self._peek()
        if atom == _ANY and char in ("?", "*", "+", "{"):
            atom = "a"
        if char in ("?", "*"):
            self.index += 1
            atom *= self.optional
        elif char == "+":
            self.index += 1
        elif char == "{":
            end = self.pattern.index("}", self.index)
            low = self.pattern[self.index + 1 : end].split(",")[0]
            self.index = end + 1
            # Copies past the limit make a text too long (above) or one the regex
            # does not match (the example is searched with it before it is kept).
            atom *= min(int(low), _ORIGIN_LIMIT)
        else:
            return atom
        if self._peek() in ("?", "+"):
            self.index += 1
        return atom

    def _class(self) -> str:
        end = _class_end(self.pattern, self.index - 1)
        body = self.pattern[self.index : end]
        self.index = end + 1
        if body.startswith("^"):
            return "a"
        return "a" if body[:1] in ("\\", "") else body[0]

    def _skip_group_prefix(self) -> None:
        self.index += 1  # "?"
        name = _GROUP_NAME.match(self.pattern, self.index)
        if self._peek() == ":":
            self.index += 1
        elif name is not None:
            self.index = name.end()
        elif self._peek().isalpha() or self._peek() == "-":
            # Inline flags, (?i) or (?i:...): an empty group, or the group's body.
            while self._peek() not in (")", ":"):
                self.index += 1
            if self._peek() == ":":
                self.index += 1
        else:  # (?=, (?!, (?<=, (?<!: a lookaround is not followed.
            raise ValueError

    def _peek(self) -> str:
        return self.pattern[self.index] if self.index < len(self.pattern) else ""
