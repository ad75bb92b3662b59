"""Outgoing packages: one gapless number sequence and a delivery queue.

A package is numbered and stored here in one transaction before its file is
written, and marked delivered afterwards. A crash in between leaves it in the
queue, and the next run delivers the same bytes under the same name, so the
numbers of the service's sender have no gaps across restarts and no package
is written twice with different content.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from exchange.state.db import migrate

MIGRATIONS = [
    """
    CREATE TABLE outgoing_sequence (
        sender TEXT PRIMARY KEY,
        last_number INTEGER NOT NULL
    );
    CREATE TABLE outgoing (
        sender TEXT NOT NULL,
        number INTEGER NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        package_id TEXT NOT NULL,
        in_reply_to TEXT NOT NULL,
        data BLOB NOT NULL,
        created_at TEXT NOT NULL,
        delivered_at TEXT,
        PRIMARY KEY (sender, number)
    );
    CREATE INDEX outgoing_undelivered ON outgoing (delivered_at);
    CREATE UNIQUE INDEX outgoing_package_id ON outgoing (package_id)
    """,
    # Delivery marks live in a narrow table of their own, because updating a
    # column of ``outgoing`` makes SQLite rewrite the whole record, package
    # bytes included (20 MB for a receipt of 100,000 orders). The
    # ``delivered_at`` column of ``outgoing`` is no longer written.
    """
    CREATE TABLE outgoing_status (
        sender TEXT NOT NULL,
        number INTEGER NOT NULL,
        delivered_at TEXT,
        PRIMARY KEY (sender, number)
    ) WITHOUT ROWID;
    CREATE INDEX outgoing_status_undelivered ON outgoing_status (sender, number)
        WHERE delivered_at IS NULL;
    INSERT INTO outgoing_status (sender, number, delivered_at)
        SELECT sender, number, delivered_at FROM outgoing
    """,
]

# Columns of a stored package, for ``_package``.
_PACKAGE_COLUMNS = (
    "outgoing.sender, outgoing.number, kind, name, package_id, in_reply_to, data"
)


@dataclass(frozen=True, slots=True)
class OutgoingPackage:
    """A package written by the service, delivered or waiting."""

    sender: str
    number: int
    kind: str
    name: str
    package_id: str
    in_reply_to: str
    data: bytes


class OutgoingStore:
    """The outgoing number sequence and delivery queue."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        migrate(conn, "outgoing", MIGRATIONS)

    def next_number(self, sender: str) -> int:
        """Take the next number of ``sender`` (inside the caller's transaction)."""
        self.conn.execute(
            "INSERT INTO outgoing_sequence (sender, last_number) VALUES (?, 1)"
            " ON CONFLICT (sender) DO UPDATE SET last_number = last_number + 1",
            (sender,),
        )
        row = self.conn.execute(
            "SELECT last_number FROM outgoing_sequence WHERE sender = ?", (sender,)
        ).fetchone()
        return int(row[0])

    def enqueue(self, package: OutgoingPackage, created_at: datetime) -> None:
        """Store a numbered package for delivery (inside the caller's transaction)."""
        self.conn.execute(
            "INSERT INTO outgoing (sender, number, kind, name, package_id,"
            " in_reply_to, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                package.sender,
                package.number,
                package.kind,
                package.name,
                package.package_id,
                package.in_reply_to,
                package.data,
                created_at.isoformat(),
            ),
        )
        self.conn.execute(
            "INSERT INTO outgoing_status (sender, number) VALUES (?, ?)",
            (package.sender, package.number),
        )

    def undelivered(self) -> list[OutgoingPackage]:
        """Return the packages stored but not yet written, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_PACKAGE_COLUMNS} FROM outgoing_status"  # noqa: S608
            " JOIN outgoing USING (sender, number)"
            " WHERE outgoing_status.delivered_at IS NULL"
            " ORDER BY outgoing.sender, outgoing.number"
        )
        return [_package(row) for row in rows]

    def undelivered_numbers(self) -> list[tuple[str, int]]:
        """Return (sender, number) of the packages not yet written, oldest first."""
        rows = self.conn.execute(
            "SELECT sender, number FROM outgoing_status WHERE delivered_at IS NULL"
            " ORDER BY sender, number"
        )
        return [(str(sender), int(number)) for sender, number in rows]

    def get(self, sender: str, number: int) -> OutgoingPackage | None:
        """Return the stored package (sender, number), if any."""
        row = self.conn.execute(
            "SELECT * FROM outgoing WHERE sender = ? AND number = ?", (sender, number)
        ).fetchone()
        return _package(row) if row is not None else None

    def mark_delivered(self, sender: str, number: int, when: datetime) -> None:
        """Record that the package's file is in the outbox."""
        self.conn.execute(
            "UPDATE outgoing_status SET delivered_at = ?"
            " WHERE sender = ? AND number = ?",
            (when.isoformat(), sender, number),
        )

    def replies_to(self, package_id: str) -> list[OutgoingPackage]:
        """Return the packages written in reply to ``package_id``."""
        rows = self.conn.execute(
            "SELECT * FROM outgoing WHERE in_reply_to = ? ORDER BY number",
            (package_id,),
        )
        return [_package(row) for row in rows]


def find_package(conn: sqlite3.Connection, package_id: str) -> OutgoingPackage | None:
    """Return the outgoing package with ``package_id``, if the service wrote one."""
    row = conn.execute(
        "SELECT * FROM outgoing WHERE package_id = ?", (package_id,)
    ).fetchone()
    if row is None:
        return None
    return _package(row)


def _package(row: sqlite3.Row) -> OutgoingPackage:
    return OutgoingPackage(
        row["sender"],
        int(row["number"]),
        row["kind"],
        row["name"],
        row["package_id"],
        row["in_reply_to"],
        bytes(row["data"]),
    )
