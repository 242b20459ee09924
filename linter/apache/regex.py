"""httpd's regexes (PCRE) as Python reads them, each search bounded in time.

A regex Python cannot read as PCRE does, or one that backtracks past the
allowance of one search or of the run (:mod:`authlint.model.origins`), gives
no answer: :class:`Unanswered`. Those that took too long are counted, so that
what rests on them is known to be a guess.
"""

from __future__ import annotations

import re
from functools import lru_cache

from authlint.model.origins import RegexTooSlow, compile_pcre, find_pcre


class Unanswered(Exception):
    """The regex cannot be read, or took too long on this text."""


class _Tally:
    slow = 0


@lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str] | None:
    return compile_pcre(pattern, re.IGNORECASE if ignore_case else 0)


def find(pattern: str, text: str, ignore_case: bool = False) -> re.Match[str] | None:
    """Where httpd's regex ``pattern`` first matches in ``text``."""
    compiled = _compiled(pattern, ignore_case)
    if compiled is None:
        raise Unanswered
    try:
        return find_pcre(compiled, text)
    except RegexTooSlow:
        _Tally.slow += 1
        raise Unanswered from None


def too_slow() -> int:
    """How many searches took too long so far in this process."""
    return _Tally.slow
