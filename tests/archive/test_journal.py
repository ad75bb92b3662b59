"""Journal: chain hashes, search keys, heads and two writers."""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
import threading
from datetime import UTC, date, datetime

import pytest

from exchange import jsonio
from exchange.archive import Archive, Journal, JournalEntry, RecordedEntry, order_keys
from exchange.state.db import connect
from tests.archive.conftest import ORDER_RESULTS, FixedClock, Roots, record_package

ZEROS = "0" * 64


def out_entry(name: str, **fields: object) -> JournalEntry:
    return JournalEntry(direction="out", file_name=name, outcome="written", **fields)  # type: ignore[arg-type]


def test_first_entry_links_to_zeros(journal: Journal) -> None:
    """The first entry's prev_hash is 64 zeros and its id is 1."""
    recorded = journal.record(out_entry("a.json"))
    assert recorded.id == 1
    assert recorded.prev_hash == ZEROS


def test_hash_formula(journal: Journal, clock: FixedClock) -> None:
    """entry_hash is sha256(prev_hash + canonical JSON of the entry's fields)."""
    received = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    recorded = journal.record(
        JournalEntry(
            direction="in",
            file_name="orders_TMS_1.json",
            outcome="applied",
            size=120,
            sha256="e" * 64,
            package_id="0B7E5A3C-1D2E-4F60-8A9B-000000000001",
            kind="orders",
            sender="TMS",
            number=1,
            received_at=received,
            counts={"updated": 3, "pending": 1},
            errors=[],
            archive_path="2026/03/14/orders_TMS_1.eeeeeeeeeeeeeeee.json",
            details=[{"ref": "r", "status": "updated"}],
        ),
        [("deal_id", " 4711 ")],
    )
    fields = {
        "id": 1,
        "direction": "in",
        "file_name": "orders_TMS_1.json",
        "size": 120,
        "sha256": "e" * 64,
        "package_id": "0B7E5A3C-1D2E-4F60-8A9B-000000000001",
        "kind": "orders",
        "sender": "TMS",
        "number": 1,
        "received_at": "2026-03-14T09:00:00.000000Z",
        "processed_at": "2026-03-14T09:26:53.000000Z",
        "outcome": "applied",
        "counts": {"pending": 1, "updated": 3},
        "errors": [],
        "archive_path": "2026/03/14/orders_TMS_1.eeeeeeeeeeeeeeee.json",
        "reply_path": "",
        "reply_sha256": "",
        "details": [{"ref": "r", "status": "updated"}],
        "keys": {
            "deal_id": ["4711"],
            "package_id": ["0b7e5a3c-1d2e-4f60-8a9b-000000000001"],
        },
    }
    canonical = jsonio.dumps(fields, sort_keys=True)
    assert b" " not in canonical
    expected = hashlib.sha256(ZEROS.encode() + canonical).hexdigest()
    assert recorded.entry_hash == expected
    assert journal.get(1) == recorded


def test_entries_chain(journal: Journal) -> None:
    """Each entry's prev_hash is the previous entry's hash; ids increase by one."""
    recorded = [journal.record(out_entry(f"f{i}.json")) for i in range(5)]
    assert [entry.id for entry in recorded] == [1, 2, 3, 4, 5]
    for before, after in itertools.pairwise(recorded):
        assert after.prev_hash == before.entry_hash
    assert journal.head() == (5, recorded[-1].entry_hash)


def test_head_of_empty_journal(journal: Journal) -> None:
    """An empty journal's head is entry 0 with 64 zeros."""
    assert journal.head() == (0, ZEROS)


def test_naive_time_rejected(journal: Journal) -> None:
    """A received time without a zone is refused, as its UTC time is unknown."""
    with pytest.raises(ValueError, match="timezone-aware"):
        journal.record(
            JournalEntry(
                direction="in",
                file_name="x.json",
                outcome="applied",
                received_at=datetime(2026, 1, 1),  # noqa: DTZ001
            )
        )
    assert journal.head() == (0, ZEROS)


def test_find_by_each_key(archive: Archive, journal: Journal) -> None:
    """find returns the entry by order number, document number, deal, ref, package."""
    recorded = record_package(archive, journal, 1)
    for key_type, value in [
        ("order_number", "ТЛ-000123"),
        ("document_number", " Д-77 "),
        ("deal_id", "4711"),
        ("order_ref", "6f1e4c2a-0000-4000-8000-000000000001"),
        ("order_ref", "6F1E4C2A-0000-4000-8000-000000000002"),
        ("package_id", "0B7E5A3C-1D2E-4F60-8A9B-000000000001"),
    ]:
        assert [entry.id for entry in journal.find(key_type, value)] == [recorded.id]
    assert journal.find("order_number", "ТЛ-999") == []


def test_find_inn_ignores_spaces(journal: Journal) -> None:
    """An INN key matches with or without spaces."""
    journal.record(out_entry("counterparties_B24_1.json"), [("inn", "7707 083893")])
    assert len(journal.find("inn", "7707083893")) == 1


def test_unknown_key_type_rejected(journal: Journal) -> None:
    """A key type outside the documented list raises ValueError."""
    with pytest.raises(ValueError, match="unknown journal key type"):
        journal.record(out_entry("x.json"), [("phone", "+7")])


