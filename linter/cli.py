"""The ``authlint`` command.

Exit status: 0 when no finding reaches ``--fail-on``, 1 when one does (or a
file does not parse, whatever the options), 2 for a usage, configuration or
internal error. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import click

from authlint import __version__
from authlint.discovery import PathNotFoundError
from authlint.nginx.loader import IncludeOptions
from authlint.reporters import FORMATS, renderer
from authlint.rule import Severity, load_rules

if TYPE_CHECKING:
    from authlint.config import Config

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


def _selectors(
    values: tuple[str, ...], rule_ids: list[str], option: str, ignoring: bool = False
) -> tuple[str, ...]:
    from authlint.selection import SelectorError, parse_ignores, parse_selectors, split_selectors

    try:
        parse = parse_ignores if ignoring else parse_selectors
        return parse(split_selectors(values), rule_ids)
    except SelectorError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _includes(
    config: Config, include_maps: tuple[str, ...], follow_outside_includes: bool | None
) -> IncludeOptions:
    """The config's include settings, with the command line's values winning."""
    maps = dict(config.include_maps)
    maps.update(_include_maps(include_maps))
    follow = (
        follow_outside_includes
        if follow_outside_includes is not None
        else bool(config.follow_outside_includes)
    )
    return IncludeOptions(tuple(maps.items()), follow)


SELECTOR_HELP = "by ID or prefix (AL3, AL301), comma-separated, repeatable"


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
    "--select",
    multiple=True,
    metavar="RULES",
    help=f"Check only these rules, {SELECTOR_HELP}; replaces the config's selection.",
)
@click.option(
    "--extend-select",
    multiple=True,
    metavar="RULES",
    help=f"Check these rules too, {SELECTOR_HELP}.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="RULES",
    help=f"Do not check these rules, {SELECTOR_HELP}.",
)
@click.option(
    "--fail-on",
    type=click.Choice([severity.value for severity in Severity]),
    default=None,
    help="Exit 1 when a finding has this severity or a higher one "
    "[default: the config's fail-on, else warning].",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even when findings reach --fail-on (a file that does not parse still fails).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read this config file instead of looking for .authlint.toml or pyproject.toml.",
)
@click.option("--isolated", is_flag=True, help="Ignore config files.")
@click.option(
    "--include-map",
    "include_maps",
    multiple=True,
    metavar="PREFIX=DIR",
    help="Read absolute includes under PREFIX (e.g. /etc/nginx) from DIR. Repeatable.",
)
@click.option(
    "--follow-outside-includes/--no-follow-outside-includes",
    default=None,
    help="Read includes that point outside the scanned tree [default: the config's, else no].",
)
def check(
    paths: tuple[Path, ...],
    output_format: str,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    config_file: Path | None,
    isolated: bool,
    include_maps: tuple[str, ...],
    follow_outside_includes: bool | None,
) -> int:
    """Lint the configs under PATHS (default: the current directory)."""
    from authlint.config import ConfigError, load_config
    from authlint.engine import run
    from authlint.selection import PARSE_ERROR, RuleSelection, Selection

    # The process ends after the report: collecting the model's reference
    # cycles would only cost time (the engine pauses the collector during a
    # run; this keeps it paused until exit).
    gc.disable()

    if config_file is not None and isolated:
        raise click.UsageError("--config and --isolated cannot be used together")
    rules = load_rules()
    rule_ids = [rule.id for rule in rules]
    try:
        config = load_config(Path.cwd(), rules, config_file, isolated)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    # ruff's layers: the config's selection, then the command line's; a
    # --select starts over, --extend-select and --ignore change what is enabled.
    command_line = RuleSelection(
        select=_selectors(select, rule_ids, "--select") if select else None,
        extend_select=_selectors(extend_select, rule_ids, "--extend-select"),
        ignore=_selectors(ignore, rule_ids, "--ignore", ignoring=True),
    )
    selection = Selection.of([config.selection, command_line], rule_ids, config.per_file_ignores)
    includes = _includes(config, include_maps, follow_outside_includes)
    try:
        result = run(
            paths or (Path("."),),
            includes,
            selection=selection,
            exclude=config.exclude,
            rules=rules,
            rule_options=config.rule_options,
        )
    except PathNotFoundError as exc:
        raise click.UsageError(str(exc)) from None
    sys.stdout.write(renderer(output_format)(result))
    for crash in result.crashes:
        click.echo(
            f"authlint: internal error: rule {crash.rule} failed ({crash.error}); "
            "its findings are missing, please report this",
            err=True,
        )
    if result.crashes:
        return EXIT_ERROR
    threshold = Severity(fail_on or config.fail_on or Severity.WARNING).rank
    reached = any(finding.severity.rank >= threshold for finding in result.findings)
    # A file that does not parse was not linted: that never passes.
    unparsed = any(finding.rule == PARSE_ERROR for finding in result.findings)
    return EXIT_FINDINGS if unparsed or (reached and not exit_zero) else EXIT_CLEAN


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
