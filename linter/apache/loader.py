"""Loading Apache files into the model: each file parsed on its own, its refusal as AL001.

Includes, conditions and httpd's merging of sections come later (issue 12):
no scope is built, so no rule but the diagnostics reads these files yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from authlint.apache.parser import parse_file
from authlint.model.source import SourceFile, Span, display_path
from authlint.model.workspace import LoadProblem, ProblemKind

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from authlint.model.workspace import Workspace
    from authlint.progress import Progress

FORMAT = "apache"


def load_files(
    workspace: Workspace, display_root: Path, files: Sequence[Path], progress: Progress
) -> None:
    """Parse each file into the workspace; what httpd would refuse becomes a problem."""
    for path in files:
        source = SourceFile(display_path(path, display_root), path, FORMAT)
        workspace.files.append(source)
        workspace.problems.extend(
            LoadProblem(
                ProblemKind.PARSE_ERROR,
                Span(source.path, error.line, 1),
                error.message,
                error.fix,
                format=FORMAT,
            )
            for error in parse_file(source)
        )
        progress.advance()
