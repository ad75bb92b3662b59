"""``exchange audit``: list, show, search and verify the archive's journal."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from exchange.archive.entry import OUTCOMES
from exchange.archive.names import escape_control
from exchange.archive.query import Touch, find_touches, read_reply, resolve_entries
from exchange.archive.render import (
    entries_table,
    entry_cells,
    make_console,
    print_entry,
)
from exchange.cli.audit_access import (
    PATHS_KEY,
    PathOptions,
    display_zone,
    echo_json,
    fail,
    opened_journal,
)
from exchange.cli.audit_check_cmd import prune_command, verify_command
from exchange.errors import EXIT_ATTENTION
from exchange.plurals import format_count


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
    ctx.meta[PATHS_KEY] = PathOptions(state_path, archive_path, errors_path)


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
    with opened_journal(ctx) as opened:
        entries = opened.journal.entries(
            since=_date(since),
            until=_date(until),
            sender=sender,
            kind=kind,
            outcome=outcome,
            direction=direction,
        )
    if as_json:
        echo_json([entry.to_json() for entry in entries])
        return
    zone = display_zone(ctx)
    table = entries_table()
    for entry in entries:
        table.add_row(*entry_cells(entry, zone))
    make_console().print(table)
    click.echo(format_count(len(entries), "entry", "entries"))


@command.command(name="show")
@click.argument("token", metavar="ENTRY_ID|PACKAGE_ID|FILE_NAME")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
def show_command(ctx: click.Context, token: str, as_json: bool) -> None:
    """Show entries with their per-order or per-item results and archived reply.

    A package id also shows the replies to it: follow-up receipts, and 1C's
    receipts for a counterparties package. Exits 1 when no entry matches.
    """
    with opened_journal(ctx) as opened:
        entries = resolve_entries(opened.journal, token)
        replies = {entry.id: read_reply(opened.archive, entry) for entry in entries}
    if not entries:
        fail(
            f"no journal entry has the id, package id or file name "
            f"{escape_control(token)!r}; try 'exchange audit list'",
            EXIT_ATTENTION,
        )
    if as_json:
        echo_json(
            [{**entry.to_json(), "reply": replies[entry.id]} for entry in entries]
        )
        return
    output = make_console()
    zone = display_zone(ctx)
    for entry in entries:
        print_entry(output, entry, replies[entry.id], zone)


# Key types each option of ``audit find`` searches. A 1C reference may name
# an order or a counterparty.
_FIND_OPTIONS: dict[str, tuple[str, ...]] = {
    "order": ("order_number",),
    "document_number": ("document_number",),
    "deal": ("deal_id",),
    "inn": ("inn",),
    "ref": ("order_ref", "counterparty_ref"),
    "company": ("company_id",),
    "contact": ("contact_id",),
    "package_id": ("package_id",),
}


@command.command(name="find")
@click.option("--order", help="Order number (1C Номер) to search for.")
@click.option("--document-number", help="Order's Номер документа to search for.")
@click.option(
    "--deal",
    help="Bitrix24 deal ID to search for, in orders receipts and in the "
    "flagged deals of counterparty exports.",
)
@click.option("--inn", help="Counterparty INN to search for.")
@click.option(
    "--ref",
    help="1C reference (UUID) of an order or a counterparty to search for.",
)
@click.option("--company", help="Bitrix24 company ID to search for.")
@click.option("--contact", help="Bitrix24 contact ID to search for.")
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
    company: str | None,
    contact: str | None,
    package_id: str | None,
    as_json: bool,
) -> None:
    """List every entry that mentions an order, deal, counterparty or package.

    Each status is shown after the order number or the Bitrix24 company or
    contact it belongs to. Exits 1 when no entry matches.
    """
    keys = {
        "order": order,
        "document_number": document_number,
        "deal": deal,
        "inn": inn,
        "ref": ref,
        "company": company,
        "contact": contact,
        "package_id": package_id,
    }
    given = [(name, value) for name, value in keys.items() if value is not None]
    if len(given) != 1:
        raise click.UsageError(
            "give exactly one of --order, --document-number, --deal, --inn, --ref, "
            "--company, --contact or --package-id"
        )
    option, value = given[0]
    with opened_journal(ctx) as opened:
        touches = find_touches(
            opened.journal, _FIND_OPTIONS[option], value, opened.archive
        )
    if not touches:
        fail(
            f"no journal entry mentions {escape_control(value)!r}; "
            "try 'exchange audit list'",
            EXIT_ATTENTION,
        )
    if as_json:
        echo_json(
            [
                {**touch.entry.to_json(), "matched_results": touch.results}
                for touch in touches
            ]
        )
        return
    zone = display_zone(ctx)
    table = entries_table(extra="Status")
    for touch in touches:
        table.add_row(*entry_cells(touch.entry, zone, _touch_statuses(touch)))
    make_console().print(table)


def _touch_statuses(touch: Touch) -> str:
    # A deal or INN can match several orders or counterparties of one
    # package, so each status is shown after the order number, or the
    # Bitrix24 item, of its result row.
    shown: list[str] = []
    for result in touch.results:
        status = result.get("status") or result.get("action")
        if not status:
            continue
        number = result.get("number")
        if number not in (None, ""):
            shown.append(f"{escape_control(str(number))} {status}")
        elif result.get("b24_entity") and result.get("b24_id") is not None:
            item = f"{result['b24_entity']} {result['b24_id']}"
            shown.append(f"{escape_control(item)} {status}")
        else:
            shown.append(str(status))
    return ", ".join(shown) or touch.entry.outcome


def _date(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


command.add_command(verify_command)
command.add_command(prune_command)
