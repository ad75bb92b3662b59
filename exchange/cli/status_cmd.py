"""``exchange status``: pending orders, last packages, recent errors."""

from __future__ import annotations

import sqlite3
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from exchange.cli.context import AppContext
from exchange.cli.output import console, shown
from exchange.state.orders_records import OrderReport
from exchange.timestamps import format_timestamp

SHOWN = 20


@click.command("status")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=SHOWN,
    show_default=True,
    help="Rows shown per section (pending orders, errors, rejected files).",
)
@click.pass_obj
def command(app: AppContext, limit: int) -> None:
    """Show unfinished packages, pending orders, the last packages and errors."""
    from exchange.service.runtime import Runtime, state_exists

    settings = app.settings()
    zone = settings.display.zone
    out = console()
    if not state_exists(settings):
        out.print(f"no state yet at {settings.paths.state}: nothing was processed")
        return
    with Runtime(settings, lock=False) as runtime:
        store = runtime.orders
        counts = store.count_reports()
        out.print(
            "orders by last status: "
            + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none")
        )
        for package in store.unfinished_packages():
            out.print(
                f"[yellow]not finished[/yellow]: {shown(package.source_file)} "
                f"({shown(package.sender)} no. {package.number}) is {package.state}: "
                "it is being processed now, or its processing was interrupted; "
                "the next run resumes it"
            )
        _reports(out, "pending orders", store.reports_with_status("pending", limit))
        _reports(out, "orders in error", store.reports_with_status("error", limit))
        out.print(
            "orders that failed a check inside their package (the same ref "
            "twice, a parent cycle) are not stored; their receipts list them"
        )

        _last_packages(out, store.last_packages(), zone)

        rejected = runtime.journal.entries(outcome="rejected")[-limit:]
        if rejected:
            out.print(f"rejected files: {len(rejected)} shown")
        else:
            out.print("no rejected files")
        for entry in rejected:
            first = entry.errors[0] if entry.errors else ""
            prefix = f"{entry.file_name}: "
            first = first.removeprefix(prefix)
            processed = format_timestamp(entry.processed_at, zone)
            out.print(f"  {processed} {shown(entry.file_name)}: {shown(first)}")
        undelivered = runtime.outgoing.undelivered()
        if undelivered:
            names = ", ".join(package.name for package in undelivered)
            out.print(f"[red]not yet written to the outbox[/red]: {shown(names)}")
        if settings.counterparties.trigger_field:
            from exchange.counterparties import status_lines

            for line in status_lines(runtime):
                out.print(shown(line))


def _reports(out: Console, title: str, reports: list[OrderReport]) -> None:
    # An empty table would print only its headers, so one line replaces it.
    if not reports:
        out.print(f"no {title}")
        return
    table = Table(
        title=f"{title}: {len(reports)} shown (the counts above give all; "
        "--limit shows more)",
        title_justify="left",
    )
    for column in ("number", "Номер документа", "deal", "message"):
        table.add_column(column, overflow="fold")
    for report in reports:
        table.add_row(
            shown(report.number),
            shown(report.document_number),
            "" if report.deal_id is None else str(report.deal_id),
            shown(report.message or _NOT_EVALUATED),
        )
    out.print(table)


def _last_packages(
    out: Console, rows: list[sqlite3.Row], zone: ZoneInfo | None
) -> None:
    if not rows:
        out.print("no package taken yet")
        return
    table = Table(
        title="last package taken per sender (rejected files are listed below)",
        title_justify="left",
    )
    for column in ("sender", "number", "kind", "file", "received", "state"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            shown(row["sender"]),
            str(row["number"]),
            row["kind"],
            shown(row["source_file"]),
            format_timestamp(row["received_at"], zone),
            row["state"],
        )
    out.print(table)


# A stored version without an outcome: its package is being applied now, or
# its processing was interrupted.
_NOT_EVALUATED = "not evaluated yet: its package is not finished"
