"""Rules, their metadata, the findings they report, and their discovery."""

from __future__ import annotations

import importlib
import pkgutil
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from authlint.formats import fix_hint, qualified
from authlint.model.settings import Facet
from authlint.model.source import Span
from authlint.model.tree import Node
from authlint.sizes import parse_size

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from authlint.model.workspace import ProblemKind, Workspace

RULE_ID = re.compile(r"^AL\d{3}$")
RULE_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
DOC_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Family(str, Enum):
    """A rule's family; the hundreds digit of its ID (the family's ``digit``) says which."""

    # authlint's diagnostics about its own run (AL0xx), under rules/diagnostics/.
    # The value is older than that name and stays: it is what reports print
    # ("family": "linter" in JSON, a SARIF tag) and what users filter on.
    DIAGNOSTICS = "linter"
    FORWARDING = "forwarding"
    BASIC_AUTH = "basic-auth"
    CORS = "cors"
    CACHING = "caching"
    BUFFERS = "buffers"
    HYGIENE = "hygiene"

    @property
    def digit(self) -> int:
        """The hundreds digit of the family's rule IDs: 3 for ``AL3xx``."""
        return _FAMILY_DIGITS[self]

    @classmethod
    def of(cls, rule_id: str) -> Family:
        return _FAMILY_OF_DIGIT[int(rule_id[2])]


_FAMILY_DIGITS = {
    Family.DIAGNOSTICS: 0,
    Family.FORWARDING: 1,
    Family.BASIC_AUTH: 2,
    Family.CORS: 3,
    Family.CACHING: 4,
    Family.BUFFERS: 5,
    Family.HYGIENE: 6,
}
_FAMILY_OF_DIGIT = {digit: family for family, digit in _FAMILY_DIGITS.items()}


T = TypeVar("T")


@dataclass(frozen=True)
class OptionKind(Generic[T]):
    """A type of rule option: ``convert`` turns a TOML value into it, or gives None."""

    description: str
    convert: Callable[[object], T | None]


