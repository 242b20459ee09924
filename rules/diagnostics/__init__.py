"""Family 0: the linter's own diagnostics (files it could not read as configs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from authlint.rule import Finding, Rule

if TYPE_CHECKING:
    from collections.abc import Iterator

    from authlint.model.workspace import ProblemKind, Workspace


class LoadProblemRule(Rule):
    """Reports the problems of one kind that the loaders met."""

    problem_kind: ClassVar[ProblemKind]
    states_server_behaviour = False

    def check(self, workspace: Workspace) -> Iterator[Finding]:
        for problem in workspace.problems:
            if problem.kind is self.problem_kind:
                yield self.finding(
                    problem.span,
                    problem.message,
                    problem.fix,
                    group=problem.group,
                    format=problem.format,
                )
