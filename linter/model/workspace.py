"""Everything one run loaded: files, scope trees, and the problems met while loading."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from authlint.model.scope import Scope
    from authlint.model.source import SourceFile, Span


_Shared = TypeVar("_Shared")


class ProblemKind(str, Enum):
    """What went wrong while loading; each kind is reported by one ``AL0xx`` rule."""

    PARSE_ERROR = "parse-error"
    INCLUDE_CYCLE = "include-cycle"
    INCLUDE_NOT_FOUND = "include-not-found"
    INCLUDE_OUTSIDE_TREE = "include-outside-tree"
    TEMPLATE_PLACEHOLDER = "template-placeholder"
    OVERRIDE_REFUSED = "override-refused"


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """A problem met while loading.

    ``fix`` replaces the reporting rule's own where that does not fit;
    problems of one kind with the same ``group`` (an include's unread target)
    are one problem met at several places. ``format`` is the format whose
    file it is, for the fix in its terms (``None``: the file's format is not
    known, as for a folder that cannot be listed).
    """

    kind: ProblemKind
    span: Span
    message: str
    fix: str | None = None
    group: str | None = None
    format: str | None = None


@dataclass
class ReadBudget:
    """How much one run reads through includes: in proportion to what its files hold.

    Loaders count each directive they read where a file is included, and each
    include at :attr:`PER_INCLUDE` directives (following one costs about as
    much), as ``spent``; and each directive parsed in the run's files, as
    ``parsed``. Real trees read each snippet in many places, yet only a few
    times more than their files hold; an include that fans out exponentially
    (files that each include the next one twice, 25 deep) reads millions.
    Past the allowance, the run reads no more includes; ``said`` records
    that a loader reported where it stopped (once per run).
    """

    BASE: ClassVar[int] = 100_000
    PER_PARSED: ClassVar[int] = 50
    PER_INCLUDE: ClassVar[int] = 20

    parsed: int = 0
    spent: int = 0
    exhausted: bool = False
    said: bool = False

    @property
    def allowance(self) -> int:
        return self.BASE + self.PER_PARSED * self.parsed

    def allows_more(self) -> bool:
        """Whether the run may read another include; once it may not, it never may again."""
        if self.spent > self.allowance:
            self.exhausted = True
        return not self.exhausted


@dataclass
class Workspace:
    """The model of one run.

    ``roots`` are the top scopes (one per nginx main config, or per standalone
    snippet, which is read as if included in ``http``). ``unclaimed`` are the
    display paths of the files named on the command line that no format reads;
    ``notes`` what a loader tells the user once about how it read the files.
    """

    files: list[SourceFile] = field(default_factory=list)
    unclaimed: list[str] = field(default_factory=list)
    roots: list[Scope] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    reading: ReadBudget = field(default_factory=ReadBudget)
    notes: list[str] = field(default_factory=list)
    _formats: frozenset[str] | None = field(default=None, init=False, repr=False)
    _shared: dict[object, object] = field(default_factory=dict, init=False, repr=False)

    def only(self, formats: frozenset[str]) -> Workspace:
        """This run's model as a rule that reads only ``formats`` sees it: their scopes.

        A rule that reads every format of the run gets the model itself, whose
        scope lists are then built once for all such rules.
        """
        if self._formats is None:
            self._formats = frozenset(root.format for root in self.roots)
        if self._formats <= formats:
            return self
        return Workspace(
            self.files,
            self.unclaimed,
            [root for root in self.roots if root.format in formats],
            self.problems,
            self.reading,
        )

    def scopes(self) -> Iterator[Scope]:
        """Every scope, root by root in document order.

        Call it once loading is done: the list is built on first use and kept.
        """
        return iter(self.shared(_all_scopes))

    def shared(self, compute: Callable[[Workspace], _Shared]) -> _Shared:
        """What ``compute`` gives for this model, computed on first use and kept: the
        scopes a family of rules reads are listed once for all of them."""
        if compute not in self._shared:
            self._shared[compute] = compute(self)
        return cast("_Shared", self._shared[compute])

    def answering_scopes(self) -> list[Scope]:
        """The scopes that answer requests (they have an upstream, or serve files), in order."""
        return self.shared(_answering)

    def forwarding_scopes(self) -> list[Scope]:
        """The scopes whose upstream receives the client's request headers, in order."""
        return self.shared(_forwarding)


def _all_scopes(workspace: Workspace) -> list[Scope]:
    return [scope for root in workspace.roots for scope in root.walk()]


def _answering(workspace: Workspace) -> list[Scope]:
    return [scope for scope in workspace.scopes() if scope.settings.upstream is not None]


def _forwarding(workspace: Workspace) -> list[Scope]:
    found = []
    for scope in workspace.answering_scopes():
        upstream = scope.settings.upstream
        if upstream is not None and upstream.forwards_headers:
            found.append(scope)
    return found
