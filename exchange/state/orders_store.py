"""The orders flow's durable state: order versions, packages, deals, reports.

Tables (component ``orders``):

- ``orders``: the latest applied version of every order, so that a package
  holding one sub-order recomputes its parent from all known sub-orders;
- ``packages``: every incoming package taken so far, with its progress
  (``applying`` → ``answered`` → ``archived``), so that a crash between
  steps resumes instead of writing a second receipt;
- ``senders``: the highest message number applied per sender;
- ``order_reports``: per order, the package whose receipt last reported it and
  the status it gave, so that a later change of status gets a follow-up
  receipt for that package; ``recheck`` marks orders retried on later runs;
- ``deal_cache``: document number → the one deal that carries it;
- ``deal_values``: the field values last sent to each deal (``sent``) or read
  when it was looked up (``read``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from exchange import jsonio
from exchange.contract.enums import PaymentStatus
from exchange.rules.order_facts import OrderFacts
from exchange.state.db import migrate, transaction

MIGRATIONS = [
    """
    CREATE TABLE orders (
        ref TEXT PRIMARY KEY,
        parent_ref TEXT,
        number TEXT NOT NULL,
        document_number TEXT,
        payment_status TEXT,
        realization_date TEXT,
        deletion_mark INTEGER NOT NULL,
        posted INTEGER NOT NULL,
        modified_at TEXT,
        sender TEXT NOT NULL,
        package_number INTEGER NOT NULL,
        package_id TEXT NOT NULL
    );
    CREATE INDEX orders_parent ON orders (parent_ref);
    CREATE INDEX orders_document_number ON orders (document_number);
    CREATE TABLE packages (
        package_id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        kind TEXT NOT NULL,
        sender TEXT NOT NULL,
        number INTEGER NOT NULL,
        source_file TEXT NOT NULL,
        received_at TEXT NOT NULL,
        state TEXT NOT NULL
    );
    CREATE UNIQUE INDEX packages_sender_number ON packages (sender, number);
    CREATE INDEX packages_sha256 ON packages (sha256);
    CREATE TABLE senders (
        sender TEXT PRIMARY KEY,
        last_number INTEGER NOT NULL
    );
    CREATE TABLE order_reports (
        ref TEXT PRIMARY KEY,
        package_id TEXT NOT NULL,
        number TEXT NOT NULL,
        document_number TEXT NOT NULL,
        status TEXT NOT NULL,
        deal_id INTEGER,
        message TEXT NOT NULL,
        rollup INTEGER NOT NULL,
        recheck INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX order_reports_recheck ON order_reports (recheck);
    CREATE TABLE deal_cache (
        document_number TEXT PRIMARY KEY,
        deal_id INTEGER NOT NULL
    );
    CREATE TABLE deal_values (
        deal_id INTEGER PRIMARY KEY,
        payment_status_item TEXT,
        realization_date TEXT,
        source TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE pending_rollups (
        package_id TEXT NOT NULL,
        ref TEXT NOT NULL,
        number TEXT NOT NULL,
        document_number TEXT NOT NULL,
        PRIMARY KEY (ref, package_id)
    )
    """,
]


ReceiptKey = tuple[str, str, str]
"""An order as a receipt names it: ref, 1C number, document number."""


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """One order version as stored, with what the receipt needs besides facts."""

    facts: OrderFacts
    number: str
    modified_at: str | None
    sender: str
    package_number: int
    package_id: str


@dataclass(frozen=True, slots=True)
class PackageRecord:
    """An incoming package the service has taken."""

    package_id: str
    sha256: str
    kind: str
    sender: str
    number: int
    source_file: str
    state: str


@dataclass(frozen=True, slots=True)
class OrderReport:
    """The status an order was last reported with, and in which package."""

    ref: str
    package_id: str
    number: str
    document_number: str
    status: str
    deal_id: int | None
    message: str
    rollup: bool
    recheck: bool


@dataclass(frozen=True, slots=True)
class DealState:
    """Values of a deal's two fields as last sent or read (item ID, ISO date)."""

    payment_status_item: str | None
    realization_date: str | None
    source: str


class OrdersStore:
    """Access to the orders tables of the state database."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        migrate(conn, "orders", MIGRATIONS)

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
        self.conn.execute(
            "INSERT INTO packages (package_id, sha256, kind, sender, number,"
            " source_file, received_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
        )
        self.conn.execute(
            "INSERT INTO senders (sender, last_number) VALUES (?, ?)"
            " ON CONFLICT (sender) DO UPDATE"
            " SET last_number = max(last_number, excluded.last_number)",
            (record.sender, record.number),
        )

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

    # Orders

    def orders(self, refs: Iterable[str]) -> dict[str, StoredOrder]:
        """Return the stored versions of the given orders that exist."""
        found: dict[str, StoredOrder] = {}
        for chunk in _chunks(list(refs), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT * FROM orders WHERE ref IN ({marks})",  # noqa: S608
                chunk,
            )
            for row in rows:
                found[row["ref"]] = _stored(row)
        return found

    def families(
        self, tops: Iterable[str], skip: Container[str] = ()
    ) -> dict[str, StoredOrder]:
        """Return the given orders and everything below them, except ``skip``."""
        # The tops go in as one JSON array bound to json_each, not as rows of
        # a temporary table: inserting 70,000 rows and deleting them again
        # cost more than the walk. The walk returns refs only: in a large
        # package most family members are in ``skip``, and only the others are
        # read in full. A top that is not stored is dropped by ``orders``.
        family = self.conn.execute(
            "WITH RECURSIVE family(ref) AS ("
            " SELECT value FROM json_each(?)"
            " UNION SELECT o.ref FROM orders o JOIN family f ON o.parent_ref = f.ref)"
            " SELECT ref FROM family",
            (jsonio.dumps(list(tops)).decode(),),
        ).fetchall()
        return self.orders(ref for (ref,) in family if ref not in skip)

    def counting_tops_with_numbers(
        self, numbers: Iterable[str]
    ) -> dict[str, list[str]]:
        """Return, per document number, the counting top-level orders carrying it.

        Counting means posted, not deleted, without a parent.
        """
        result: dict[str, list[str]] = {}
        # One query with the numbers bound as a JSON array, not one query per
        # 500 numbers. INDEXED BY: the planner would otherwise scan
        # orders_parent for "parent_ref IS NULL", which matches most of the
        # table.
        rows = self.conn.execute(
            "SELECT document_number, ref FROM orders"
            " INDEXED BY orders_document_number"
            " WHERE document_number IN (SELECT value FROM json_each(?))"
            " AND parent_ref IS NULL AND posted = 1 AND deletion_mark = 0"
            " ORDER BY ref",
            (jsonio.dumps(list(numbers)).decode(),),
        )
        for number, ref in rows:
            result.setdefault(number, []).append(ref)
        return result

    def save_orders(self, versions: Sequence[StoredOrder]) -> None:
        """Store order versions (inside the caller's transaction)."""
        self.conn.executemany(
            "INSERT INTO orders (ref, parent_ref, number, document_number,"
            " payment_status, realization_date, deletion_mark, posted, modified_at,"
            " sender, package_number, package_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (ref) DO UPDATE SET parent_ref = excluded.parent_ref,"
            " number = excluded.number, document_number = excluded.document_number,"
            " payment_status = excluded.payment_status,"
            " realization_date = excluded.realization_date,"
            " deletion_mark = excluded.deletion_mark, posted = excluded.posted,"
            " modified_at = excluded.modified_at, sender = excluded.sender,"
            " package_number = excluded.package_number,"
            " package_id = excluded.package_id",
            # In ref order, the inserts walk the primary-key index from left
            # to right instead of jumping to a random page for each UUID.
            sorted(map(_order_row, versions), key=itemgetter(0)),
        )

    # Reports

    def reports(self, refs: Iterable[str]) -> dict[str, OrderReport]:
        """Return the last reports of the given orders."""
        found: dict[str, OrderReport] = {}
        for chunk in _chunks(list(refs), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT * FROM order_reports WHERE ref IN ({marks})",  # noqa: S608
                chunk,
            )
            for row in rows:
                found[row["ref"]] = _report(row)
        return found

    def reports_to_recheck(self) -> list[OrderReport]:
        """Return the orders that later runs must check again."""
        rows = self.conn.execute(
            "SELECT * FROM order_reports WHERE recheck = 1 ORDER BY package_id, ref"
        )
        return [_report(row) for row in rows]

    def reports_with_status(self, status: str, limit: int = 1000) -> list[OrderReport]:
        """Return up to ``limit`` reports of one status."""
        rows = self.conn.execute(
            "SELECT * FROM order_reports WHERE status = ? ORDER BY package_id, ref"
            " LIMIT ?",
            (status, limit),
        )
        return [_report(row) for row in rows]

    def count_reports(self) -> dict[str, int]:
        """Return the number of orders per reported status."""
        rows = self.conn.execute(
            "SELECT status, count(*) FROM order_reports GROUP BY status"
        )
        return {status: int(count) for status, count in rows}

    def save_reports(self, reports: Iterable[OrderReport]) -> None:
        """Store reports (inside the caller's transaction)."""
        self.conn.executemany(
            "INSERT INTO order_reports (ref, package_id, number, document_number,"
            " status, deal_id, message, rollup, recheck)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (ref) DO UPDATE SET package_id = excluded.package_id,"
            " number = excluded.number, document_number = excluded.document_number,"
            " status = excluded.status, deal_id = excluded.deal_id,"
            " message = excluded.message, rollup = excluded.rollup,"
            " recheck = excluded.recheck",
            [
                (
                    report.ref,
                    report.package_id,
                    report.number,
                    report.document_number,
                    report.status,
                    report.deal_id,
                    report.message,
                    int(report.rollup),
                    int(report.recheck),
                )
                for report in reports
            ],
        )

    def update_outcomes(self, reports: Iterable[OrderReport]) -> None:
        """Store new outcomes of reports that are stored already.

        Only ``status``, ``deal_id``, ``message`` and ``recheck`` are written:
        the caller changes nothing else, and an UPDATE by primary key costs
        less than an upsert of every column. A report that is not stored is
        not added (inside the caller's transaction).
        """
        self.conn.executemany(
            "UPDATE order_reports SET status = ?, deal_id = ?, message = ?,"
            " recheck = ? WHERE ref = ?",
            [
                (
                    report.status,
                    report.deal_id,
                    report.message,
                    int(report.recheck),
                    report.ref,
                )
                for report in reports
            ],
        )

    # Deals

    def cached_deals(self, numbers: Iterable[str]) -> dict[str, int]:
        """Return the cached deal of each document number that has one."""
        found: dict[str, int] = {}
        for chunk in _chunks(list(numbers), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT document_number, deal_id FROM deal_cache"  # noqa: S608
                f" WHERE document_number IN ({marks})",
                chunk,
            )
            found.update({number: int(deal_id) for number, deal_id in rows})
        return found

    def cache_deals(self, deals: dict[str, int]) -> None:
        """Remember the one deal that carries each document number."""
        self.conn.executemany(
            "INSERT INTO deal_cache (document_number, deal_id) VALUES (?, ?)"
            " ON CONFLICT (document_number) DO UPDATE SET deal_id = excluded.deal_id",
            deals.items(),
        )

    def forget_deal(self, deal_id: int) -> None:
        """Drop a deal that the portal no longer finds from the cache."""
        self.conn.execute("DELETE FROM deal_cache WHERE deal_id = ?", (deal_id,))
        self.conn.execute("DELETE FROM deal_values WHERE deal_id = ?", (deal_id,))

    def forget_number(self, number: str) -> None:
        """Drop the cached deal of a document number."""
        self.conn.execute("DELETE FROM deal_cache WHERE document_number = ?", (number,))

    def deal_states(self, deal_ids: Iterable[int]) -> dict[int, DealState]:
        """Return the last known field values of the given deals."""
        found: dict[int, DealState] = {}
        for chunk in _chunks(list(deal_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT * FROM deal_values WHERE deal_id IN ({marks})",  # noqa: S608
                chunk,
            )
            for row in rows:
                found[int(row["deal_id"])] = DealState(
                    row["payment_status_item"], row["realization_date"], row["source"]
                )
        return found

    def remember_reads(self, states: dict[int, DealState]) -> None:
        """Store values read from deals, except where the service sent values."""
        self.conn.executemany(
            "INSERT INTO deal_values (deal_id, payment_status_item,"
            " realization_date, source) VALUES (?, ?, ?, 'read')"
            " ON CONFLICT (deal_id) DO UPDATE SET"
            " payment_status_item = excluded.payment_status_item,"
            " realization_date = excluded.realization_date, source = 'read'"
            " WHERE deal_values.source = 'read'",
            [
                (deal_id, state.payment_status_item, state.realization_date)
                for deal_id, state in states.items()
            ],
        )

    def remember_sent(self, sent: dict[int, dict[str, str | None]]) -> None:
        """Store the values just sent to deals; only the fields sent change.

        One statement per batch: the flags bound after the values tell SQLite
        which stored fields to keep, so no row is read first.
        """
        self.conn.executemany(
            "INSERT INTO deal_values (deal_id, payment_status_item,"
            " realization_date, source) VALUES (?1, ?2, ?3, 'sent')"
            " ON CONFLICT (deal_id) DO UPDATE SET"
            " payment_status_item = iif(?4, excluded.payment_status_item,"
            " payment_status_item),"
            " realization_date = iif(?5, excluded.realization_date,"
            " realization_date),"
            " source = 'sent'",
            [
                (
                    deal_id,
                    fields.get("payment_status_item"),
                    fields.get("realization_date"),
                    "payment_status_item" in fields,
                    "realization_date" in fields,
                )
                for deal_id, fields in sent.items()
            ],
        )

    def add_pending_rollups(self, package_id: str, rows: Iterable[ReceiptKey]) -> None:
        """Remember rollup rows a receipt reported as pending, to follow them up."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO pending_rollups (package_id, ref, number,"
            " document_number) VALUES (?, ?, ?, ?)",
            [(package_id, *row) for row in rows],
        )

    def take_pending_rollups(self, refs: Iterable[str]) -> list[tuple[str, ReceiptKey]]:
        """Remove and return (package id, row) of pending rollup rows of ``refs``."""
        taken: list[tuple[str, ReceiptKey]] = []
        for chunk in _chunks(list(refs), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "DELETE FROM pending_rollups"  # noqa: S608
                f" WHERE ref IN ({marks})"
                " RETURNING package_id, ref, number, document_number",
                chunk,
            ).fetchall()
            taken.extend((row[0], (row[1], row[2], row[3])) for row in rows)
        return taken

    def transaction(self) -> transaction:
        """Group statements in one transaction."""
        return transaction(self.conn)


def _chunks(items: list[str] | list[int], size: int) -> Iterator[list[str] | list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _stored(row: sqlite3.Row) -> StoredOrder:
    status = row["payment_status"]
    when = row["realization_date"]
    facts = OrderFacts(
        ref=row["ref"],
        parent_ref=row["parent_ref"],
        payment_status=PaymentStatus(status) if status else None,
        realization_date=date.fromisoformat(when) if when else None,
        deletion_mark=bool(row["deletion_mark"]),
        posted=bool(row["posted"]),
        document_number=row["document_number"],
    )
    return StoredOrder(
        facts,
        row["number"],
        row["modified_at"],
        row["sender"],
        int(row["package_number"]),
        row["package_id"],
    )


def _order_row(version: StoredOrder) -> tuple[object, ...]:
    facts = version.facts
    return (
        facts.ref,
        facts.parent_ref,
        version.number,
        facts.document_number,
        facts.payment_status.value if facts.payment_status else None,
        facts.realization_date.isoformat() if facts.realization_date else None,
        int(facts.deletion_mark),
        int(facts.posted),
        version.modified_at,
        version.sender,
        version.package_number,
        version.package_id,
    )


def _report(row: sqlite3.Row) -> OrderReport:
    return OrderReport(
        row["ref"],
        row["package_id"],
        row["number"],
        row["document_number"],
        row["status"],
        row["deal_id"],
        row["message"],
        bool(row["rollup"]),
        bool(row["recheck"]),
    )
