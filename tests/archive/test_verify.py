"""verify: the chain, the archived files and kept heads, untouched and tampered."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from exchange.archive import Archive, Journal, RecordedEntry, compute_entry_hash, verify
from exchange.archive.verify import VerifyReport
from tests.archive.conftest import FixedClock, Roots, record_package


@pytest.fixture
def recorded(archive: Archive, journal: Journal) -> list[RecordedEntry]:
    """Three archived packages, the second one rejected, their keys indexed."""
    entries = [
        record_package(archive, journal, 1),
        record_package(archive, journal, 2, outcome="rejected"),
        record_package(archive, journal, 3),
    ]
    journal.index_pending()
    return entries


@pytest.fixture
def raw(roots: Roots) -> Iterator[sqlite3.Connection]:
    """A plain connection, as someone editing the database by hand would use."""
    connection = sqlite3.connect(roots.state, isolation_level=None)
    yield connection
    connection.close()


def run(
    conn: sqlite3.Connection, roots: Roots, head: str | None = None
) -> VerifyReport:
    return verify(conn, roots.archive, roots.errors, expected_head=head)


def messages(report: VerifyReport) -> list[str]:
    return [str(problem) for problem in report.problems]


def test_intact_archive_passes(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """An untouched archive has no problems, and every file is checked."""
    report = run(conn, roots)
    assert report.ok, messages(report)
    assert report.entries_checked == 3
    assert report.files_checked == 6
    assert (report.head_id, report.head_hash) == (3, recorded[-1].entry_hash)


def test_empty_journal_passes(conn: sqlite3.Connection, roots: Roots) -> None:
    """An empty journal verifies with head 0."""
    report = run(conn, roots)
    assert report.ok
    assert report.head_id == 0


def test_changed_byte_named(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """A changed byte in an archived file is reported with entry and path."""
    path = roots.archive / recorded[0].archive_path
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [1]
    assert report.problems[0].path == recorded[0].archive_path
    assert "hash changed" in report.problems[0].message


def test_changed_rejected_file_named(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """A changed file in the error folder is reported for its entry."""
    (roots.errors / recorded[1].archive_path).write_bytes(b"{}")
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [2]
    assert "hash changed" in report.problems[0].message


def test_deleted_file_named(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """A deleted archived file is reported as missing."""
    (roots.archive / recorded[2].archive_path).unlink()
    report = run(conn, roots)
    assert len(report.problems) == 1
    assert report.problems[0].entry_id == 3
    assert "file missing" in report.problems[0].message


def test_changed_reply_named(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """An altered receipt beside its file is reported with the reply's path."""
    (roots.archive / recorded[0].reply_path).write_bytes(b'{"kind":"forged"}')
    report = run(conn, roots)
    assert [(p.entry_id, p.path) for p in report.problems] == [
        (1, recorded[0].reply_path)
    ]


def test_edited_row_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A row edited in SQLite is reported as altered."""
    raw.execute("UPDATE journal_entries SET counts = '{\"updated\":2}' WHERE id = 1")
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [1]
    assert "entry altered" in report.problems[0].message


def test_edited_key_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A search key changed in SQLite is reported as an altered entry."""
    raw.execute(
        "UPDATE journal_keys SET key_value = '9999' WHERE entry_id = 3"
        " AND key_type = 'deal_id'"
    )
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [3]
    assert "entry altered" in report.problems[0].message


def test_deleted_key_row_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A search key removed from the lookup table is reported as altered."""
    raw.execute("DELETE FROM journal_keys WHERE entry_id = 3 AND key_type = 'deal_id'")
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [3]
    assert "entry altered" in report.problems[0].message


def test_added_key_row_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A search key slipped into the lookup table is reported as altered."""
    raw.execute(
        "INSERT INTO journal_keys (entry_id, key_type, key_value)"
        " VALUES (1, 'deal_id', '777')"
    )
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [1]
    assert "entry altered" in report.problems[0].message


