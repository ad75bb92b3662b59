"""``exchange audit``: list, show, search and verify the archive's journal."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

import click

from exchange import jsonio
from exchange.archive import Archive, Journal, prune, verify
from exchange.archive.entry import OUTCOMES
from exchange.archive.names import escape_control
from exchange.archive.query import Touch, find_touches, read_reply, resolve_entries
from exchange.archive.render import (
    entries_table,
    entry_cells,
    make_console,
    print_entry,
)
from exchange.archive.verify import VerifyReport
from exchange.errors import EXIT_ATTENTION, EXIT_USAGE, ExchangeError
from exchange.state.db import connect
from exchange.timestamps import format_timestamp

if TYPE_CHECKING:
    from collections.abc import Callable

_PATHS_KEY = "exchange.audit.paths"


@dataclass(frozen=True)
class _PathOptions:
    state: Path | None
    archive: Path | None
    errors: Path | None


@dataclass
class _Opened:
    conn: sqlite3.Connection
    journal: Journal
    archive: Archive


@click.group(name="audit")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="State database file (SQLite) to read; overrides paths.state.",
)
@click.option(
    "--archive",
    "archive_path",
    type=click.Path(file_okay=False, path_type=Path),
    help="Archive folder to check; overrides paths.archive.",
)
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(file_okay=False, path_type=Path),
    help="Error folder of rejected files; overrides paths.errors.",
)
@click.pass_context
def command(
    ctx: click.Context,
    state_path: Path | None,
    archive_path: Path | None,
    errors_path: Path | None,
) -> None:
    """Inspect the archived files and the hash-chained audit journal.

    By default the configured state database and folders are read. The
    options point the commands at another copy, such as one taken for an
    audit.
    """
    ctx.meta[_PATHS_KEY] = _PathOptions(state_path, archive_path, errors_path)


@command.command(name="list")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First processing date to list (YYYY-MM-DD, UTC), inclusive.",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last processing date to list (YYYY-MM-DD, UTC), inclusive.",
)
@click.option("--sender", help="Only packages of this sender node code (e.g. TMS).")
@click.option("--kind", help="Only packages of this kind (e.g. orders).")
@click.option(
    "--outcome",
    type=click.Choice(OUTCOMES),
    help="Only entries with this outcome.",
)
@click.option(
    "--direction",
    type=click.Choice(["in", "out"]),
    help="Only incoming (in) or outgoing (out) files.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
def list_command(
    ctx: click.Context,
    since: datetime | None,
    until: datetime | None,
    sender: str | None,
    kind: str | None,
    outcome: str | None,
    direction: str | None,
    as_json: bool,
) -> None:
    """List journal entries in the order they were recorded."""
    with _open(ctx) as opened:
        entries = opened.journal.entries(
            since=_date(since),
            until=_date(until),
            sender=sender,
            kind=kind,
            outcome=outcome,
            direction=direction,
        )
    if as_json:
        _echo_json([entry.to_json() for entry in entries])
        return
    zone = _display_zone(ctx)
    table = entries_table()
    for entry in entries:
        table.add_row(*entry_cells(entry, zone))
    make_console().print(table)
    click.echo(f"{len(entries)} entries")


@command.command(name="show")
@click.argument("token", metavar="ENTRY_ID|PACKAGE_ID|FILE_NAME")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
def show_command(ctx: click.Context, token: str, as_json: bool) -> None:
    """Show entries with their per-order results and archived reply.

    A package id also shows the follow-up receipts written for it. Exits 1
    when no entry matches.
    """
    with _open(ctx) as opened:
        entries = resolve_entries(opened.journal, token)
        replies = {entry.id: read_reply(opened.archive, entry) for entry in entries}
    if not entries:
        _fail(
            f"no journal entry has the id, package id or file name "
            f"{escape_control(token)!r}; try 'exchange audit list'",
            EXIT_ATTENTION,
        )
    if as_json:
        _echo_json(
            [{**entry.to_json(), "reply": replies[entry.id]} for entry in entries]
        )
        return
    output = make_console()
    zone = _display_zone(ctx)
    for entry in entries:
        print_entry(output, entry, replies[entry.id], zone)


_FIND_OPTIONS = {
    "order": "order_number",
    "document_number": "document_number",
    "deal": "deal_id",
    "inn": "inn",
    "ref": "order_ref",
    "package_id": "package_id",
}


@command.command(name="find")
@click.option("--order", help="Order number (1C Номер) to search for.")
@click.option("--document-number", help="Order's Номер документа to search for.")
@click.option("--deal", help="Bitrix24 deal ID to search for.")
@click.option("--inn", help="Counterparty INN to search for.")
@click.option("--ref", help="1C reference (UUID) of an order to search for.")
@click.option("--package-id", help="Package id to search for, replies included.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
def find_command(
    ctx: click.Context,
    order: str | None,
    document_number: str | None,
    deal: str | None,
    inn: str | None,
    ref: str | None,
    package_id: str | None,
    as_json: bool,
) -> None:
    """List every entry that mentions an order, deal or INN, with its status.

    Each status is shown after the order number it belongs to. Exits 1 when
    no entry matches.
    """
    keys = {
        "order": order,
        "document_number": document_number,
        "deal": deal,
        "inn": inn,
        "ref": ref,
        "package_id": package_id,
    }
    given = [(name, value) for name, value in keys.items() if value is not None]
    if len(given) != 1:
        raise click.UsageError(
            "give exactly one of --order, --document-number, --deal, --inn, --ref "
            "or --package-id"
        )
    option, value = given[0]
    with _open(ctx) as opened:
        touches = find_touches(
            opened.journal, _FIND_OPTIONS[option], value, opened.archive
        )
    if not touches:
        _fail(
            f"no journal entry mentions {escape_control(value)!r}; "
            "try 'exchange audit list'",
            EXIT_ATTENTION,
        )
    if as_json:
        _echo_json(
            [
                {**touch.entry.to_json(), "matched_results": touch.results}
                for touch in touches
            ]
        )
        return
    zone = _display_zone(ctx)
    table = entries_table(extra="Status")
    for touch in touches:
        table.add_row(*entry_cells(touch.entry, zone, _touch_statuses(touch)))
    make_console().print(table)


def _touch_statuses(touch: Touch) -> str:
    # A deal or INN can match several orders of one package, so each status
    # is shown after the order number of its result row.
    shown: list[str] = []
    for result in touch.results:
        status = result.get("status") or result.get("action")
        if not status:
            continue
        number = result.get("number")
        if number not in (None, ""):
            shown.append(f"{escape_control(str(number))} {status}")
        else:
            shown.append(str(status))
    return ", ".join(shown) or touch.entry.outcome


@command.command(name="verify")
@click.option(
    "--head",
    metavar="ID:HASH",
    help="A head kept from an earlier check (entry id and its SHA-256); "
    "the check fails unless that entry is still in the chain with that hash.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Also fail (exit 1) when the archive or error folder contains files "
    "that no journal entry names, except files changed in the last 5 minutes.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def verify_command(
    ctx: click.Context, head: str | None, strict: bool, as_json: bool
) -> None:
    """Check the journal's hash chain and the SHA-256 of every archived file.

    Prints the head (last entry id and hash) and every mismatch, and exits 1
    when there is any. A passing check appends the head to
    <archive>/chain-heads/YYYY-MM-DD.txt; copy those lines to a place the
    service cannot write, and pass one later with --head.

    Files that no journal entry names are listed as UNREFERENCED with their
    likely cause and what to do; they fail the check only with --strict.
    """
    with _open(ctx) as opened:
        try:
            report = verify(
                opened.conn,
                opened.archive.root,
                opened.archive.errors_root,
                expected_head=head,
            )
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--head") from None
        heads_file = (
            opened.journal.write_head(opened.archive.root) if report.ok else None
        )
    passed = report.strict_ok if strict else report.ok
    if as_json:
        _echo_json(
            {
                "ok": passed,
                "head": f"{report.head_id}:{report.head_hash}",
                "entries_checked": report.entries_checked,
                "files_checked": report.files_checked,
                "files_skipped": report.files_skipped,
                "problems": [str(problem) for problem in report.problems],
                "unreferenced": [
                    {
                        "path": str(item.path),
                        "kind": item.kind,
                        "recent": item.recent,
                        "advice": item.advice,
                    }
                    for item in report.unreferenced
                ],
            }
        )
    else:
        _print_verify_report(report, heads_file)
    if not report.ok:
        click.echo(f"{len(report.problems)} mismatches found.", err=True)
    if report.unreferenced:
        click.echo(
            f"{len(report.unreferenced)} files in the archive are named by no "
            "journal entry; see the UNREFERENCED lines."
            + (" --strict makes this a failure." if strict and not passed else ""),
            err=True,
        )
    if not passed:
        ctx.exit(EXIT_ATTENTION)


def _print_verify_report(report: VerifyReport, heads_file: Path | None) -> None:
    click.echo(
        f"Checked {report.entries_checked} entries and {report.files_checked} "
        f"files ({report.files_skipped} pruned files skipped)."
    )
    click.echo(f"Head: {report.head_id}:{report.head_hash}")
    for problem in report.problems:
        click.echo(f"MISMATCH {escape_control(str(problem))}")
    for item in report.unreferenced:
        click.echo(f"UNREFERENCED {escape_control(str(item))}")
    if heads_file is not None:
        click.echo(f"Intact. Head recorded in {heads_file}")


@command.command(name="prune")
@click.option(
    "--older-than-days",
    type=click.IntRange(min=0),
    help="Delete archived files processed more than this many days ago; "
    "default archive.retention_days; 0 keeps everything.",
)
@click.pass_context
def prune_command(ctx: click.Context, older_than_days: int | None) -> None:
    """Delete old archived files; their journal entries and hashes stay."""
    if older_than_days is None:
        older_than_days = _settings_value(ctx, lambda s: s.archive.retention_days)
    if not older_than_days:
        click.echo("Retention is 0 days (keep forever): nothing pruned.")
        return
    with _open(ctx) as opened:
        report = prune(opened.conn, opened.archive, older_than_days, datetime.now(UTC))
    cutoff = format_timestamp(report.cutoff, _display_zone(ctx))
    click.echo(
        f"Pruned {report.files} files ({report.bytes} bytes) of "
        f"{len(report.entry_ids)} entries processed before {cutoff}."
    )
    if report.marker_id is not None:
        click.echo(f"Marker entry: {report.marker_id}")


class _open:  # noqa: N801 - used as a statement: ``with _open(ctx) as opened:``
    """Open the state database and archive named by options or settings."""

    def __init__(self, ctx: click.Context) -> None:
        self._ctx = ctx
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> _Opened:
        options: _PathOptions = self._ctx.meta.get(
            _PATHS_KEY, _PathOptions(None, None, None)
        )
        state = options.state or _settings_value(self._ctx, lambda s: s.paths.state)
        archive = options.archive or _settings_value(
            self._ctx, lambda s: s.paths.archive
        )
        errors = options.errors or _settings_value(self._ctx, lambda s: s.paths.errors)
        if not state.is_file():
            _fail(
                f"state database {state} not found; set paths.state in the "
                "configuration or pass --state",
                EXIT_USAGE,
            )
        try:
            self._conn = connect(state)
            journal = Journal(self._conn)
        except ExchangeError as exc:
            if self._conn is not None:
                self._conn.close()
            _fail(str(exc), exc.exit_code)
        return _Opened(self._conn, journal, Archive(archive, errors))

    def __exit__(self, *exc_info: object) -> None:
        if self._conn is not None:
            self._conn.close()


def _fail(message: str, exit_code: int) -> NoReturn:
    """Print ``Error: <message>`` to standard error and exit with ``exit_code``."""
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(exit_code)


def _settings_value(ctx: click.Context, pick: Callable[[Any], Any]) -> Any:
    app = ctx.find_root().obj
    if app is None or not hasattr(app, "settings"):
        _fail(
            "no configuration is loaded; pass --state, --archive and --errors",
            EXIT_USAGE,
        )
    try:
        return pick(app.settings())
    except ExchangeError as exc:
        _fail(str(exc), exc.exit_code)


def _display_zone(ctx: click.Context) -> ZoneInfo | None:
    # The audit commands also run on copies named by options alone, so a
    # configuration that does not load leaves times in UTC instead of failing.
    app = ctx.find_root().obj
    if app is None or not hasattr(app, "settings"):
        return None
    try:
        zone: ZoneInfo | None = app.settings().display.zone
    except ExchangeError:
        return None
    return zone


def _date(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _echo_json(value: Any) -> None:
    click.echo(jsonio.dumps(value, indent=True).decode("utf-8"))
