"""``exchange check``: is everything in place for a run?"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from exchange.cli.context import AppContext
from exchange.cli.output import console, shown
from exchange.config.loader import default_config_path, find_config
from exchange.errors import EXIT_ATTENTION, ConfigError, ExchangeError


@click.command("check")
@click.pass_obj
def command(app: AppContext) -> None:
    """Check the configuration, folders, SFTP, the portal and its fields.

    Prints one line per check and exits 0 when all pass, 1 otherwise.
    """
    from exchange.service.checks import SkippedCheck, run_checks, secrets_file_problem

    out = console()
    try:
        config_file = _required_config_file(app)
        settings = app.settings()
    except ConfigError as exc:
        out.print(f"[red]failed[/red] configuration: {escape(str(exc))}")
        raise SystemExit(EXIT_ATTENTION) from None
    failed = 0
    # The settings loaded, so the other checks still run on them.
    secrets_problem = secrets_file_problem()
    if secrets_problem is None:
        out.print(
            f"[green]ok[/green]     configuration: read {shown(str(config_file))}"
        )
    else:
        out.print(f"[red]failed[/red] configuration: {escape(secrets_problem)}")
        failed += 1
    try:
        for result in run_checks(settings):
            if isinstance(result, SkippedCheck):
                # A skipped check follows a failure that already sets exit 1.
                out.print(
                    f"[yellow]skipped[/yellow] {result.name}: {escape(result.reason)}"
                )
                continue
            mark = "[green]ok[/green]    " if result.ok else "[red]failed[/red]"
            out.print(f"{mark} {result.name}: {escape(result.message)}")
            failed += not result.ok
    except ExchangeError as exc:
        # A check exits 1 on any failure, never the exit code of a run.
        out.print(f"[red]failed[/red] check stopped early: {escape(str(exc))}")
        failed += 1
    raise SystemExit(EXIT_ATTENTION if failed else 0)


def _required_config_file(app: AppContext) -> Path:
    # Commands other than check run on the defaults without a file; check
    # treats a missing file as a failure, because a service set up for real
    # work always has one.
    config_file = find_config(app.config_path)
    if config_file is None:
        raise ConfigError(
            f"no configuration file found at {default_config_path()}; "
            "create one with `exchange config init` or pass --config"
        )
    return config_file
