"""Removing archived files after the retention period, keeping their entries.

Entries stay in the journal with their hashes and get ``pruned_at``, which is
not hashed. A ``pruned`` marker entry appended to the chain lists their ids,
so ``verify`` can tell files removed on purpose from files that went missing.
The entries are marked before any file is deleted: a crash in between leaves
files that ``verify`` skips, never files missing without a record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from exchange.archive._time import format_utc
from exchange.archive.entry import JournalEntry, RecordedEntry
from exchange.archive.journal import Journal
from exchange.archive.verify import PRUNED_IDS_FIELD
from exchange.plurals import format_count

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterator
    from pathlib import Path

    from exchange.archive.store import Archive

log = logging.getLogger(__name__)


@dataclass
class PruneReport:
    """Entries, files and bytes that one ``prune`` run removed."""

    cutoff: datetime | None
    entry_ids: list[int] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    marker_id: int | None = None


def prune(
    conn: sqlite3.Connection,
    archive: Archive,
    older_than_days: int | None,
    now: datetime,
) -> PruneReport:
    """Delete the files of entries processed more than N days before ``now``.

    Retention of None or 0 days keeps everything and prunes nothing. Raises
    ``ValueError`` for a negative number of days.
    """
    if not older_than_days:
        return PruneReport(cutoff=None)
    if older_than_days < 0:
        raise ValueError(f"retention must be 0 days or more, got {older_than_days}")

    cutoff = now - timedelta(days=older_than_days)
    report = PruneReport(cutoff=cutoff)
    journal = Journal(conn)
    candidates = _candidates(conn, journal, format_utc(cutoff))
    paths: list[Path] = []
    for entry in candidates:
        report.entry_ids.append(entry.id)
        for path in _existing_files(archive, entry):
            paths.append(path)
            report.bytes += path.stat().st_size
    report.files = len(paths)
    if not report.entry_ids:
        log.info("retention: no archived files processed before %s", cutoff)
        return report

    marker = JournalEntry(
        direction=None,
        file_name="",
        outcome="pruned",
        processed_at=now,
        counts={"entries": len(report.entry_ids), "files": report.files},
        details={
            PRUNED_IDS_FIELD: report.entry_ids,
            "files": report.files,
            "bytes": report.bytes,
            "older_than_days": older_than_days,
            "cutoff": format_utc(cutoff),
        },
    )
    report.marker_id = journal.mark_pruned(report.entry_ids, marker, now).id

    for path in paths:
        path.unlink(missing_ok=True)
        _remove_empty_parents(path.parent, stop_at=(archive.root, archive.errors_root))
    log.info(
        "retention: pruned %s (%s) of %s processed before %s; marker entry %d",
        format_count(report.files, "file"),
        format_count(report.bytes, "byte"),
        format_count(len(report.entry_ids), "entry", "entries"),
        cutoff,
        report.marker_id,
    )
    return report


def _candidates(
    conn: sqlite3.Connection, journal: Journal, cutoff: str
) -> list[RecordedEntry]:
    rows = conn.execute(
        "SELECT id FROM journal_entries WHERE processed_at < ? AND pruned_at IS NULL"
        " AND outcome != 'pruned' AND (archive_path != '' OR reply_path != '')"
        " ORDER BY id",
        (cutoff,),
    ).fetchall()
    entries = (journal.get(int(row[0])) for row in rows)
    return [entry for entry in entries if entry is not None]


def _existing_files(archive: Archive, entry: RecordedEntry) -> Iterator[Path]:
    for relative in (entry.archive_path, entry.reply_path):
        if not relative:
            continue
        try:
            path = archive.resolve(relative, rejected=entry.rejected)
        except ValueError:
            log.warning(
                "retention: entry %d names %r outside the archive; left alone",
                entry.id,
                relative,
            )
            continue
        if path.is_file():
            yield path


def _remove_empty_parents(folder: Path, *, stop_at: tuple[Path, ...]) -> None:
    while folder not in stop_at and any(folder.is_relative_to(r) for r in stop_at):
        try:
            folder.rmdir()
        except OSError:
            return  # The folder still contains other files.
        folder = folder.parent
