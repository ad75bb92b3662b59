"""Rich tables and text of the ``exchange audit`` commands.

Every value from the journal is shown with control characters escaped and
without rich markup, because file names and messages come from outside.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from exchange import jsonio
from exchange.archive.names import escape_control
from exchange.plurals import format_count
from exchange.timestamps import format_timestamp

if TYPE_CHECKING:
    from collections.abc import Iterator
    from zoneinfo import ZoneInfo

    from exchange.archive.entry import RecordedEntry


PIPE_WIDTH = 240
DETAIL_COLUMNS = (
    "number",
    "document_number",
    "status",
    "deal_id",
    "rollup",
    "message",
    "ref",
)


def make_console() -> Console:
    # Output to a file or a pipe gets wide lines instead of rich's 80 columns.
    width = None if sys.stdout.isatty() else PIPE_WIDTH
    return Console(highlight=False, markup=False, emoji=False, width=width)


def entries_table(extra: str | None = None) -> Table:
    # The find table shows the key's status in place of the package counts.
    table = Table(show_edge=False)
    for header in ("ID", "Processed", "Dir", "Kind", "Sender", "No."):
        table.add_column(header, no_wrap=True)
    table.add_column("File", min_width=24, overflow="fold")
    table.add_column("Outcome", no_wrap=True)
    table.add_column(extra or "Counts", min_width=12, overflow="fold")
    return table


def entry_cells(
    entry: RecordedEntry, zone: ZoneInfo | None, last: str | None = None
) -> list[Text]:
    outcome = entry.outcome + (" (pruned)" if entry.pruned_at else "")
    values = [
        str(entry.id),
        format_timestamp(entry.processed_at, zone),
        entry.direction or "-",
        entry.kind,
        entry.sender,
        "" if entry.number is None else str(entry.number),
        entry.file_name,
        outcome,
        counts_text(entry.counts) if last is None else last,
    ]
    return [Text(escape_control(value)) for value in values]


def counts_text(counts: Any) -> str:
    if not isinstance(counts, dict):
        return str(counts)
    return ", ".join(f"{status} {number}" for status, number in sorted(counts.items()))


def print_entry(
    console: Console, entry: RecordedEntry, reply: str | None, zone: ZoneInfo | None
) -> None:
    console.rule(Text(f"Entry {entry.id}"))
    for label, value in _entry_fields(entry, zone):
        console.print(Text(f"{label + ':':<14} {escape_control(value)}"))
    for error in entry.errors:
        console.print(Text(f"  error: {escape_control(str(error))}"))
    if isinstance(entry.details, list) and entry.details:
        console.print(_details_table(entry.details))
    elif entry.details is not None:
        console.print(Text(jsonio.dumps_text(entry.details, indent=True)))
    if entry.reply_path:
        console.print(Text(f"Reply {entry.reply_path}:"))
        text = reply if reply is not None else "(not in the archive)"
        console.print(Text(text), soft_wrap=True)


def _entry_fields(
    entry: RecordedEntry, zone: ZoneInfo | None
) -> Iterator[tuple[str, str]]:
    yield "Direction", entry.direction or "-"
    yield "File", entry.file_name
    yield "Kind", entry.kind
    yield "Package id", entry.package_id
    yield "Sender", entry.sender
    yield "Number", "" if entry.number is None else str(entry.number)
    yield "Received", format_timestamp(entry.received_at, zone)
    yield "Processed", format_timestamp(entry.processed_at, zone)
    yield "Outcome", entry.outcome
    yield "Counts", counts_text(entry.counts)
    yield "Size", format_count(entry.size, "byte")
    yield "SHA-256", entry.sha256
    if entry.rejected:
        yield "In the error folder as", entry.archive_path
    else:
        yield "Archived as", entry.archive_path
    yield "Entry hash", entry.entry_hash
    if entry.pruned_at:
        yield "Pruned", format_timestamp(entry.pruned_at, zone)


def _details_table(rows: list[Any]) -> Table:
    columns: list[str] = []
    for row in rows:
        if isinstance(row, dict):
            columns.extend(name for name in row if name not in columns)
    known = [name for name in DETAIL_COLUMNS if name in columns]
    columns = known + [name for name in columns if name not in known]
    table = Table(show_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        if isinstance(row, dict):
            table.add_row(*(Text(escape_control(_cell(row.get(c)))) for c in columns))
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
