"""Fingerprints of source lines, stable across unrelated edits."""

from __future__ import annotations

import hashlib


def line_hash(text: str) -> str:
    """A short hash of a line's content: whitespace runs collapsed, ends stripped."""
    normalised = " ".join(text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]
