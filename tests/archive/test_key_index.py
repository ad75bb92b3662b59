"""Search keys: the fast normal form, the lazy lookup table and old databases."""

from __future__ import annotations

import hashlib
import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from exchange import jsonio
from exchange.archive import Archive, Journal, JournalEntry, verify
from exchange.archive.keys import KEY_TYPES, normalize_key, normalized_values
from exchange.archive.schema import JOURNAL_MIGRATIONS
from exchange.state.db import migrate
from tests.archive.conftest import Roots, record_package

# White space of several kinds, letters whose lower case differs, Cyrillic.
VALUE_TEXT = st.text(alphabet=" \t\u00a0AaBbİТтЛ-0129", max_size=8)


@given(st.lists(st.tuples(st.sampled_from(KEY_TYPES), VALUE_TEXT), max_size=40))
def test_fast_values_match_single_keys(keys: list[tuple[str, str]]) -> None:
    """Bulk normalization gives normalize_key of each value, first-seen order."""
    expected: dict[str, list[str]] = {}
    for key_type, value in keys:
        normalized = normalize_key(key_type, value)
        if normalized and normalized not in expected.get(key_type, []):
            expected.setdefault(key_type, []).append(normalized)
    found = normalized_values(sorted(keys, key=lambda pair: pair[0]))
    assert found == {key_type: expected[key_type] for key_type in sorted(expected)}


def test_record_defers_lookup_rows(archive: Archive, journal: Journal) -> None:
    """record leaves journal_keys empty until index_pending fills it."""
    recorded = record_package(archive, journal, 1)
    conn = journal._conn
    assert conn.execute("SELECT count(*) FROM journal_keys").fetchone()[0] == 0
    assert journal.index_pending() == 1
    rows = conn.execute(
        "SELECT key_type, key_value FROM journal_keys WHERE entry_id = ?",
        (recorded.id,),
    ).fetchall()
    assert ("deal_id", "4711") in [tuple(row) for row in rows]
    # Two orders give 2 numbers, 1 document number, 1 deal id and 2 refs,
    # and the package id is always a key.
    assert len(rows) == 7
    assert journal.index_pending() == 0


def test_find_indexes_pending_first(archive: Archive, journal: Journal) -> None:
    """find returns an entry recorded a moment ago, before any index_pending."""
    recorded = record_package(archive, journal, 1)
    found = journal.find("document_number", "Д-77")
    assert [entry.id for entry in found] == [recorded.id]


def test_lost_pending_row_reported(
    archive: Archive, journal: Journal, roots: Roots
) -> None:
    """An entry whose pending mark was deleted unindexed fails verify."""
    record_package(archive, journal, 1)
    journal._conn.execute("DELETE FROM journal_keys_pending")
    report = verify(journal._conn, roots.archive, roots.errors)
    assert [problem.entry_id for problem in report.problems] == [1]
    assert "journal_keys" in report.problems[0].message


def test_repeated_pending_row_harmless(archive: Archive, journal: Journal) -> None:
    """A pending mark for an entry already indexed adds no rows and no error."""
    record_package(archive, journal, 1)
    journal.index_pending()
    before = journal._conn.execute("SELECT count(*) FROM journal_keys").fetchone()
    journal._conn.execute("INSERT INTO journal_keys_pending VALUES (1)")
    assert journal.index_pending() == 1
    after = journal._conn.execute("SELECT count(*) FROM journal_keys").fetchone()
    assert after[0] == before[0]


def test_old_database_keeps_working(conn: sqlite3.Connection, roots: Roots) -> None:
    """An entry written by the first schema, with pairs and lookup rows, verifies."""
    migrate(conn, "journal", JOURNAL_MIGRATIONS[:1])
    details = [{"ref": "r-1", "number": "ТЛ-1", "status": "updated"}]
    fields = {
        "id": 1,
        "direction": "in",
        "file_name": "orders_TMS_1.json",
        "size": 10,
        "sha256": "e" * 64,
        "package_id": "p-1",
        "kind": "orders",
        "sender": "TMS",
        "number": 1,
        "received_at": None,
        "processed_at": "2026-03-14T09:26:53.000000Z",
        "outcome": "applied",
        "counts": {"updated": 1},
        "errors": [],
        "archive_path": "",
        "reply_path": "",
        "reply_sha256": "",
        "details": details,
        "keys": [["order_number", "ТЛ-1"], ["package_id", "p-1"]],
    }
    # The first schema's rule: the whole entry re-serialized with sorted keys.
    canonical = jsonio.dumps(fields, sort_keys=True)
    entry_hash = hashlib.sha256(b"0" * 64 + canonical).hexdigest()
    columns = {
        **fields,
        "counts": jsonio.dumps_text(fields["counts"]),
        "errors": "[]",
        "details": jsonio.dumps(details, sort_keys=True).decode(),
        "keys": jsonio.dumps_text(fields["keys"]),
        "prev_hash": "0" * 64,
        "entry_hash": entry_hash,
    }
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    conn.execute(
        f"INSERT INTO journal_entries ({names}) VALUES ({marks})",  # noqa: S608
        list(columns.values()),
    )
    conn.execute(
        "INSERT INTO journal_keys VALUES ('order_number', 'ТЛ-1', 1),"
        " ('package_id', 'p-1', 1)"
    )

    journal = Journal(conn)
    report = verify(conn, roots.archive, roots.errors)
    assert report.ok, [str(problem) for problem in report.problems]
    assert [entry.id for entry in journal.find("order_number", "ТЛ-1")] == [1]
    stored = journal.get(1)
    assert stored is not None
    assert stored.keys == (("order_number", "ТЛ-1"), ("package_id", "p-1"))
    assert stored.details == details
    later = journal.record(
        JournalEntry(direction="out", file_name="b.json", outcome="written")
    )
    assert later.prev_hash == entry_hash
    assert verify(conn, roots.archive, roots.errors).ok
