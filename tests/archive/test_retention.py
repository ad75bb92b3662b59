"""Retention: old files removed, entries and hashes kept, verify still passes."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from exchange.archive import Archive, Journal, prune, verify
from tests.archive.conftest import FixedClock, Roots, record_package


@pytest.fixture
def spread(archive: Archive, journal: Journal, clock: FixedClock) -> list[int]:
    """Four packages processed 40, 30, 20 and 10 days before the clock's end."""
    ids = []
    for number in range(1, 5):
        ids.append(record_package(archive, journal, number).id)
        clock.advance(days=10)
    return ids


def test_prunes_old_files(
    conn: sqlite3.Connection,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
    spread: list[int],
) -> None:
    """Files of entries older than N days are deleted; newer ones stay."""
    before = {entry.id: entry for entry in journal.iter_all()}
    report = prune(conn, archive, 25, clock.now)
    assert report.entry_ids == [1, 2]
    assert report.files == 4
    old_paths = [before[i].archive_path for i in (1, 2)]
    old_replies = [before[i].reply_path for i in (1, 2)]
    for path in old_paths + old_replies:
        assert not (archive.root / path).exists()
    for entry_id in (3, 4):
        assert (archive.root / before[entry_id].archive_path).exists()
        assert (archive.root / before[entry_id].reply_path).exists()


def test_prune_counts_bytes(
    conn: sqlite3.Connection,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
    spread: list[int],
) -> None:
    """The report and marker give the bytes of the files deleted."""
    entry = journal.get(1)
    assert entry is not None
    size = (archive.root / entry.archive_path).stat().st_size
    reply_size = (archive.root / entry.reply_path).stat().st_size
    report = prune(conn, archive, 35, clock.now)
    assert report.entry_ids == [1]
    assert report.bytes == size + reply_size
    marker = journal.get(report.marker_id or 0)
    assert marker is not None
    assert marker.details["bytes"] == size + reply_size
    assert marker.details["files"] == 2


def test_prune_keeps_hashes_and_marks(
    conn: sqlite3.Connection,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
    spread: list[int],
) -> None:
    """Pruned entries keep their hash, get pruned_at, and a marker lists them."""
    before = {entry.id: entry.entry_hash for entry in journal.iter_all()}
    report = prune(conn, archive, 25, clock.now)
    after = {entry.id: entry for entry in journal.iter_all()}
    for entry_id, entry_hash in before.items():
        assert after[entry_id].entry_hash == entry_hash
    assert after[1].pruned_at == "2026-04-23T09:26:53.000000Z"
    assert after[3].pruned_at is None
    marker = after[report.marker_id or 0]
    assert marker.id == 5
    assert marker.outcome == "pruned"
    assert marker.prev_hash == before[4]
    assert marker.details["pruned_entry_ids"] == [1, 2]
    assert marker.details["older_than_days"] == 25


def test_verify_skips_pruned(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    clock: FixedClock,
    spread: list[int],
) -> None:
    """After pruning, verify passes and counts the removed files as skipped."""
    prune(conn, archive, 25, clock.now)
    report = verify(conn, roots.archive, roots.errors)
    assert report.ok, [str(problem) for problem in report.problems]
    assert report.entries_checked == 5
    assert report.files_skipped == 4
    assert report.files_checked == 4


def test_prune_twice_prunes_once(
    conn: sqlite3.Connection,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
    spread: list[int],
) -> None:
    """A second run with nothing new to prune adds no marker."""
    prune(conn, archive, 25, clock.now)
    head = journal.head()
    report = prune(conn, archive, 25, clock.now)
    assert report.entry_ids == []
    assert report.marker_id is None
    assert journal.head() == head


@pytest.mark.parametrize("days", [0, None])
def test_retention_off_keeps_all(
    conn: sqlite3.Connection,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
    spread: list[int],
    days: int | None,
) -> None:
    """Retention 0 or None deletes nothing and writes no marker."""
    clock.advance(days=3650)
    report = prune(conn, archive, days, clock.now)
    assert report.entry_ids == []
    assert journal.head()[0] == 4
    for entry in journal.iter_all():
        assert (archive.root / entry.archive_path).exists()


def test_negative_retention_raises(
    conn: sqlite3.Connection, archive: Archive, clock: FixedClock
) -> None:
    """A negative number of days is refused."""
    with pytest.raises(ValueError, match="0 days or more"):
        prune(conn, archive, -1, clock.now)


def test_prunes_rejected_files(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
) -> None:
    """Rejected files and their rejections are pruned from the error folder."""
    entry = record_package(archive, journal, 1, outcome="rejected")
    clock.advance(days=8)
    report = prune(conn, archive, 7, clock.now)
    assert report.files == 2
    assert not (roots.errors / entry.archive_path).exists()
    assert not (roots.errors / "2026").exists()
    assert verify(conn, roots.archive, roots.errors).ok


def test_empty_day_folders_removed(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    clock: FixedClock,
    spread: list[int],
) -> None:
    """Day folders emptied by pruning are removed; the roots stay."""
    prune(conn, archive, 25, clock.now)
    assert not (roots.archive / "2026/03/14").exists()
    assert (roots.archive / "2026").is_dir()
    assert roots.archive.is_dir()


def test_prune_then_new_entries_verify(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
    spread: list[int],
) -> None:
    """Entries recorded after a prune continue the chain and verify."""
    prune(conn, archive, 25, clock.now)
    clock.advance(hours=1)
    added = record_package(archive, journal, 9)
    assert added.id == 6
    assert verify(conn, roots.archive, roots.errors).ok
    clock.advance(days=timedelta(days=60).days)
    prune(conn, archive, 25, clock.now)
    assert verify(conn, roots.archive, roots.errors).ok
