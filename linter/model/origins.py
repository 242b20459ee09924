"""Which origins an allow-list lets through, as a browser's ``Origin`` header can be.

An allow-list regex is judged by trying it: an origin it is meant for is built
from the pattern itself (its shortest match), then origins an attacker can
own are derived from it and matched the way the server matches (a search, not
a full match, unless anchored). Each one that passes is a leak, with the
origin that proves it. This serves every format whose CORS config holds
origin regexes (nginx ``map``/``if``, and later Traefik, Kong, Envoy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

ATTACKER = "attacker.invalid"
# Second-level labels under which registrations happen (example.co.uk).
_SHARED_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "edu", "ac"})


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


def check_origin_regex(pattern: str, ignore_case: bool = False) -> PatternCheck:
    """Try ``pattern`` (a PCRE as nginx writes it) with attacker-owned origins."""
    try:
        compiled = re.compile(python_regex(pattern), re.IGNORECASE if ignore_case else 0)
    except re.error:
        return PatternCheck(None, ())
    leaks = []
    if compiled.search(f"https://{ATTACKER}"):
        leaks.append(Leak(LeakKind.ANY_ORIGIN, f"https://{ATTACKER}"))
    if compiled.search("null"):
        leaks.append(Leak(LeakKind.NULL, "null"))
    example = _example_origin(pattern, compiled)
    if example is None:
        return PatternCheck(None, tuple(leaks))
    if any(leak.kind is LeakKind.ANY_ORIGIN for leak in leaks):
        return PatternCheck(example, tuple(leaks))
    scheme, host = example.split("://", 1)
    host = host.split(":")[0]
    registrable = _registrable(host)
    candidates = [
        (LeakKind.UNANCHORED_END, f"{example}.{ATTACKER}"),
        (LeakKind.SUFFIX_WITHOUT_DOT, f"{scheme}://evil{registrable}"),
    ]
    if host != registrable:
        # The dot before the registrable domain: app.example.com -> appxexample.com.
        prefix = host[: -len(registrable) - 1]
        candidates.append((LeakKind.UNESCAPED_DOT, f"{scheme}://{prefix}x{registrable}"))
    leaks += [Leak(kind, origin) for kind, origin in candidates if compiled.search(origin)]
    return PatternCheck(example, tuple(leaks))


def python_regex(pattern: str) -> str:
    """PCRE's named groups in Python's spelling."""
    return re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern)


def _registrable(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SHARED_SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _example_origin(pattern: str, compiled: re.Pattern[str]) -> str | None:
    r"""An origin the pattern is meant for: a short match of it, made a full origin.

    Optional parts are left out first (``(.+\.)?example\.com``), then taken
    once (``.*\.example\.com`` needs a label before the dot); alternatives are
    taken first, then last (``(null|https://app\.example\.com)``).
    """
    for optional, branch in ((0, 0), (1, 0), (0, -1), (1, -1)):
        try:
            text = _Witness(pattern, optional, branch).alternation().replace(_ANY, ".")
        except (IndexError, ValueError):
            return None
        if "://" not in text:
            text = "https://" + text.lstrip("/")
        host = text.split("://", 1)[1]
        valid = re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?", host)
        if valid and compiled.search(text):
            return text
    return None


_ANY = "\0"  # a bare `.`: itself in a host name, a letter when repeated


class _Witness:
    """A short string a regex matches, for the constructs origin patterns use.

    ``optional`` is how many times ``?`` and ``*`` repeat their atom (0 or 1);
    ``branch`` which alternative is taken (0: the first, -1: the last).
    """

    _CLASSES: ClassVar[dict[str, str]] = {"d": "0", "w": "a", "s": " "}

    def __init__(self, pattern: str, optional: int, branch: int) -> None:
        self.pattern = pattern
        self.optional = optional
        self.branch = branch
        self.index = 0

    def alternation(self) -> str:
        branches = [self.sequence()]
        while self._peek() == "|":
            self.index += 1
            branches.append(self.sequence())
        return branches[self.branch]

    def sequence(self) -> str:
        out = ""
        while self.index < len(self.pattern) and self._peek() not in "|)":
            atom = self.atom()
            out += self.quantified(atom)
        return out

    def atom(self) -> str:
        char = self.pattern[self.index]
        self.index += 1
        if char == "(":
            if self._peek() == "?":
                self._skip_group_prefix()
            inner = self.alternation()
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
            atom *= int(low or 0)
        else:
            return atom
        if self._peek() in ("?", "+"):
            self.index += 1
        return atom

    def _class(self) -> str:
        end = self.pattern.index("]", self.index + 1)
        body = self.pattern[self.index : end]
        self.index = end + 1
        if body.startswith("^"):
            return "a"
        return "a" if body[:1] in ("\\", "") else body[0]

    def _skip_group_prefix(self) -> None:
        self.index += 1  # "?"
        if self._peek() == ":":
            self.index += 1
        elif self._peek() in ("P", "<", "'") and self.pattern[self.index + 1] not in "=!":
            closing = "'" if self._peek() == "'" else ">"
            self.index = self.pattern.index(closing, self.index + 1) + 1
        elif self._peek().isalpha() or self._peek() == "-":
            # Inline flags, (?i) or (?i:...): an empty group, or the group's body.
            while self._peek() not in (")", ":"):
                self.index += 1
            if self._peek() == ":":
                self.index += 1
        else:
            raise ValueError("lookaround")

    def _peek(self) -> str:
        return self.pattern[self.index] if self.index < len(self.pattern) else ""
