"""The ``authlint`` command.

Exit status: 0 when no finding reaches ``--fail-on``, 1 when one does, 2 for a
usage error or an internal error. Errors are one line on stderr, never a
traceback.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path, PurePosixPath

import click

from authlint import __version__
from authlint.discovery import PathNotFoundError
from authlint.nginx.loader import IncludeOptions
from authlint.parallel import WorkerError, usable_cpus
from authlint.progress import ProgressBar, show_progress
from authlint.reporters import FORMATS, renderer
from authlint.rule import Severity

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _include_maps(values: tuple[str, ...]) -> tuple[tuple[str, Path], ...]:
    maps = []
    for value in values:
        prefix, separator, folder = value.partition("=")
        if not separator or not prefix.startswith("/") or not folder:
            raise click.BadParameter(
                f"{value!r} is not PREFIX=DIR with an absolute PREFIX", param_hint="--include-map"
            )
        directory = Path(folder).resolve()
        if not directory.is_dir():
            raise click.BadParameter(f"{folder}: no such directory", param_hint="--include-map")
        maps.append((str(PurePosixPath(prefix)), directory))
    return tuple(maps)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="authlint")
def cli() -> None:
    """Lint the configs on an HTTP request's path for auth mistakes."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--fail-on",
    type=click.Choice([severity.value for severity in Severity]),
    default=Severity.WARNING.value,
    show_default=True,
    help="Exit 1 when a finding has this severity or a higher one.",
)
@click.option(
    "--include-map",
    "include_maps",
    multiple=True,
    metavar="PREFIX=DIR",
    help="Read absolute includes under PREFIX (e.g. /etc/nginx) from DIR. Repeatable.",
)
@click.option(
    "--follow-outside-includes",
    is_flag=True,
    help="Read includes that point outside the scanned tree.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Parse files in this many processes (0: one per CPU). The output is the same.",
)
@click.option("--no-progress", is_flag=True, help="Never show the progress bar.")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    fail_on: str,
    include_maps: tuple[str, ...],
    follow_outside_includes: bool,
    jobs: int,
    no_progress: bool,
) -> int:
    """Lint the configs under PATHS (default: the current directory)."""
    from authlint.engine import run

    # The process ends after the report: collecting the model's reference
    # cycles would only cost time (the engine pauses the collector during a
    # run; this keeps it paused until exit).
    gc.disable()

    includes = IncludeOptions(_include_maps(include_maps), follow_outside_includes)
    progress = ProgressBar(
        sys.stderr,
        lambda files: show_progress(
            files,
            wanted=not no_progress,
            stderr_is_terminal=sys.stderr.isatty(),
            environ=os.environ,
            from_stdin=Path("-") in paths,
        ),
    )
    try:
        with progress:
            result = run(
                paths or (Path("."),), includes, jobs=jobs or usable_cpus(), progress=progress
            )
    except PathNotFoundError as exc:
        raise click.UsageError(str(exc)) from None
    except WorkerError as exc:
        click.echo(f"authlint: internal error: {exc}; please report this", err=True)
        return EXIT_ERROR
    sys.stdout.write(renderer(output_format)(result))
    for crash in result.crashes:
        click.echo(
            f"authlint: internal error: rule {crash.rule} failed ({crash.error}); "
            "its findings are missing, please report this",
            err=True,
        )
    if result.crashes:
        return EXIT_ERROR
    threshold = Severity(fail_on).rank
    failing = any(finding.severity.rank >= threshold for finding in result.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def main() -> None:
    """Entry point: run the command and turn every error into one line and exit 2."""
    try:
        status = cli.main(prog_name="authlint", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        # `authlint` alone asks for help, which is no error.
        click.echo(exc.ctx.get_help() if exc.ctx else "")
        sys.exit(EXIT_CLEAN)
    except click.ClickException as exc:
        click.echo(f"authlint: error: {exc.format_message()}", err=True)
        sys.exit(EXIT_ERROR)
    except click.Abort:
        click.echo("authlint: aborted", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        click.echo(f"authlint: internal error: {type(exc).__name__}; please report this", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(status if isinstance(status, int) else EXIT_CLEAN)