def _size(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    return parse_size(value) if isinstance(value, str) else None


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _boolean(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _strings(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


# A size as nginx writes it (bytes, or "16k", "1m"), in bytes.
SIZE = OptionKind("a size such as 8192, 16k or 1m", _size)
INTEGER = OptionKind("an integer", _integer)
BOOLEAN = OptionKind("true or false", _boolean)
STRINGS = OptionKind("a list of strings", _strings)


class RuleDefinitionError(Exception):
    """A rule class whose metadata breaks the conventions."""


@dataclass(frozen=True)
class RuleOption(Generic[T]):
    """An option a rule declares: set in the config's ``[tool.authlint.rules.<ID>]``."""

    name: str
    kind: OptionKind[T]
    default: T
    help: str

    def __post_init__(self) -> None:
        if not RULE_NAME.match(self.name):
            raise RuleDefinitionError(f"option name {self.name!r} is not kebab-case")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place.

    Findings of a rule with the same ``group`` are one problem met at several
    places: the engine reports the first, with the others as ``related``.
    """

    rule: str
    severity: Severity
    family: Family
    message: str
    fix: str
    span: Span
    group: str | None = None
    related: tuple[Span, ...] = ()

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.path, self.span.line, self.span.column or 0, self.rule, self.message)


class Rule(ABC):
    """A check over the model (a :class:`RunRule`: over the run, after the others).

    Subclasses set the metadata below and a docstring in the house shape
    (``## What it does``, ``## Why is this bad?``, ``## Example``,
    ``## Use instead``); the docs are generated from both.
    """

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    fix: ClassVar[str]
    # The outside authority for what the rule says (nginx's docs, the Fetch
    # standard, an RFC), shown as the rule docs' Reference; None when the rule
    # is about authlint itself. The rule's own documentation is its docstring.
    reference_url: ClassVar[str | None]
    tags: ClassVar[tuple[str, ...]] = ()
    # The message says what the server does, so a real-server proof must show it
    # (tests/test_real_servers.py); false where the claim is the browser's.
    states_server_behaviour: ClassVar[bool] = True
    # The message quotes the error or warning of the server's config test
    # (`nginx -t`): that test, run on the rule's bad and good examples, is its proof.
    config_test: ClassVar[bool] = False
    # False where a `# authlint: ignore[...]` comment must not hide the finding.
    suppressible: ClassVar[bool] = True
    # The options users may set for this rule; the engine passes their values.
    options: ClassVar[tuple[RuleOption[Any], ...]] = ()
    # The settings the rule reads: it runs on every format that provides them
    # all (none: every format, as the diagnostics do, bounded by `problem_kind`).
    needs: ClassVar[frozenset[Facet]] = frozenset()
    # The problem a loader meets that the rule reports (the diagnostics): it
    # runs on the formats whose loaders can meet it.
    problem_kind: ClassVar[ProblemKind | None] = None
    # A grouped finding's other places, one and many: "(and 1 more place)".
    repeats_as: ClassVar[tuple[str, str]] = ("place", "places")

    def __init__(self, option_values: Mapping[str, object] | None = None) -> None:
        """``option_values``: option name -> value, already converted by its kind."""
        self._option_values = dict(option_values or {})

    def option(self, option: RuleOption[T]) -> T:
        """The configured value of one of this rule's options, or its default."""
        if option.name in self._option_values:
            return cast("T", self._option_values[option.name])
        return option.default

    @property
    def family(self) -> Family:
        return Family.of(self.id)

    @abstractmethod
    def check(self, workspace: Workspace) -> Iterator[Finding]:
        """Yield a finding for each problem in the model."""

    def finding(
        self,
        where: Node | Span,
        message: str,
        fix: str | None = None,
        group: str | None = None,
        *,
        fields: Mapping[str, str] | None = None,
        format: str | None = None,
    ) -> Finding:
        """A finding at ``where``.

        Its fix is ``fix``, else the fix hint of the format of ``where`` (a
        node's file, or ``format`` for a place in no node) for this rule, its
        ``{field}`` placeholders filled from ``fields``, else the rule's own.
        """
        span = where.span if isinstance(where, Node) else where
        if isinstance(where, Node):
            message = qualified(where, message)
        if fix is None:
            hint = fix_hint(where.file.format if isinstance(where, Node) else format, self.id)
            fix = self.fix if hint is None else _filled(hint, fields or {})
        return Finding(self.id, self.severity, self.family, message, fix, span, group)


def _filled(hint: str, fields: Mapping[str, str]) -> str:
    # Not str.format: hints quote configs, whose braces are no placeholders.
    for name, value in fields.items():
        hint = hint.replace(f"{{{name}}}", value)
    return hint


class Once:
    """The nodes a rule has reported, so that it reports each once.

    ``once.first(node)`` is true the first time and false from then on;
    ``once.seen(node)`` asks without claiming, to skip a node early. By
    identity: two directives alike at two places are two nodes.
    """

    def __init__(self) -> None:
        # Holding the nodes keeps their ids from being reused by others.
        self._seen: dict[int, Node] = {}

    def seen(self, node: Node) -> bool:
        """Whether ``node`` was already given to :meth:`first`."""
        return id(node) in self._seen

    def first(self, node: Node) -> bool:
        """True the first time ``node`` is given here, False from then on."""
        if id(node) in self._seen:
            return False
        self._seen[id(node)] = node
        return True


@dataclass(frozen=True)
class Run:
    """What a :class:`RunRule` examines besides the model.

    ``rules`` is every known rule, sorted by ID; ``enabled`` the IDs of those
    that ran; ``findings`` what the model rules among them found, one per
    place, before suppressions.
    """

    rules: tuple[type[Rule], ...]
    enabled: frozenset[str]
    findings: tuple[Finding, ...]


class RunRule(Rule):
    """A rule over the run rather than the model alone, checked after every other rule.

    The engine makes one per run, given the :class:`Run`, once the model rules
    are done; ``check`` then reads it as ``self.run``. Its findings come after
    suppressions were applied, so no comment can hide them: only not enabling
    the rule does.
    """

    suppressible = False
    states_server_behaviour = False

    def __init__(self, run: Run) -> None:
        super().__init__()
        self.run = run


def load_rules() -> list[type[Rule]]:
    """Every rule class under ``authlint.rules``, sorted by ID."""
    import authlint.rules as package

    found: dict[str, type[Rule]] = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value.__module__ == module.__name__
                and "id" in vars(value)
            ):
                _validate(value, found)
                found[value.id] = value
    return [found[rule_id] for rule_id in sorted(found)]


def _validate(rule: type[Rule], found: dict[str, type[Rule]]) -> None:
    problems = []
    if not RULE_ID.match(rule.id):
        problems.append(f"ID {rule.id!r} is not AL + three digits")
    elif rule.id in found:
        problems.append(f"ID {rule.id} is also used by {found[rule.id].__name__}")
    if not RULE_NAME.match(getattr(rule, "name", "")):
        problems.append("name is not kebab-case")
    doc = rule.__doc__ or ""
    positions = [doc.find(section) for section in DOC_SECTIONS]
    if -1 in positions or positions != sorted(positions):
        problems.append(f"docstring lacks the sections {', '.join(DOC_SECTIONS)} in order")
    if problems:
        raise RuleDefinitionError(f"{rule.__module__}.{rule.__name__}: {'; '.join(problems)}")
