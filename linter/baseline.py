"""Baselines: today's findings, recorded so that a later run reports only new ones.

A finding is known by its rule, its file and a hash of its line's content,
not by its line number, so that lines added above it do not bring it back.
Identical lines count: a baseline holding one finding on ``add_header X 1;``
accepts one such finding, and a second copy of the line is new. Parse errors
(AL001) are never recorded: a file that does not parse always fails the run.

The line is hashed masked (:mod:`authlint.masking`), as it is shown, and the
message recorded is the masked one: a committed baseline holds no credential,
nor a hash to test guesses of one against. Version 1 hashed lines as written;
such a file is still read (most lines have nothing to mask, so their hashes
are unchanged), and the command asks for it to be written again.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from authlint.fingerprint import line_hash

if TYPE_CHECKING:
    from collections.abc import Mapping

    from authlint.model.source import SourceFile
    from authlint.rule import Finding

BASELINE_VERSION = 2
# Version 1: the same entries, the lines hashed unmasked.
READABLE_VERSIONS = frozenset({1, BASELINE_VERSION})
UNBASELINED_RULES = frozenset({"AL001"})

Key = tuple[str, str, str]


class BaselineError(Exception):
    """A baseline file that cannot be read or is not one."""


@dataclass(frozen=True)
class Baseline:
    """The findings a baseline file accepts, counted by (rule, path, line hash).

    Paths are stored relative to the baseline file's folder, so the same
    baseline works from any current directory. ``version`` is the file's.
    """

    folder: Path
    accepted: Counter[Key]
    version: int

    @classmethod
    def read(cls, path: Path) -> Baseline:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise BaselineError(f"{path}: cannot read the baseline ({exc.strerror})") from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BaselineError(f"{path}: not a baseline file (not JSON)") from None
        if not isinstance(document, dict):
            document = {}
        entries = document.get("findings")
        version = document.get("version")
        if version not in READABLE_VERSIONS or not isinstance(entries, list):
            raise BaselineError(
                f"{path}: not an authlint baseline of version "
                + " or ".join(map(str, sorted(READABLE_VERSIONS)))
            )
        accepted: Counter[Key] = Counter()
        for entry in entries:
            fields = [entry.get(key) if isinstance(entry, dict) else None for key in _KEYS]
            if not all(isinstance(value, str) for value in fields):
                raise BaselineError(f"{path}: an entry lacks one of {', '.join(_KEYS)}")
            rule, file, digest = fields
            accepted[(str(rule), str(file), str(digest))] += 1
        return cls(path.resolve().parent, accepted, int(version))

    def new_findings(
        self, findings: list[Finding], files: Mapping[str, SourceFile], cwd: Path
    ) -> tuple[list[Finding], int]:
        """The findings this baseline does not accept, and how many it did."""
        remaining = Counter(self.accepted)
        new: list[Finding] = []
        for finding in findings:
            key = _key(finding, files, cwd, self.folder)
            if key is not None and remaining[key] > 0:
                remaining[key] -= 1
            else:
                new.append(finding)
        return new, len(findings) - len(new)


_KEYS = ("rule", "path", "line_hash")


def write_baseline(
    destination: Path, findings: list[Finding], files: Mapping[str, SourceFile], cwd: Path
) -> int:
    """Record ``findings`` in ``destination``; return how many were recorded."""
    folder = (cwd / destination).resolve().parent
    entries = []
    for finding in findings:
        key = _key(finding, files, cwd, folder)
        if key is not None:
            rule, path, digest = key
            entries.append(
                {"rule": rule, "path": path, "line_hash": digest, "message": finding.message}
            )
    entries.sort(
        key=lambda entry: (entry["path"], entry["rule"], entry["line_hash"], entry["message"])
    )
    document = {"version": BASELINE_VERSION, "tool": "authlint", "findings": entries}
    # A path that is not UTF-8 is written as \udcXX escapes, which read back as it was.
    (cwd / destination).write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
        errors="backslashreplace",
    )
    return len(entries)


def unrecorded(findings: list[Finding]) -> list[Finding]:
    """The findings a baseline never records (parse errors)."""
    return [finding for finding in findings if finding.rule in UNBASELINED_RULES]


def _key(finding: Finding, files: Mapping[str, SourceFile], cwd: Path, folder: Path) -> Key | None:
    if finding.rule in UNBASELINED_RULES:
        return None
    source = files.get(finding.span.path)
    text = source.masked_line_text(finding.span.line) if source is not None else ""
    return (finding.rule, _relative(finding.span.path, cwd, folder), line_hash(text))


def _relative(path: str, cwd: Path, folder: Path) -> str:
    """``path`` (relative to ``cwd``) relative to ``folder``; absolute paths stay as they are."""
    if PurePosixPath(path).is_absolute():
        return path
    return PurePosixPath(os.path.relpath(cwd / path, folder)).as_posix()
