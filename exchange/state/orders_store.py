"""Access to the orders flow's durable state: versions, packages, deals, reports.

The tables and their migrations are described in ``orders_schema.py``.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from exchange import jsonio
from exchange.contract.enums import PaymentStatus
from exchange.rules.order_facts import OrderFacts
from exchange.state.background import BackgroundWrite, Statement
from exchange.state.db import connect, migrate, transaction
from exchange.state.deal_tables import DealTables
from exchange.state.order_reports import OrderReports
from exchange.state.orders_records import (
    PackageRecord,
    StoredOrder,
    VersionValues,
    json_array,
)
from exchange.state.orders_schema import MIGRATIONS
from exchange.state.receipt_queues import ReceiptQueues


class OrdersStore(DealTables, OrderReports, ReceiptQueues):
    """Access to the orders tables of the state database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        migrate(conn, "orders", MIGRATIONS)
        self._path = Path(conn.execute("PRAGMA database_list").fetchone()[2])
        # The last write queued behind a package's versions (``write_behind``),
        # and the connection that the chain of writes shares.
        self._writes: BackgroundWrite | None = None
        self._writer: sqlite3.Connection | None = None
        self._switch_interval = sys.getswitchinterval()

    # Packages and senders

    def package(self, package_id: str) -> PackageRecord | None:
        """Return the package taken under ``package_id``, if any."""
        row = self.conn.execute(
            "SELECT * FROM packages WHERE package_id = ?", (package_id,)
        ).fetchone()
        return _package(row) if row else None

    def package_by_number(self, sender: str, number: int) -> PackageRecord | None:
        """Return the package that used (sender, number), if any."""
        row = self.conn.execute(
            "SELECT * FROM packages WHERE sender = ? AND number = ?", (sender, number)
        ).fetchone()
        return _package(row) if row else None

    def last_number(self, sender: str) -> int | None:
        """Return the highest message number applied from ``sender``."""
        row = self.conn.execute(
            "SELECT last_number FROM senders WHERE sender = ?", (sender,)
        ).fetchone()
        return int(row[0]) if row else None

    def add_package(self, record: PackageRecord, received_at: str) -> None:
        """Register a package as being applied and advance its sender's number."""
        for sql, params in _package_statements(record, received_at):
            self.conn.execute(sql, params)

    def set_package_state(self, package_id: str, state: str) -> None:
        """Record the progress of a package (``answered``, ``archived``)."""
        self.conn.execute(
            "UPDATE packages SET state = ? WHERE package_id = ?", (state, package_id)
        )

    def last_packages(self) -> list[sqlite3.Row]:
        """Return the last package taken from each sender."""
        return self.conn.execute(
            "SELECT p.* FROM packages p JOIN senders s ON p.sender = s.sender"
            " AND p.number = s.last_number ORDER BY p.sender"
        ).fetchall()

    def unfinished_packages(self) -> list[PackageRecord]:
        """Return the packages taken but not yet archived, oldest first.

        Such a package is being processed right now, or its processing was
        interrupted; the next run resumes it.
        """
        rows = self.conn.execute(
            "SELECT * FROM packages WHERE state != 'archived' ORDER BY received_at"
        )
        return [_package(row) for row in rows]

    # Orders

    def orders(self, refs: Iterable[str]) -> dict[str, StoredOrder]:
        """Return the stored versions of the given orders that exist."""
        # One query with the refs bound as a JSON array, one primary-key probe
        # per ref (see ``_json_array``).
        rows = self.conn.execute(
            f"SELECT {_VERSION_COLUMNS_OF_O} FROM json_each(?) AS j"  # noqa: S608
            " CROSS JOIN orders AS o ON o.ref = j.value",
            (json_array(refs),),
        )
        return {row[0]: _stored(row) for row in rows}

    def families(
        self, tops: Iterable[str], skip: Container[str] = ()
    ) -> dict[str, StoredOrder]:
        """Return the given orders and everything below them, except ``skip``.

        An order in ``skip`` is not returned, but the walk goes on below it
        through the stored parent links.
        """
        # The walk returns refs only: in a large package most family members
        # are in ``skip``, and only the others are read in full. A top that is
        # not stored is dropped by ``orders``.
        family = self.conn.execute(
            "WITH RECURSIVE family(ref) AS ("
            " SELECT value FROM json_each(?)"
            " UNION SELECT o.ref FROM orders o JOIN family f ON o.parent_ref = f.ref"
            " WHERE o.parent_ref IS NOT NULL)"
            " SELECT ref FROM family",
            (json_array(tops),),
        ).fetchall()
        return self.orders(ref for (ref,) in family if ref not in skip)

    def waiting_parents(self) -> set[str]:
        """Return the parents that stored sub-orders wait for.

        A sub-order stored before its parent is reported pending with a
        recheck, so these are the only orders not stored yet that stored
        orders name as their parent.
        """
        rows = self.conn.execute(
            "SELECT DISTINCT o.parent_ref FROM order_outcomes AS r"
            " INDEXED BY order_outcomes_recheck JOIN orders AS o ON o.ref = r.ref"
            " WHERE r.recheck = 1 AND o.parent_ref IS NOT NULL"
        )
        return {parent for (parent,) in rows}

    def stored_below(
        self, refs: Iterable[str], skip: Container[str]
    ) -> dict[str, StoredOrder]:
        """Return the stored descendants of ``refs`` that are not in ``skip``.

        The walk goes on below an order in ``skip`` too, and reads the parent
        links as stored. A package calls this before its own versions are
        stored, so no order of the package is read back.
        """
        found: dict[str, StoredOrder] = {}
        frontier = list(refs)
        seen = set(frontier)
        while frontier:
            rows = self.conn.execute(
                f"SELECT {_VERSION_COLUMNS_OF_O} FROM json_each(?) AS j"  # noqa: S608
                " CROSS JOIN orders AS o INDEXED BY orders_parent"
                " ON o.parent_ref = j.value WHERE o.parent_ref IS NOT NULL",
                (json_array(frontier),),
            ).fetchall()
            frontier = []
            for row in rows:
                ref = row[0]
                if ref in seen:
                    continue
                seen.add(ref)
                frontier.append(ref)
                if ref not in skip:
                    found[ref] = _stored(row)
        return found

    def counting_tops_with_numbers(
        self, numbers: Iterable[str]
    ) -> dict[str, list[str]]:
        """Return, per document number, the counting top-level orders carrying it.

        Counting means posted, not deleted, without a parent.
        """
        result: dict[str, list[str]] = {}
        # One query with the numbers bound as a JSON array. The partial index
        # orders_top_number contains the numbers of top-level orders, whose
        # condition is repeated here; INDEXED BY makes sure it is the one
        # used. Deletion mark and posted are read from the fields of the
        # few orders found (``VersionValues``).
        rows = self.conn.execute(
            "SELECT o.document_number, o.ref FROM json_each(?) AS j"
            " CROSS JOIN orders AS o INDEXED BY orders_top_number"
            " ON o.document_number = j.value"
            " WHERE o.parent_ref IS NULL"
            " AND o.fields->>5 = 0 AND o.fields->>6 = 1"
            " ORDER BY o.ref",
            (json_array(numbers),),
        )
        for number, ref in rows:
            result.setdefault(number, []).append(ref)
        return result

    def save_versions(
        self,
        record: PackageRecord,
        received_at: str,
        rows: Mapping[str, VersionValues],
        replaced: Iterable[str] = (),
    ) -> None:
        """Register ``record`` and store its order versions, in one transaction.

        ``rows`` gives the fields of each version by its order's ref.

        Each order's report becomes ``pending`` with no deal, message or
        recheck, until its outcome is known: ``replaced`` must name every
        order that had a stored version, whose outcome is deleted.

        The transaction runs on a thread of its own (``BackgroundWrite``),
        while the caller goes on reading and planning: on a package of
        100,000 orders it takes about half a second of SQLite's time. The
        next ``transaction`` of this store, and ``wait_for_writes``, wait
        for it to commit first; ``write_behind`` queues more writes after it.
        """
        self.wait_for_writes()
        # A read transaction keeps what this connection reads at the state
        # before the package, until ``wait_for_writes`` ends it. Its first
        # read starts it, so it begins before the other connection writes.
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT 1 FROM senders LIMIT 1").fetchall()
        try:
            self._writes = self._write_versions(record, received_at, rows, replaced)
        except BaseException:
            self.conn.execute("COMMIT")
            self._close_writer()
            raise

    def write_behind(self, statements: Sequence[Statement]) -> None:
        """Run ``statements`` in one transaction after the pending writes.

        While a package's versions are being stored, the transaction is
        queued behind them on another thread, and this connection goes on
        reading the state as it was before the package: the statements must
        need no read of what they write. Otherwise they run now.
        """
        if not statements:
            return
        if self._writes is None:
            with self.transaction():
                self.execute_all(statements)
            return
        self._writes = BackgroundWrite(
            self._writer_connection(), statements, "orders-state", after=self._writes
        )

    def _write_versions(
        self,
        record: PackageRecord,
        received_at: str,
        rows: Mapping[str, VersionValues],
        replaced: Iterable[str],
    ) -> BackgroundWrite:
        # orjson writes a date as ISO text and a payment status as its value,
        # in C. In ref order (ORDER BY, on the other core), the inserts walk
        # the primary key from left to right instead of jumping to a random
        # page for each UUID.
        payload = jsonio.dumps(rows)
        statements: list[Statement] = [
            *_package_statements(record, received_at),
            (
                _STORE_VERSIONS,
                (payload, record.sender, record.number, record.package_id),
            ),
            (_FORGET_OUTCOMES, (json_array(replaced),)),
        ]
        return BackgroundWrite(self._writer_connection(), statements, "orders-versions")

    def _writer_connection(self) -> sqlite3.Connection:
        if self._writer is None:
            self._writer = connect(self._path, any_thread=True)
            # The writer thread takes the GIL back after each statement, and
            # by default waits up to 5 ms for it while this thread runs
            # Python. While the writes run, it waits 0.2 ms at most: on a
            # package of 100,000 orders, 1 ms saved about 0.04 s against
            # 5 ms, and 0.2 ms about 0.07 s more in the median run.
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self._switch_interval, WRITER_SWITCH_INTERVAL))
        return self._writer

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            sys.setswitchinterval(self._switch_interval)

    @contextmanager
    def writes_ended_on_error(self) -> Iterator[None]:
        """Wait for the queued writes when the block raises, then raise again.

        Until they end, this connection is inside the read transaction that
        ``save_versions`` began, and takes no other transaction.
        """
        try:
            yield
        except BaseException:
            self.wait_for_writes()
            raise

    def execute_all(self, statements: Iterable[Statement]) -> None:
        """Run ``statements`` on this connection, in the caller's transaction."""
        for sql, params in statements:
            self.conn.execute(sql, params)

    def wait_for_writes(self) -> None:
        """Return once the versions and the writes queued behind them are committed.

        Raise ``StateError`` if one of those transactions failed; nothing of
        it or of the ones queued after it is then stored.
        """
        pending, self._writes = self._writes, None
        if pending is None:
            return
        try:
            pending.wait()
        finally:
            self.conn.execute("COMMIT")
            self._close_writer()

    def transaction(self) -> transaction:
        """Group statements in one transaction, once pending writes are committed."""
        self.wait_for_writes()
        return transaction(self.conn)


