"""Laying out the text report for a terminal of :data:`WIDTH` columns.

Always this width, whatever the terminal: the same input gives the same
bytes. Long source lines are cut to a window around what the finding points
at, and prose is wrapped between words with a hanging indent.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass

WIDTH = 100
ELLIPSIS = "…"


# Stands for a space inside a code span while wrapping: a private-use character.
_KEPT_SPACE = "\ue000"
_CODE_SPAN = re.compile(r"`[^`]*`")


def wrapped(text: str, first_prefix: str, indent: str, width: int = WIDTH) -> list[str]:
    """``text`` after ``first_prefix``, wrapped to ``width`` with ``indent`` on later lines.

    Words and `code spans` are never split (past the width if they must), so
    that what can be copied still works.
    """
    kept = _CODE_SPAN.sub(lambda span: span[0].replace(" ", _KEPT_SPACE), text)
    lines = textwrap.wrap(
        kept,
        width=width,
        initial_indent=first_prefix,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first_prefix.rstrip()]
    return [line.replace(_KEPT_SPACE, " ") for line in lines]


@dataclass(frozen=True)
class Window:
    """The part of a source line shown, and where the marked span falls in it (0-based)."""

    visible: str
    start: int
    end: int


def window(text: str, start: int, end: int, width: int) -> Window:
    """``text`` cut to at most ``width`` characters keeping ``[start, end)`` in view.

    A cut side shows :data:`ELLIPSIS` in place of its last visible character;
    the span keeps a quarter of the width of context before it, as far as it
    can, and is cut itself if it is wider than the window.
    """
    if len(text) <= width:
        return Window(text, start, end)
    left = max(0, min(start - width // 4, len(text) - width))
    right = left + width
    shown = list(text[left:right])
    if left > 0:
        shown[0] = ELLIPSIS
    if right < len(text):
        shown[-1] = ELLIPSIS
    return Window("".join(shown), start - left, min(end, right) - left)


def printable(text: str) -> str:
    """``text`` with control characters (a NUL, an escape sequence's ESC) shown as ``�``.

    A config line is printed on the user's terminal: its bytes must not drive
    it. One character each, so that columns stay where they were.
    """
    return "".join(
        "\ufffd" if unicodedata.category(char) in ("Cc", "Cf") and char != "\t" else char
        for char in text
    )
