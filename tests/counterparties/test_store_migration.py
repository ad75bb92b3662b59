"""The counterparty tables of an older state database, opened by this release."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from exchange.counterparties.store import CounterpartyStore
from exchange.counterparties.store_schema import COMPONENT, MIGRATIONS
from exchange.state.db import connect, migrate


def test_answered_rows_survive_migration(tmp_path: Path) -> None:
    """A record answered under the first schema keeps its status, without a ref."""
    conn = connect(tmp_path / "state.sqlite3")
    migrate(conn, COMPONENT, MIGRATIONS[:1])
    conn.execute(
        "INSERT INTO counterparty_exported (package_id, entity, b24_id, deal_ids,"
        " flag_on_item, receipt_status, closed_at)"
        " VALUES ('p-1', 'company', 15, '[215]', 0, 'matched', '2026-11-20')"
    )

    exported = CounterpartyStore(conn).exported_records("p-1")

    record = exported[("company", 15)]
    assert record.receipt_status == "matched"
    assert record.closed
    assert record.deal_ids == (215,)
    assert record.receipt_ref is None
    assert record.receipt_package_id is None


def test_complete_catalog_survives_migration(tmp_path: Path) -> None:
    """A complete catalog received under the second schema stays complete."""
    conn = connect(tmp_path / "state.sqlite3")
    migrate(conn, COMPONENT, MIGRATIONS[:2])
    conn.execute(
        "INSERT INTO counterparty_catalog_received VALUES"
        " (1, 'p-5', 1, '2026-11-20T08:00:00+00:00')"
    )

    since = CounterpartyStore(conn).catalog_complete_since()

    assert since == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
