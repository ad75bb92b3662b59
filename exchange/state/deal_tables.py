"""The deal tables of the orders state: deal cache, deal values, batch log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from exchange import jsonio
from exchange.state.background import Statement
from exchange.state.db import transaction
from exchange.state.orders_records import DealState, json_array


class DealTables:
    """The deal that each document number leads to, and the values each deal has.

    A part of ``OrdersStore``, which provides ``conn`` and ``transaction``.
    """

    conn: sqlite3.Connection

    def transaction(self) -> transaction:
        """Group statements in one transaction (``OrdersStore`` defines it)."""
        raise NotImplementedError

    def cached_deals(self, numbers: Iterable[str]) -> dict[str, int]:
        """Return the cached deal of each document number that has one."""
        rows = self.conn.execute(
            "SELECT c.document_number, c.deal_id FROM json_each(?) AS j"
            " CROSS JOIN deal_cache AS c ON c.document_number = j.value",
            (json_array(numbers),),
        )
        return {number: int(deal_id) for number, deal_id in rows}

    def forget_deal(self, deal_id: int) -> None:
        """Drop a deal that the portal no longer finds from the cache."""
        self.conn.execute("DELETE FROM deal_cache WHERE deal_id = ?", (deal_id,))
        self.conn.execute("DELETE FROM deal_values WHERE deal_id = ?", (deal_id,))

    def forget_number(self, number: str) -> None:
        """Drop the cached deal of a document number."""
        self.conn.execute("DELETE FROM deal_cache WHERE document_number = ?", (number,))

    def deal_states(self, deal_ids: Iterable[int]) -> dict[int, DealState]:
        """Return the last known field values of the given deals."""
        rows = self.conn.execute(
            "SELECT v.deal_id, v.payment_status_item, v.realization_date, v.source"
            " FROM json_each(?) AS j CROSS JOIN deal_values AS v"
            " ON v.deal_id = j.value",
            (json_array(deal_ids),),
        )
        return {
            int(deal_id): DealState(item, day, source)
            for deal_id, item, day, source in rows
        }

    def remember_sent(self, sent: dict[int, DealState]) -> None:
        """Store the values deals hold after updates the portal took.

        Each state contains both fields: those sent, and those the deal already
        had (inside the caller's transaction).
        """
        self.conn.executemany(
            "REPLACE INTO deal_values (deal_id, payment_status_item,"
            " realization_date, source) VALUES (?, ?, ?, 'sent')",
            sorted(
                (deal_id, state.payment_status_item, state.realization_date)
                for deal_id, state in sent.items()
            ),
        )

    def log_batch(self, data: str) -> int:
        """Commit the results of one ``batch`` call; return its sequence number."""
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO sent_batches (data) VALUES (?)", (data,)
            )
        return int(cursor.lastrowid or 0)

    def logged_batches(self) -> list[tuple[int, str]]:
        """Return the logged batch results not yet recorded, oldest first."""
        rows = self.conn.execute("SELECT seq, data FROM sent_batches ORDER BY seq")
        return [(int(seq), str(data)) for seq, data in rows]

    def drop_logged(self, seqs: Iterable[int]) -> None:
        """Delete logged batch results once recorded (in the caller's transaction)."""
        self.conn.executemany(
            "DELETE FROM sent_batches WHERE seq = ?", [(seq,) for seq in seqs]
        )


# The statements below take their rows as one JSON text, which SQLite reads
# with ``json_each`` in one statement. Unlike ``executemany``, that needs no
# Python between rows, so on a thread of its own it runs beside the caller
# (see ``background.py``).


def cache_statement(deals: dict[str, int]) -> Statement:
    """Return the statement that caches the one deal of each document number."""
    return (_CACHE_DEALS, (jsonio.dumps(deals).decode(),))


def reads_statement(states: dict[int, DealState]) -> Statement:
    """Return the statement that stores values read from deals.

    A deal whose values the service sent keeps them.
    """
    rows = [
        (deal_id, state.payment_status_item, state.realization_date)
        for deal_id, state in states.items()
    ]
    return (_REMEMBER_READS, (jsonio.dumps(rows).decode(),))


# Without ``WHERE true``, SQLite would parse ON CONFLICT as part of a join.
_CACHE_DEALS = (
    "INSERT INTO deal_cache (document_number, deal_id)"
    " SELECT key, value FROM json_each(?) WHERE true"
    " ON CONFLICT (document_number) DO UPDATE SET deal_id = excluded.deal_id"
)
_REMEMBER_READS = (
    "INSERT INTO deal_values (deal_id, payment_status_item, realization_date, source)"
    " SELECT value->>0, value->>1, value->>2, 'read' FROM json_each(?) WHERE true"
    " ON CONFLICT (deal_id) DO UPDATE SET"
    " payment_status_item = excluded.payment_status_item,"
    " realization_date = excluded.realization_date, source = 'read'"
    " WHERE deal_values.source = 'read'"
)
