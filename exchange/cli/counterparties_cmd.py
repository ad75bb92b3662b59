"""``exchange counterparties``: run the counterparty export by hand, show its state."""

from __future__ import annotations

import click

from exchange.cli.context import AppContext
from exchange.errors import ExchangeError
from exchange.plurals import format_count
from exchange.service.runtime import Runtime

_ENTITIES = ("deal", "company", "contact")


@click.group("counterparties")
def command() -> None:
    """Export flagged Bitrix24 companies and contacts to 1C."""


@command.command("export")
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="ENTITY:ID",
    help="Limit the run to one flagged item, given as deal:ID, company:ID or "
    "contact:ID (Bitrix24 IDs); repeat for several. Default: every flagged item.",
)
@click.pass_context
def export(ctx: click.Context, only: tuple[str, ...]) -> None:
    """Run one counterparty export and write its package to the outbox.

    Exit codes: 0 done (a package written or nothing to export), 2 usage or
    configuration error, 3 Bitrix24 unreachable or refusing access, or
    another instance holding the lock.
    """
    from exchange.counterparties.export import export_counterparties

    items = _parse_only(only) if only else None
    app: AppContext = ctx.obj
    try:
        with Runtime(app.settings()) as runtime:
            outcome = export_counterparties(runtime, only=items)
    except ExchangeError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(exc.exit_code)
    if outcome.package_name is None:
        flagged = format_count(outcome.flagged, "flagged item")
        click.echo(
            f"nothing to export ({flagged}, none due; awaiting 1C's receipt: "
            f"{outcome.awaiting}, failed in 1C and waiting for a change in "
            f"Bitrix24: {outcome.failed})"
        )
        return
    click.echo(
        f"wrote {outcome.package_name}: "
        f"{format_count(outcome.records, 'counterparty', 'counterparties')}, "
        f"{format_count(outcome.warnings, 'warning')}"
    )


@command.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the items awaiting 1C's receipt, those 1C rejected, and the last export."""
    from exchange.counterparties.status import status_lines

    app: AppContext = ctx.obj
    try:
        # Reading the state needs no lock, so status works while the daemon runs.
        with Runtime(app.settings(), lock=False) as runtime:
            lines = status_lines(runtime)
    except ExchangeError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(exc.exit_code)
    click.echo("\n".join(lines))


def _parse_only(values: tuple[str, ...]) -> set[tuple[str, int]]:
    items: set[tuple[str, int]] = set()
    for value in values:
        entity, _, raw_id = value.partition(":")
        entity = entity.strip().lower()
        if entity not in _ENTITIES or not raw_id.strip().isdigit():
            raise click.BadParameter(
                f"{value!r} is not ENTITY:ID; use deal:215, company:15 or contact:21",
                param_hint="--only",
            )
        items.add((entity, int(raw_id)))
    return items