def test_follow_up_receipt_found_by_package(journal: Journal) -> None:
    """A follow-up receipt is found by the package id it replies to."""
    incoming = journal.record(
        JournalEntry(
            direction="in",
            file_name="orders_TMS_1.json",
            outcome="applied",
            package_id="aaaaaaaa-0000-4000-8000-000000000001",
        )
    )
    follow_up = journal.record(
        out_entry("orders_receipt_B24_8.json", package_id="bbbbbbbb-0000-4000-8000-0"),
        [("package_id", "aaaaaaaa-0000-4000-8000-000000000001")],
    )
    found = journal.find("package_id", "aaaaaaaa-0000-4000-8000-000000000001")
    assert [entry.id for entry in found] == [incoming.id, follow_up.id]


def test_order_keys_from_results() -> None:
    """order_keys turns receipt rows into number, document, deal and ref keys."""
    keys = order_keys(ORDER_RESULTS)
    assert ("order_number", "ТЛ-000123") in keys
    assert ("document_number", "Д-77") in keys
    assert ("deal_id", "4711") in keys
    assert ("order_ref", "6F1E4C2A-0000-4000-8000-000000000001") in keys
    assert ("document_number", "") not in keys
    assert all(key_type != "deal_id" or value == "4711" for key_type, value in keys)


def names(entries: list[RecordedEntry]) -> list[str]:
    return [entry.file_name for entry in entries]


def test_entries_filters(journal: Journal, clock: FixedClock) -> None:
    """entries filters by UTC date range, sender, kind, outcome and direction."""
    journal.record(
        JournalEntry(
            direction="in",
            file_name="a",
            outcome="applied",
            sender="TMS",
            kind="orders",
        )
    )
    clock.advance(days=1)
    journal.record(out_entry("b", kind="orders_receipt", sender="B24"))
    clock.advance(days=1)
    journal.record(
        JournalEntry(
            direction="in",
            file_name="c",
            outcome="rejected",
            sender="TMS",
            kind="orders",
        )
    )

    assert names(journal.entries()) == ["a", "b", "c"]
    assert names(journal.entries(since=date(2026, 3, 15))) == ["b", "c"]
    assert names(journal.entries(until=date(2026, 3, 15))) == ["a", "b"]
    assert names(journal.entries(since=date(2026, 3, 15), until=date(2026, 3, 15))) == [
        "b"
    ]
    assert names(journal.entries(sender="TMS")) == ["a", "c"]
    assert names(journal.entries(kind="orders_receipt")) == ["b"]
    assert names(journal.entries(outcome="rejected")) == ["c"]
    assert names(journal.entries(direction="out")) == ["b"]


def test_file_name_control_characters(journal: Journal) -> None:
    """A file name with control characters or non-UTF-8 bytes is stored escaped."""
    odd = "a\nb" + b"\xff".decode("utf-8", "surrogateescape") + ".json"
    recorded = journal.record(
        JournalEntry(direction="in", file_name=odd, outcome="rejected")
    )
    assert recorded.file_name == "a%0Ab%FF.json"


def test_write_head_line(journal: Journal, roots: Roots) -> None:
    """write_head appends '<UTC time> <id> <hash>' to chain-heads/<date>.txt."""
    recorded = journal.record(out_entry("a.json"))
    path = journal.write_head(roots.archive)
    assert path == roots.archive / "chain-heads" / "2026-03-14.txt"
    assert path.read_text() == (
        f"2026-03-14T09:26:53.000000Z 1 {recorded.entry_hash}\n"
    )
    # The same head is not written twice; a new head is.
    assert journal.write_head(roots.archive) == path
    assert len(path.read_text().splitlines()) == 1
    newer = journal.record(out_entry("b.json"))
    journal.write_head(roots.archive)
    assert path.read_text().splitlines()[1].endswith(f" 2 {newer.entry_hash}")


def test_write_head_daily(journal: Journal, roots: Roots, clock: FixedClock) -> None:
    """In daily mode the head is written once per UTC day."""
    first = journal.write_head(roots.archive, daily=True)
    assert first is not None
    assert journal.write_head(roots.archive, daily=True) is None
    clock.advance(days=1)
    second = journal.write_head(roots.archive, daily=True)
    assert second == roots.archive / "chain-heads" / "2026-03-15.txt"
    assert len(first.read_text().splitlines()) == 1


def test_two_writers_keep_one_chain(roots: Roots, conn: sqlite3.Connection) -> None:
    """Two connections appending at once produce one unbroken chain."""
    Journal(conn)

    def write(prefix: str) -> None:
        own = connect(roots.state)
        try:
            writer = Journal(own)
            for i in range(25):
                writer.record(out_entry(f"{prefix}{i}.json"))
        finally:
            own.close()

    threads = [threading.Thread(target=write, args=(p,)) for p in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    entries = list(Journal(conn).iter_all())
    assert [entry.id for entry in entries] == list(range(1, 51))
    previous = ZEROS
    for entry in entries:
        assert entry.prev_hash == previous
        previous = entry.entry_hash


def test_reopen_keeps_chain(roots: Roots, conn: sqlite3.Connection) -> None:
    """A journal reopened on the same file continues the chain."""
    first = Journal(conn).record(out_entry("a.json"))
    other = connect(roots.state)
    try:
        second = Journal(other).record(out_entry("b.json"))
    finally:
        other.close()
    assert second.id == 2
    assert second.prev_hash == first.entry_hash


def test_journal_tables_migrated(conn: sqlite3.Connection) -> None:
    """The journal registers its schema version under the component 'journal'."""
    Journal(conn)
    row = conn.execute(
        "SELECT version FROM schema_versions WHERE component = 'journal'"
    ).fetchone()
    assert row[0] == 2
