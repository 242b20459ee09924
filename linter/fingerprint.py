"""Fingerprints of source lines, which survive edits elsewhere in a file.

``line_hash`` identifies a line by its content alone (baselines match findings
by it, so inserting lines above a finding does not bring it back).
``primary_location_line_hashes`` is GitHub code scanning's
``partialFingerprints.primaryLocationLineHash``, computed as the upload action
computes it (``github/codeql-action``, ``src/fingerprints.ts``), so alerts keep
their identity however the log reaches GitHub.
"""

from __future__ import annotations

import hashlib

_WINDOW = 100
_MULTIPLIER = 37
_MODULUS = 1 << 64
# The weight of the code unit that leaves the window as the next one enters.
_LEAVING_WEIGHT = pow(_MULTIPLIER, _WINDOW, _MODULUS)
_END_OF_FILE = 0xFFFF
_TAB, _LF, _CR, _SPACE = 0x09, 0x0A, 0x0D, 0x20


def line_hash(text: str) -> str:
    """A short hex hash of a line's content (whitespace runs count as one space; ends stripped)."""
    normalised = " ".join(text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def primary_location_line_hashes(text: str) -> list[str]:
    """GitHub's ``primaryLocationLineHash`` of each line of ``text`` (line 1 first).

    A line's hash covers the next 100 code units from the line's start, spaces
    and tabs left out and line ends read as one LF, over the end of the line
    and into the following ones; the file's end adds one 0xFFFF unit, then
    zeros. The value is the hash in hex and how many lines before and
    including this one have the same hash: ``"a7f2ff13bc495cf2:2"``. The lines
    are those of ``\\n``, ``\\r\\n`` and ``\\r``, so a text ending in a line
    break has one more, empty line (as GitHub counts them).
    """
    units, line_starts = _significant_units(text)
    padded = units + [0] * _WINDOW
    hashes: list[str] = []
    repeats: dict[str, int] = {}
    rolling = 0
    starts = iter(line_starts)
    next_start = next(starts, None)
    for position, unit in enumerate(padded):
        leaving = padded[position - _WINDOW] if position >= _WINDOW else 0
        rolling = (rolling * _MULTIPLIER + unit - leaving * _LEAVING_WEIGHT) % _MODULUS
        # The window now ends at ``position``: it covers the line starting 99 units back.
        if next_start is not None and next_start + _WINDOW - 1 == position:
            value = format(rolling, "x")
            repeats[value] = repeats.get(value, 0) + 1
            hashes.append(f"{value}:{repeats[value]}")
            next_start = next(starts, None)
    return hashes


def _significant_units(text: str) -> tuple[list[int], list[int]]:
    """The UTF-16 code units the hash reads, and where in them each line starts.

    JavaScript strings are UTF-16, so a character beyond U+FFFF counts as its
    two surrogates. A space or tab is skipped, and so is an LF straight after
    a CR (CRLF is one line end); skipping a space or tab also ends that CRLF
    pairing, as the original does. A CR is read as an LF.
    """
    units: list[int] = []
    line_starts: list[int] = []
    at_line_start = True
    after_cr = False
    for code_point in (*map(ord, text), _END_OF_FILE):
        for unit in _utf16(code_point):
            if unit in (_SPACE, _TAB) or (after_cr and unit == _LF):
                after_cr = False
                continue
            after_cr = unit == _CR
            if after_cr:
                unit = _LF
            if at_line_start:
                line_starts.append(len(units))
                at_line_start = False
            if unit == _LF:
                at_line_start = True
            units.append(unit)
    return units, line_starts


def _utf16(code_point: int) -> tuple[int, ...]:
    if code_point <= 0xFFFF:
        return (code_point,)
    offset = code_point - 0x10000
    return (0xD800 + (offset >> 10), 0xDC00 + (offset & 0x3FF))