def test_keys_column_not_json_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A keys column that is no longer JSON is reported as altered."""
    raw.execute("UPDATE journal_entries SET keys = 'not json' WHERE id = 2")
    report = run(conn, roots)
    assert 2 in [problem.entry_id for problem in report.problems]
    assert all("altered" in str(problem) for problem in report.problems)


def test_rehashed_row_breaks_link(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """An edited row given a fresh hash breaks the next entry's link."""
    raw.execute("UPDATE journal_entries SET sender = 'XXX' WHERE id = 1")
    entry = Journal(conn).get(1)
    assert entry is not None
    forged = compute_entry_hash(entry.prev_hash, entry.hashed_fields())
    raw.execute("UPDATE journal_entries SET entry_hash = ? WHERE id = 1", (forged,))
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [2]
    assert "broken link" in report.problems[0].message


def test_deleted_row_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A deleted row shows as a gap at the next entry."""
    raw.execute("DELETE FROM journal_keys WHERE entry_id = 2")
    raw.execute("DELETE FROM journal_entries WHERE id = 2")
    report = run(conn, roots)
    assert messages(report) == [
        "entry 3: entries 2 are missing (removed from the journal)"
    ]


def test_deleted_first_row_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """Removing the first entry is reported even though no link precedes it."""
    raw.execute("DELETE FROM journal_keys WHERE entry_id = 1")
    raw.execute("DELETE FROM journal_entries WHERE id = 1")
    report = run(conn, roots)
    assert len(report.problems) == 1
    assert "entries 1 are missing" in report.problems[0].message


def test_path_leaving_archive_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """An archive path edited to leave the archive is reported, not read."""
    raw.execute(
        "UPDATE journal_entries SET archive_path = '../../etc/passwd' WHERE id = 3"
    )
    report = run(conn, roots)
    found = messages(report)
    assert any("entry altered" in message for message in found)
    assert any(
        "leaves" in message and "../../etc/passwd" in message for message in found
    )


def test_expected_head_matches(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """A kept head that is still in the chain passes."""
    report = run(conn, roots, f"2:{recorded[1].entry_hash}")
    assert report.ok, messages(report)


def test_expected_head_wrong_hash(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """A kept head whose hash differs is reported as a rewritten chain."""
    report = run(conn, roots, f"2:{'f' * 64}")
    assert len(report.problems) == 1
    assert report.problems[0].entry_id == 2
    assert "rewritten" in report.problems[0].message


def test_expected_head_after_truncation(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """Removing the last entries is caught by the head an auditor kept."""
    raw.execute("DELETE FROM journal_keys WHERE entry_id = 3")
    raw.execute("DELETE FROM journal_entries WHERE id = 3")
    assert run(conn, roots).ok
    report = run(conn, roots, f"3:{recorded[2].entry_hash}")
    assert len(report.problems) == 1
    assert "missing from the journal" in report.problems[0].message


def test_malformed_head_raises(conn: sqlite3.Connection, roots: Roots) -> None:
    """A head that is not <id>:<64 hex digits> raises ValueError."""
    with pytest.raises(ValueError, match="invalid head"):
        run(conn, roots, "3-abc")


def test_heads_file_catches_truncation(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    journal: Journal,
    recorded: list[RecordedEntry],
) -> None:
    """A head written to chain-heads is checked, so a cut tail is found."""
    journal.write_head(roots.archive)
    raw.execute("DELETE FROM journal_keys WHERE entry_id = 3")
    raw.execute("DELETE FROM journal_entries WHERE id = 3")
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [3]
    assert "2026-03-14.txt line 1" in report.problems[0].message


def test_hand_flagged_pruned_still_checked(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """pruned_at set by hand, with no marker entry, does not hide a deleted file."""
    raw.execute("UPDATE journal_entries SET pruned_at = '2026-03-14' WHERE id = 1")
    (roots.archive / recorded[0].archive_path).unlink()
    report = run(conn, roots)
    found = messages(report)
    assert len(found) == 2
    assert "no pruned marker entry lists it" in found[0]
    assert "file missing" in found[1]


def test_verify_after_new_day(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
) -> None:
    """Entries spread over several day folders all verify."""
    for number in range(1, 4):
        record_package(archive, journal, number)
        clock.advance(days=1)
    report = run(conn, roots)
    assert report.ok, messages(report)
    assert report.files_checked == 6
