"""The registry of config formats: which files each reads, how, and which settings it fills.

A format is a package (``authlint.nginx`` today) that gives one :class:`Format`.
Discovery hands each file to the first format that claims it; the engine has
each format present load its files into the workspace's scopes; a rule runs on
every format that provides the facets it reads (:func:`claimed_formats`).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from authlint.model.settings import Facet

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from contextlib import AbstractContextManager
    from pathlib import Path
    from typing import Protocol

    from authlint.model.tree import Node
    from authlint.model.workspace import ProblemKind, Workspace
    from authlint.progress import Progress
    from authlint.rule import Rule

    class GroupLoader(Protocol):
        """Loads the files of one scanned tree that the format claimed."""

        def __call__(self, workspace: Workspace, boundary: Path, files: Sequence[Path]) -> None: ...


@dataclass(frozen=True)
class IncludeOptions:
    """How includes may leave the scanned tree (any format that includes files).

    ``maps`` maps absolute prefixes (``/etc/nginx``) to folders; ``follow_outside``
    allows reading includes outside the tree as they are written. ``mirror``
    says the tree is a copy of ``/`` (a server's config written out from
    ``nginx -T``): an absolute include then resolves in the copy, at its own
    path, and nowhere else.
    """

    maps: tuple[tuple[str, Path], ...] = ()
    follow_outside: bool = False
    mirror: bool = False


class Format(ABC):
    """One config format.

    ``name`` is what its scopes and files carry as ``format``; ``server``
    how messages name the server that reads it; ``reading`` what a user is
    told it reads; ``provides`` the facets of
    :class:`~authlint.model.settings.Settings` it fills. ``fix_hints`` are
    the fixes, in its own terms, of the rules whose generic fix cannot say
    what to write (``{field}`` placeholders are filled by the rule);
    ``references`` its documentation of what each rule says; ``problems``
    the load problems its loader can meet (the diagnostics that run on it).
    """

    name: str
    server: str
    reading: str
    provides: frozenset[Facet]
    fix_hints: Mapping[str, str]
    references: Mapping[str, str]
    problems: frozenset[ProblemKind]

    @abstractmethod
    def worth_reading(self, name: str, folder: str) -> bool:
        """Whether a file called ``name`` in a folder called ``folder`` may be one of this
        format's (cheap: no file is opened)."""

    @abstractmethod
    def claims(self, path: Path, named: bool) -> bool:
        """Whether to read ``path`` as this format (it may open it to look at its head).

        ``named``: the user named the file on the command line.
        """

    def conditions(self, node: Node) -> str | None:
        """The conditions the configuration does not decide that ``node`` applies under,
        as a message says them (``None``: it applies unconditionally)."""
        return None

    @abstractmethod
    def loading(
        self,
        files: Sequence[Path],
        cwd: Path,
        includes: IncludeOptions,
        jobs: int,
        progress: Progress,
    ) -> AbstractContextManager[GroupLoader]:
        """A loader for this run's scan groups; ``files`` are all it will be given, in order,
        so that ``jobs`` processes can share their parse; ``progress`` advances per file."""


@cache
def registered() -> tuple[Format, ...]:
    """Every format, in the order they are offered a file."""
    # Imported on first use: each format package imports this module for its
    # base class, and a rule's module needs no format to be defined.
    from authlint.apache.format import APACHE
    from authlint.nginx.format import NGINX

    # nginx first: it claims a `.conf` only when it reads as nginx, and
    # Apache only when it does not.
    return (NGINX, APACHE)


@cache
def _by_name() -> dict[str, Format]:
    return {item.name: item for item in registered()}


def standard_input(
    text: str, name: str, includes: IncludeOptions
) -> AbstractContextManager[Workspace]:
    """The model of a config read from standard input, while it lasts: Apache's whole
    configuration as ``apachectl -t -D DUMP_CONFIG`` prints it, else nginx's (a file, or
    ``nginx -T``'s whole config)."""
    if re.search(r"^# In file: ", text, re.MULTILINE):
        from authlint.apache.dump import standard_input_loaded as apache_loaded

        return apache_loaded(text)
    from authlint.nginx.dump import standard_input_loaded

    return standard_input_loaded(text, name, includes)


def claimed_formats(rule: type[Rule]) -> tuple[str, ...]:
    """The formats a rule runs on: those that provide every facet it reads, and meet the
    load problem it reports."""
    return tuple(
        item.name
        for item in registered()
        if rule.needs <= item.provides
        and (rule.problem_kind is None or rule.problem_kind in item.problems)
    )


def fix_hint(format_name: str | None, rule_id: str) -> str | None:
    """The format's own fix for a rule, if it has one."""
    found = _by_name().get(format_name) if format_name is not None else None
    return found.fix_hints.get(rule_id) if found is not None else None


def qualified(node: Node, message: str) -> str:
    """``message`` about ``node``, with the undecided conditions it rests on said."""
    found = _by_name().get(node.file.format)
    note = None if found is None else found.conditions(node)
    return message if note is None else f"{message} (where {note})"


def server_name(format_name: str) -> str:
    """How messages name the server that reads a format (``nginx``)."""
    return _by_name()[format_name].server


def references(rule: type[Rule]) -> list[str]:
    """Where what a rule says is documented: its own authority (a standard), then each
    format's documentation of it."""
    found = [rule.reference_url] if rule.reference_url else []
    for item in registered():
        url = item.references.get(rule.id)
        if url is not None and url not in found:
            found.append(url)
    return found


def fix_hints(rule: type[Rule]) -> list[tuple[str, str]]:
    """Each format's own fix for a rule, as (server, hint); a placeholder the rule fills
    is shown as ``<name>``."""
    return [
        (item.server, re.sub(r"\{(\w+)\}", r"<\1>", item.fix_hints[rule.id]))
        for item in registered()
        if rule.id in item.fix_hints
    ]
