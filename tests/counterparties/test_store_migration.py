"""The counterparty tables of an older state database, opened by this release."""

from __future__ import annotations

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
