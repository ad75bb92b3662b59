"""Tables and summaries that commands print for people."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from exchange.service.files import FileOutcome
from exchange.service.run_once import RunReport


def console() -> Console:
    """Return a console on standard output that never wraps file names."""
    return Console(soft_wrap=True, highlight=False)


def print_outcomes(outcomes: Sequence[FileOutcome]) -> None:
    """Print one table row per order of every processed file."""
    out = console()
    for outcome in outcomes:
        counts = ", ".join(f"{v} {k}" for k, v in sorted(outcome.counts.items()))
        out.print(
            f"[bold]{outcome.name}[/bold]: {outcome.outcome}"
            + (f" ({counts})" if counts else "")
            + (f"; reply {outcome.reply}" if outcome.reply else "")
        )
        if not outcome.rows:
            continue
        table = Table(show_header=True, header_style="bold")
        for column in ("number", "Номер документа", "status", "deal", "message"):
            table.add_column(column, overflow="fold")
        for row in outcome.rows:
            table.add_row(
                row.number + (" (rollup)" if row.rollup else ""),
                row.document_number,
                row.status.value,
                "" if row.deal_id is None else str(row.deal_id),
                row.message,
            )
        out.print(table)


def print_run_report(report: RunReport) -> None:
    """Print the outcomes of a run and what remains."""
    print_outcomes(report.files)
    out = console()
    if not report.files:
        out.print("no complete file in the inbox")
    for name in report.waiting:
        out.print(f"{name}: still being written; left for the next run")
    if report.followups:
        out.print(f"follow-up receipts written for {report.followups} packages")
    if report.exported:
        out.print(f"counterparties exported: {report.exported}")
    for problem in report.problems:
        out.print(f"[red]problem[/red]: {problem}")
