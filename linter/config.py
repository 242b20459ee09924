"""The configuration file: ``[tool.authlint]`` in ``pyproject.toml``, or ``.authlint.toml``.

The file is found walking up from the current directory: the first folder
holding either file wins, ``.authlint.toml`` before ``pyproject.toml``, and a
``pyproject.toml`` without a ``[tool.authlint]`` table is passed over. Every
key and value is checked; the first problem is a ``ConfigError`` naming the
file and the key. Globs and folders are relative to the file's folder.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from authlint.globs import GlobError, Globs
from authlint.rule import Severity
from authlint.selection import (
    PerFileIgnore,
    RuleSelection,
    SelectorError,
    expand,
    parse_ignores,
    parse_selectors,
)

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from authlint.rule import Rule

CONFIG_FILE = ".authlint.toml"
PYPROJECT = "pyproject.toml"
KEYS = (
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "fail-on",
    "include-map",
    "follow-outside-includes",
    "rules",
)
# A config is a few lines; past this, the file named is not one (`--config /dev/zero`).
MAX_CONFIG_BYTES = 1024 * 1024
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
# Where tomllib and tomli say a syntax error is, at the end of their message.
_TOML_PLACE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    """What a config file sets; ``None`` and empty values are left to the command line's defaults.

    ``rule_options`` maps a rule ID to its options' values, converted to their kinds.
    ``warnings`` name the settings that were refused (see :class:`_Reader`).
    """

    path: Path | None = None
    selection: RuleSelection = field(default_factory=RuleSelection)
    per_file_ignores: tuple[PerFileIgnore, ...] = ()
    exclude: Globs | None = None
    fail_on: Severity | None = None
    include_maps: tuple[tuple[str, Path], ...] = ()
    rule_options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def find_config(start: Path) -> Path | None:
    """The config file for a run from the folder ``start``, or None; see the module's docstring."""
    for folder in (start, *start.parents):
        dedicated = folder / CONFIG_FILE
        if dedicated.is_file():
            return dedicated
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            display = os.path.relpath(pyproject, start)
            if _authlint_table(_read(pyproject, display), display) is not None:
                return pyproject
    return None


def load_config(
    cwd: Path,
    rules: Sequence[type[Rule]],
    explicit: Path | None = None,
    isolated: bool = False,
) -> Config:
    """The checked configuration for a run in ``cwd``, knowing ``rules``.

    ``explicit`` (``--config``) is read instead of the one found walking up:
    a file named ``pyproject.toml`` by its ``[tool.authlint]`` table, any
    other by its top-level keys. ``isolated`` ignores config files.
    """
    if isolated:
        return Config()
    if explicit is not None:
        path, display = cwd / explicit, str(explicit)
    else:
        found = find_config(cwd)
        if found is None:
            return Config()
        path, display = found, os.path.relpath(found, cwd)
    document = _read(path, display)
    if path.name != PYPROJECT:
        return _Reader(display, "", _folder_of(path), rules).config(path, document)
    table = _authlint_table(document, display)
    if table is None:
        raise ConfigError(f"{display}: has no [tool.authlint] table")
    return _Reader(display, "tool.authlint.", _folder_of(path), rules).config(path, table)


def _folder_of(path: Path) -> Path:
    """The real folder of a config file (realpath: Path.resolve raises on a link loop)."""
    return Path(os.path.realpath(path)).parent


