"""The receipt queues of the orders state: follow-up rows and pending rollups."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from exchange import jsonio
from exchange.state.background import Statement
from exchange.state.orders_records import ReceiptKey


class ReceiptQueues:
    """Receipt rows owed to earlier packages, kept until their receipt is queued.

    A part of ``OrdersStore``, which provides ``conn``.
    """

    conn: sqlite3.Connection

    def add_followups(self, rows: Iterable[tuple[str, str]]) -> None:
        """Queue follow-up rows given as (package id, row JSON).

        Runs inside the caller's transaction.
        """
        self.conn.executemany(
            "INSERT INTO followup_rows (package_id, data) VALUES (?, ?)", rows
        )

    def queued_followups(self) -> list[tuple[int, str, str]]:
        """Return the queued follow-up rows as (seq, package id, row JSON)."""
        rows = self.conn.execute(
            "SELECT seq, package_id, data FROM followup_rows ORDER BY seq"
        )
        return [
            (int(seq), str(package_id), str(data)) for seq, package_id, data in rows
        ]

    def drop_followups(self, seqs: Iterable[int]) -> None:
        """Delete follow-up rows once their receipt is queued (caller's transaction)."""
        self.conn.executemany(
            "DELETE FROM followup_rows WHERE seq = ?", [(seq,) for seq in seqs]
        )

    def has_pending_rollups(self) -> bool:
        """Tell whether any rollup row waits for a follow-up."""
        row = self.conn.execute("SELECT 1 FROM pending_rollups LIMIT 1").fetchone()
        return row is not None

    def take_pending_rollups(self, refs: Iterable[str]) -> list[tuple[str, ReceiptKey]]:
        """Remove and return (package id, row) of pending rollup rows of ``refs``."""
        removed: list[tuple[str, ReceiptKey]] = []
        for chunk in _chunks(list(refs), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "DELETE FROM pending_rollups"  # noqa: S608
                f" WHERE ref IN ({marks})"
                " RETURNING package_id, ref, number, document_number",
                chunk,
            ).fetchall()
            removed.extend((row[0], (row[1], row[2], row[3])) for row in rows)
        return removed


def _chunks(items: list[str] | list[int], size: int) -> Iterator[list[str] | list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pending_rollups_statement(package_id: str, rows: Iterable[ReceiptKey]) -> Statement:
    """Return the statement that remembers rollup rows reported as pending.

    The rows go in as one JSON text, so the statement can run on a thread of
    its own (``OrdersStore.write_behind``).
    """
    return (_ADD_PENDING_ROLLUPS, (package_id, jsonio.dumps(list(rows)).decode()))


_ADD_PENDING_ROLLUPS = (
    "INSERT OR REPLACE INTO pending_rollups (package_id, ref, number, document_number)"
    " SELECT ?1, value->>0, value->>1, value->>2 FROM json_each(?2)"
)
