"""The reports of the orders state: each order's last reported status.

An order whose version has no row in ``order_outcomes`` is ``pending``,
with no deal, message or recheck.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from exchange import jsonio
from exchange.state.background import Statement
from exchange.state.orders_records import (
    OrderReport,
    OutcomeRow,
    json_array,
    outcome_row,
)


class OrderReports:
    """Access to the reports of orders.

    A part of ``OrdersStore``, which provides ``conn``.
    """

    conn: sqlite3.Connection

    def reports(self, refs: Iterable[str]) -> dict[str, OrderReport]:
        """Return the last reports of the given orders."""
        rows = self.conn.execute(
            f"SELECT {_REPORT_COLUMNS} FROM json_each(?) AS j"  # noqa: S608
            " CROSS JOIN orders AS o ON o.ref = j.value"
            " LEFT JOIN order_outcomes AS r ON r.ref = o.ref",
            (json_array(refs),),
        )
        return {row[0]: _report(row) for row in rows}

    def reports_to_recheck(self) -> list[OrderReport]:
        """Return the orders that later runs must check again."""
        rows = self.conn.execute(
            f"SELECT {_REPORT_COLUMNS}"  # noqa: S608
            " FROM order_outcomes AS r INDEXED BY order_outcomes_recheck"
            " JOIN orders AS o ON o.ref = r.ref"
            " WHERE r.recheck = 1 ORDER BY o.package_id, o.ref"
        )
        return [_report(row) for row in rows]

    def reports_with_status(self, status: str, limit: int = 1000) -> list[OrderReport]:
        """Return up to ``limit`` reports of one status."""
        rows = self.conn.execute(
            f"SELECT {_REPORT_COLUMNS} FROM orders AS o"  # noqa: S608
            " LEFT JOIN order_outcomes AS r ON r.ref = o.ref"
            " WHERE coalesce(r.status, 'pending') = ?"
            " ORDER BY o.package_id, o.ref LIMIT ?",
            (status, limit),
        )
        return [_report(row) for row in rows]

    def count_reports(self) -> dict[str, int]:
        """Return the number of orders per reported status."""
        rows = self.conn.execute(
            "SELECT coalesce(r.status, 'pending') AS status, count(*) FROM orders AS o"
            " LEFT JOIN order_outcomes AS r ON r.ref = o.ref GROUP BY 1"
        )
        return {status: int(count) for status, count in rows}

    def update_outcomes(self, reports: Iterable[OrderReport]) -> None:
        """Store new outcomes of reports that are stored already.

        Only ``status``, ``deal_id``, ``message`` and ``recheck`` are written:
        the caller changes nothing else, and names stored orders only
        (inside its transaction).
        """
        self.update_outcome_rows(map(outcome_row, reports))

    def update_outcome_rows(self, rows: Iterable[OutcomeRow]) -> None:
        """Store outcomes given as (status, deal_id, message, recheck, ref).

        The caller names stored orders only (inside its transaction).
        """
        self.conn.execute(*outcome_statement(rows))


_REPORT_COLUMNS = (
    "o.ref, o.package_id, o.fields->>1, coalesce(o.document_number, ''),"
    " coalesce(r.status, 'pending'), r.deal_id, coalesce(r.message, ''),"
    " coalesce(r.recheck, 0)"
)


def _report(row: sqlite3.Row) -> OrderReport:
    ref, package_id, number, document_number, status, deal_id, message, recheck = row
    return OrderReport(
        ref,
        package_id,
        number,
        document_number,
        status,
        deal_id,
        message,
        rollup=False,
        recheck=bool(recheck),
    )


def outcome_statement(rows: Iterable[OutcomeRow]) -> Statement:
    """Return the statement that stores outcomes, read by SQLite from JSON.

    Like the statements of ``deal_tables.py``, it needs no Python between
    rows, so it can run on a thread of its own.
    """
    return (_STORE_OUTCOMES, (jsonio.dumps(list(rows)).decode(),))


# In ref order (ORDER BY), neighbouring rows fall on the same pages.
_STORE_OUTCOMES = (
    "REPLACE INTO order_outcomes (status, deal_id, message, recheck, ref)"
    " SELECT value->>0, value->>1, value->>2, value->>3, value->>4"
    " FROM json_each(?) ORDER BY 5"
)