def _read(path: Path, display: str) -> dict[str, Any]:
    try:
        # Non-blocking: opening a FIFO for reading would wait for a writer.
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ConfigError(f"{display}: is not a regular file")
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{display}: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{display}: is larger than {MAX_CONFIG_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{display}: is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{display}: {_toml_error(str(exc), text)}") from None


def _toml_error(message: str, text: str) -> str:
    """``line N, column M: invalid TOML: reason`` from a TOML parser's message."""
    place = _TOML_PLACE.search(message)
    if place is None:
        return f"invalid TOML: {message}"
    reason = message[: place.start()]
    if place.group(1) is None:
        last = max(1, len(text.splitlines()))
        return f"line {last}: invalid TOML: {reason} at the end of the file"
    return f"line {place.group(1)}, column {place.group(2)}: invalid TOML: {reason}"


def _authlint_table(document: dict[str, Any], display: str) -> dict[str, Any] | None:
    tool = document.get("tool")
    if not isinstance(tool, dict) or "authlint" not in tool:
        return None
    table = tool["authlint"]
    if not isinstance(table, dict):
        raise ConfigError(f"{display}: tool.authlint: must be a table")
    return table


def _key_part(name: str) -> str:
    if _BARE_KEY.match(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Reader:
    """Checks one config table; ``prefix`` is the table's own key (``tool.authlint.``).

    A config file is written by whoever commits to the repository, pull
    requests included, so it may not make authlint read outside the folder
    that holds it: an ``include-map`` to a folder elsewhere and
    ``follow-outside-includes = true`` are refused with a warning (the
    command line, written by whoever runs authlint, may set both).
    """

    def __init__(
        self, display: str, prefix: str, folder: Path, rules: Sequence[type[Rule]]
    ) -> None:
        self.display = display
        self.prefix = prefix
        self.folder = folder
        self.rules = {rule.id: rule for rule in rules}
        self.warnings: list[str] = []

    def error(self, keys: Sequence[str], what: str) -> ConfigError:
        return ConfigError(f"{self.display}: {self.key(keys)}: {what}")

    def refuse(self, keys: Sequence[str], why: str) -> None:
        self.warnings.append(f"{self.display}: {self.key(keys)}: ignored: {why}")

    def key(self, keys: Sequence[str]) -> str:
        return self.prefix + ".".join(_key_part(name) for name in keys)

    def config(self, path: Path, table: dict[str, Any]) -> Config:
        for key in table:
            if key not in KEYS:
                close = difflib.get_close_matches(key, KEYS, n=1)
                hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(KEYS)}"
                if key == "tool" and not self.prefix:
                    hint = f"{CONFIG_FILE} takes the keys at its top level, not in [tool.authlint]"
                raise self.error([key], f"unknown key; {hint}")
        has_select = "select" in table
        fail_on = table.get("fail-on")
        if fail_on is not None and fail_on not in {severity.value for severity in Severity}:
            raise self.error(
                ["fail-on"],
                f"must be one of {', '.join(s.value for s in Severity)} (got {fail_on!r})",
            )
        follow = table.get("follow-outside-includes")
        if follow is not None and not isinstance(follow, bool):
            raise self.error(["follow-outside-includes"], f"must be true or false (got {follow!r})")
        if follow:
            self.refuse(
                ["follow-outside-includes"],
                "a config file cannot let authlint read outside its folder; "
                "pass --follow-outside-includes on the command line",
            )
        return Config(
            path=path,
            selection=RuleSelection(
                select=self.selectors(table, "select", parse_selectors) if has_select else None,
                extend_select=self.selectors(table, "extend-select", parse_selectors),
                ignore=self.selectors(table, "ignore", parse_ignores),
            ),
            per_file_ignores=self.per_file_ignores(table.get("per-file-ignores", {})),
            exclude=self.exclude(table.get("exclude", [])),
            fail_on=None if fail_on is None else Severity(fail_on),
            include_maps=self.include_maps(table.get("include-map", {})),
            rule_options=self.rule_options(table.get("rules", {})),
            warnings=tuple(self.warnings),
        )

    def strings(self, keys: Sequence[str], value: object, what: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(keys, f"must be a list of {what} (got {value!r})")
        return value

    def table(self, keys: Sequence[str], value: object, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(keys, f"must be a table of {what} (got {value!r})")
        return value

    def selectors(
        self,
        table: dict[str, Any],
        key: str,
        parse: Callable[[list[str], Sequence[str]], tuple[str, ...]],
        keys: Sequence[str] = (),
    ) -> tuple[str, ...]:
        where = [*keys, key]
        values = self.strings(where, table.get(key, []), 'selectors such as ["AL3", "AL301"]')
        try:
            return parse(values, list(self.rules))
        except SelectorError as exc:
            raise self.error(where, str(exc)) from None

    def per_file_ignores(self, value: object) -> tuple[PerFileIgnore, ...]:
        entries = self.table(["per-file-ignores"], value, "globs -> lists of selectors")
        found = []
        for pattern in entries:
            selectors = self.selectors(entries, pattern, parse_ignores, ["per-file-ignores"])
            try:
                globs = Globs.of(self.folder, [pattern])
            except GlobError as exc:
                raise self.error(["per-file-ignores", pattern], str(exc)) from None
            found.append(PerFileIgnore(globs, expand(selectors, self.rules)))
        return tuple(found)

    def exclude(self, value: object) -> Globs | None:
        patterns = self.strings(["exclude"], value, "globs")
        try:
            return Globs.of(self.folder, patterns) if patterns else None
        except GlobError as exc:
            raise self.error(["exclude"], str(exc)) from None

    def include_maps(self, value: object) -> tuple[tuple[str, Path], ...]:
        entries = self.table(["include-map"], value, "absolute prefixes -> folders")
        maps = []
        for prefix, folder in entries.items():
            keys = ["include-map", prefix]
            if not prefix.startswith("/"):
                raise self.error(keys, "the prefix must be an absolute path such as /etc/nginx")
            if not isinstance(folder, str):
                raise self.error(keys, f"must be a folder (got {folder!r})")
            # realpath, not Path.resolve: that raises on a symbolic link loop.
            directory = Path(os.path.realpath(self.folder / folder))
            if not directory.is_dir():
                raise self.error(keys, f"no such folder: {folder}")
            if not directory.is_relative_to(os.path.realpath(self.folder)):
                self.refuse(
                    keys,
                    f"{folder} is outside the config file's folder, and a config file cannot "
                    "let authlint read there; pass --include-map on the command line",
                )
                continue
            maps.append((str(PurePosixPath(prefix)), directory))
        return tuple(maps)

    def rule_options(self, value: object) -> dict[str, dict[str, object]]:
        entries = self.table(["rules"], value, "rule IDs -> options")
        options: dict[str, dict[str, object]] = {}
        for rule_id, settings in entries.items():
            rule = self.rules.get(rule_id)
            if rule is None:
                raise self.error(["rules", rule_id], "no such rule")
            declared = {option.name: option for option in rule.options}
            if not declared:
                raise self.error(["rules", rule_id], f"{rule_id} ({rule.name}) has no options")
            values = self.table(["rules", rule_id], settings, "option names -> values")
            options[rule_id] = {}
            for name, setting in values.items():
                keys = ["rules", rule_id, name]
                option = declared.get(name)
                if option is None:
                    raise self.error(
                        keys, f"unknown option; {rule_id} has {', '.join(sorted(declared))}"
                    )
                converted = option.kind.convert(setting)
                if converted is None:
                    raise self.error(keys, f"must be {option.kind.description} (got {setting!r})")
                options[rule_id][name] = converted
        return options
