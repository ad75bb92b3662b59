"""Tables and summaries that commands print for people."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from exchange.contract.enums import OrderStatus
from exchange.logs import escape_line
from exchange.plurals import format_count
from exchange.service.file_endings import FileOutcome
from exchange.service.run_once import RunReport

PIPE_WIDTH = 240
_LISTED_FIRST = frozenset({OrderStatus.ERROR, OrderStatus.PENDING})


def console() -> Console:
    """Return a console on standard output; piped output gets wide lines."""
    width = None if sys.stdout.isatty() else PIPE_WIDTH
    return Console(soft_wrap=True, highlight=False, width=width)


def shown(text: str) -> str:
    """Return ``text`` safe to print: control characters as ``\\xNN``, markup escaped.

    File names and messages come from outside, so a name with a line feed or
    an ESC sequence must not split a line or colour the terminal.
    """
    return escape(escape_line(text))


TABLE_ROWS = 50
"""Orders listed per file; a larger package lists its errors and pending first."""


def print_outcomes(outcomes: Sequence[FileOutcome], *, dry_run: bool = False) -> None:
    """Print a table of the orders of every processed file.

    A file of more than ``TABLE_ROWS`` orders lists only its orders in
    ``error`` or ``pending``, up to that many; its receipt lists every one.
    """
    out = console()
    for outcome in outcomes:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(outcome.counts.items()))
        verdict = f"would be {outcome.outcome}" if dry_run else outcome.outcome
        reply = "would reply" if dry_run else "reply"
        out.print(
            f"[bold]{shown(outcome.name)}[/bold]: {verdict}"
            + (f" ({counts})" if counts else "")
            + (f"; {reply} {shown(outcome.reply)}" if outcome.reply else "")
        )
        if outcome.followups:
            written = "would write" if dry_run else "wrote"
            out.print(
                f"{shown(outcome.name)}: {written} "
                f"{format_count(outcome.followups, 'follow-up receipt')} "
                "for earlier packages"
            )
        if not outcome.rows:
            continue
        table = Table(show_header=True, header_style="bold")
        for column in ("number", "Номер документа", "status", "deal", "message"):
            table.add_column(column, overflow="fold")
        rows = outcome.rows
        if len(rows) > TABLE_ROWS:
            rows = [row for row in rows if row["status"] in _LISTED_FIRST][:TABLE_ROWS]
        for row in rows:
            table.add_row(
                shown(row["number"]) + (" (rollup)" if row["rollup"] else ""),
                shown(row["document_number"]),
                row["status"].value,
                "" if row["deal_id"] is None else str(row["deal_id"]),
                shown(row["message"]),
            )
        if rows:
            out.print(table)
        if len(rows) < len(outcome.rows):
            # "More" only where some orders were listed above.
            left_out = format_count(
                len(outcome.rows) - len(rows), "more order" if rows else "order"
            )
            out.print(
                f"{left_out} not listed here; the receipt "
                f"{shown(outcome.reply)} lists every order"
            )


def print_run_report(report: RunReport) -> None:
    """Print the outcomes of a run and what remains."""
    print_outcomes(report.files)
    out = console()
    if not report.files and not report.problems:
        out.print("no complete file in the inbox")
    for name in report.waiting:
        out.print(f"{shown(name)}: still being written; left for the next run")
    if report.followups:
        out.print(f"follow-up receipts written: {report.followups}")
    if report.exported:
        out.print(f"counterparties exported: {report.exported}")
    for problem in report.problems:
        out.print(f"[red]problem[/red]: {shown(problem)}")