WRITER_SWITCH_INTERVAL = 0.0002
"""Maximum wait of a thread for the GIL while background writes run, in seconds."""


def _package_statements(record: PackageRecord, received_at: str) -> list[Statement]:
    """Return the statements that register a package and advance its sender."""
    return [
        (
            _ADD_PACKAGE,
            (
                record.package_id,
                record.sha256,
                record.kind,
                record.sender,
                record.number,
                record.source_file,
                received_at,
                record.state,
            ),
        ),
        (_ADVANCE_SENDER, (record.sender, record.number)),
    ]


_ADD_PACKAGE = (
    "INSERT INTO packages (package_id, sha256, kind, sender, number,"
    " source_file, received_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_ADVANCE_SENDER = (
    "INSERT INTO senders (sender, last_number) VALUES (?, ?)"
    " ON CONFLICT (sender) DO UPDATE"
    " SET last_number = max(last_number, excluded.last_number)"
)
# The rows come as one JSON object (?1) of ``VersionValues`` by ref, so the
# ref is the key that json_each gives without parsing the row. The package's
# sender, number and ID (?2 to ?4) are the same for every row. The object is
# bound as the UTF-8 bytes that orjson wrote and cast to text in SQLite,
# because the JSON functions of SQLite 3.45 and later may read a BLOB as
# binary JSON (JSONB).
_STORE_VERSIONS = (
    "REPLACE INTO orders (ref, parent_ref, document_number, fields,"
    " sender, package_number, package_id)"
    " SELECT key, value->>0, value->>2, value, ?2, ?3, ?4"
    " FROM json_each(CAST(?1 AS TEXT)) ORDER BY 1"
)
_FORGET_OUTCOMES = (
    "DELETE FROM order_outcomes WHERE ref IN (SELECT value FROM json_each(?))"
)


def _package(row: sqlite3.Row) -> PackageRecord:
    return PackageRecord(
        row["package_id"],
        row["sha256"],
        row["kind"],
        row["sender"],
        int(row["number"]),
        row["source_file"],
        row["state"],
    )


_VERSION_COLUMNS = "ref, fields, sender, package_number, package_id"
_VERSION_COLUMNS_OF_O = ", ".join(
    f"o.{column.strip()}" for column in _VERSION_COLUMNS.split(",")
)


def _stored(row: sqlite3.Row) -> StoredOrder:
    ref, fields, sender, package_number, package_id = row
    (
        parent_ref,
        number,
        document_number,
        status,
        when,
        deletion_mark,
        posted,
        modified_at,
    ) = jsonio.loads(fields)
    facts = OrderFacts(
        ref=ref,
        parent_ref=parent_ref,
        payment_status=PaymentStatus(status) if status else None,
        realization_date=date.fromisoformat(when) if when else None,
        deletion_mark=bool(deletion_mark),
        posted=bool(posted),
        document_number=document_number,
    )
    return StoredOrder(
        facts, number, modified_at, sender, int(package_number), package_id
    )
