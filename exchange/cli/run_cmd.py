"""``exchange run`` and ``exchange process``: apply incoming files."""

from __future__ import annotations

from pathlib import Path

import click

from exchange.cli.context import AppContext
from exchange.cli.output import print_outcomes, print_run_report, shown


@click.command("run")
@click.option(
    "--once",
    is_flag=True,
    help="Process the inbox, retry pending orders, export counterparties, and "
    "exit. Without it the service runs until stopped.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --once: compute everything and write the planned batch calls to "
    "the dry-run folder ([paths] dry_run); change nothing else.",
)
@click.pass_obj
def command(app: AppContext, *, once: bool, dry_run: bool) -> None:
    """Apply the files in the inbox and keep Bitrix24 and 1C in step.

    Exit codes: 0 when everything was applied (pending orders included), 1 when
    a file was rejected or an order ended in error, 2 for usage or
    configuration errors, 3 when Bitrix24, a folder or the lock was not
    available.
    """
    settings = app.settings()
    if dry_run:
        if not once:
            raise click.UsageError("--dry-run needs --once")
        from exchange.service.dry_run import dry_run_files, inbox_files

        files, waiting = inbox_files(settings)
        outcomes, folder, retry_code = dry_run_files(settings, files, retry=True)
        if not files:
            click.echo("dry run: the inbox has no complete file")
        for name in waiting:
            click.echo(
                f"dry run: {shown(name)}: still being written; left for the next run"
            )
        print_outcomes(outcomes, dry_run=True)
        if folder is None:
            click.echo("dry run: nothing was changed and nothing would be sent")
        else:
            click.echo(
                f"dry run: nothing was changed; planned calls and receipts: {folder}"
            )
        raise SystemExit(max([retry_code, *(o.exit_code for o in outcomes)]))
    if not once:
        from exchange.service.daemon import run_daemon

        raise SystemExit(run_daemon(settings))
    from exchange.service.run_once import run_once
    from exchange.service.runtime import Runtime

    with Runtime(settings) as runtime:
        report = run_once(runtime)
    print_run_report(report)
    raise SystemExit(report.exit_code)


@click.command("process")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run",
    is_flag=True,
    help="Compute everything and write the planned batch calls to the dry-run "
    "folder ([paths] dry_run); change nothing else.",
)
@click.pass_obj
def process(app: AppContext, file: Path, *, dry_run: bool) -> None:
    """Apply one FILE, wherever it is; a file in the inbox is then removed."""
    settings = app.settings()
    data = file.read_bytes()
    if dry_run:
        from exchange.service.dry_run import dry_run_files

        outcomes, folder, _ = dry_run_files(settings, [(file.name, data)])
        print_outcomes(outcomes, dry_run=True)
        click.echo(
            f"dry run: nothing was changed; planned calls and receipts: {folder}"
        )
        raise SystemExit(max((o.exit_code for o in outcomes), default=0))
    from exchange.service.files import FileProcessor
    from exchange.service.run_once import PortProvider, RunReport, retry_pending
    from exchange.service.runtime import Runtime

    with Runtime(settings) as runtime:
        provider = PortProvider(runtime)
        runtime.outbox.deliver()
        outcome = FileProcessor(runtime, provider).process(file.name, data)
        report = RunReport(files=[outcome], exit_code=outcome.exit_code)
        retry_pending(runtime, provider, report)
        if provider.unavailable is not None:
            report.raise_code(3)
    if file.resolve().parent == settings.paths.inbox.resolve():
        file.unlink(missing_ok=True)
        Path(f"{file}.ready").unlink(missing_ok=True)
    print_run_report(report)
    raise SystemExit(report.exit_code)


EXTRA_COMMANDS = ("process",)
