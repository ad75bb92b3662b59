"""``exchange audit verify`` and ``exchange audit prune``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from exchange.archive import prune, verify
from exchange.archive.names import escape_control
from exchange.archive.verify import VerifyReport
from exchange.cli.audit_access import (
    display_zone,
    echo_json,
    opened_journal,
    settings_value,
)
from exchange.errors import EXIT_ATTENTION
from exchange.plurals import format_count
from exchange.timestamps import format_timestamp


@click.command(name="verify")
@click.option(
    "--head",
    metavar="HEAD",
    help="A head kept from an earlier check: a line of "
    "<archive>/chain-heads/<date>.txt as written (in quotes), or ID:HASH as "
    "this command prints it. The check fails unless that entry is still in "
    "the chain with that hash.",
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
    <archive>/chain-heads/YYYY-MM-DD.txt as a line "<UTC time> <entry id>
    <hash>". Copy those lines to a place the service cannot write, and pass
    one later, quoted, with --head.

    Files that no journal entry names are listed as UNREFERENCED with their
    likely cause and what to do; they fail the check only with --strict.
    """
    with opened_journal(ctx) as opened:
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
        echo_json(
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
        mismatches = format_count(len(report.problems), "mismatch", "mismatches")
        click.echo(f"{mismatches} found.", err=True)
    if report.unreferenced:
        files = format_count(len(report.unreferenced), "file")
        verb = "is" if len(report.unreferenced) == 1 else "are"
        click.echo(
            f"{files} in the archive {verb} named by no journal entry; "
            "see the UNREFERENCED lines."
            + (" --strict makes this a failure." if strict and not passed else ""),
            err=True,
        )
    if not passed:
        ctx.exit(EXIT_ATTENTION)


def _print_verify_report(report: VerifyReport, heads_file: Path | None) -> None:
    click.echo(
        f"Checked {format_count(report.entries_checked, 'entry', 'entries')} and "
        f"{format_count(report.files_checked, 'file')} "
        f"({format_count(report.files_skipped, 'pruned file')} skipped)."
    )
    click.echo(f"Head: {report.head_id}:{report.head_hash}")
    for problem in report.problems:
        click.echo(f"MISMATCH {escape_control(str(problem))}")
    for item in report.unreferenced:
        click.echo(f"UNREFERENCED {escape_control(str(item))}")
    if heads_file is not None:
        click.echo(f"Intact. Head recorded in {heads_file}")


@click.command(name="prune")
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
        older_than_days = settings_value(ctx, lambda s: s.archive.retention_days)
    if not older_than_days:
        click.echo("Retention is 0 days (keep forever): nothing pruned.")
        return
    with opened_journal(ctx) as opened:
        report = prune(opened.conn, opened.archive, older_than_days, datetime.now(UTC))
    cutoff = format_timestamp(report.cutoff, display_zone(ctx))
    click.echo(
        f"Pruned {format_count(report.files, 'file')} "
        f"({format_count(report.bytes, 'byte')}) of "
        f"{format_count(len(report.entry_ids), 'entry', 'entries')} "
        f"processed before {cutoff}."
    )
    if report.marker_id is not None:
        click.echo(f"Marker entry: {report.marker_id}")
