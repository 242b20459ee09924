"""How nginx reads argument values: sizes and variables."""

from __future__ import annotations

import re

# Sizes take k and m; g is only for offsets, which no rule reads.
_SIZE = re.compile(r"^(\d+)([kKmM]?)$")
_UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def parse_size(text: str) -> int | None:
    """Bytes in an nginx size (``8k``, ``1m``, ``512``); ``None`` if nginx would refuse it."""
    match = _SIZE.match(text)
    if match is None:
        return None
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def variables_in(text: str) -> list[str]:
    """The variable names (lower case, without ``$``) a value refers to."""
    return [(braced or bare).lower() for braced, bare in _VARIABLE.findall(text)]


def only_variable(text: str) -> str | None:
    """The variable's name when the whole value is one variable (``$x`` or ``${x}``)."""
    match = _VARIABLE.fullmatch(text.strip())
    if match is None:
        return None
    return (match.group(1) or match.group(2)).lower()
