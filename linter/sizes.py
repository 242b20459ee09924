"""Sizes and counts as nginx writes them (``8192``, ``16k``, ``1m``).

The one reader of that notation: nginx's values (``authlint.nginx``) and the
rules' ``SIZE`` options (``authlint.rule``) both use it, so it depends on
no format.
"""

from __future__ import annotations

import re

# Sizes take k and m; g is only for offsets, which no rule reads. Digits are
# ASCII ones: nginx refuses others (\d would take "٣").
_SIZE = re.compile(r"^([0-9]+)([kKmM]?)$")
_UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}
_NUMBER = re.compile(r"[0-9]+")
# nginx refuses a number or a size past its largest (NGX_MAX_INT_T_VALUE and
# NGX_MAX_SIZE_T_VALUE, the same on 64-bit systems). Past 19 digits a number
# is not even converted: Python refuses to convert over 4,300 digits.
_LARGEST = 2**63 - 1
_LARGEST_DIGITS = len(str(_LARGEST))


def parse_size(text: str) -> int | None:
    """Bytes in an nginx size (``8k``, ``1m``, ``512``); ``None`` if nginx would refuse it."""
    match = _SIZE.match(text)
    if match is None:
        return None
    scale = _UNITS[match.group(2).lower()]
    number = parse_number(match.group(1))
    return number * scale if number is not None and number <= _LARGEST // scale else None


def parse_number(text: str) -> int | None:
    """An nginx number (``4``); ``None`` if nginx would refuse it."""
    digits = text.lstrip("0") or "0"
    if not _NUMBER.fullmatch(text) or len(digits) > _LARGEST_DIGITS:
        return None
    number = int(digits)
    return number if number <= _LARGEST else None
