"""Fixtures of the archive tests: a fixed clock, real folders, a real database."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from exchange import jsonio
from exchange.archive import Archive, Journal, JournalEntry, RecordedEntry
from exchange.state.db import connect


class FixedClock:
    """A clock that returns a set time until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Roots:
    state: Path
    archive: Path
    errors: Path


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC))


@pytest.fixture
def roots(tmp_path: Path) -> Roots:
    return Roots(
        state=tmp_path / "state" / "exchange.sqlite3",
        archive=tmp_path / "archive",
        errors=tmp_path / "errors",
    )


@pytest.fixture
def archive(roots: Roots, clock: FixedClock) -> Archive:
    return Archive(roots.archive, roots.errors, clock=clock)


@pytest.fixture
def conn(roots: Roots) -> Iterator[sqlite3.Connection]:
    connection = connect(roots.state)
    yield connection
    connection.close()


@pytest.fixture
def journal(conn: sqlite3.Connection, clock: FixedClock) -> Journal:
    return Journal(conn, clock=clock)


ORDER_RESULTS = [
    {
        "ref": "6F1E4C2A-0000-4000-8000-000000000001",
        "number": "ТЛ-000123",
        "document_number": "Д-77",
        "deal_id": 4711,
        "status": "updated",
        "message": "",
        "rollup": False,
    },
    {
        "ref": "6f1e4c2a-0000-4000-8000-000000000002",
        "number": "ТЛ-000124",
        "document_number": "",
        "deal_id": None,
        "status": "pending",
        "message": "no deal has this document number yet",
        "rollup": False,
    },
]


def package_bytes(number: int, **extra: Any) -> bytes:
    """Return an orders package as 1C would write it, with a BOM and CRLF."""
    body = {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": "orders",
        "package_id": f"0b7e5a3c-1d2e-4f60-8a9b-{number:012d}",
        "sender": "TMS",
        "number": number,
        "created_at": "2026-03-14T12:00:00",
        "orders": [],
        **extra,
    }
    return b"\xef\xbb\xbf" + jsonio.dumps(body, indent=True).replace(b"\n", b"\r\n")


def record_package(
    archive: Archive,
    journal: Journal,
    number: int,
    *,
    outcome: str = "applied",
    name: str | None = None,
    results: list[dict[str, Any]] | None = None,
) -> RecordedEntry:
    """Archive an orders package with its receipt and journal it like the service."""
    data = package_bytes(number)
    digest = hashlib.sha256(data).hexdigest()
    file_name = name or f"orders_TMS_{number}.json"
    received = archive._clock() - timedelta(seconds=5)
    path = archive.store_incoming(
        file_name,
        data,
        digest,
        outcome=outcome,
        received_at=received,  # type: ignore[arg-type]
    )
    reply_kind = "rejection" if outcome == "rejected" else "orders_receipt"
    reply = jsonio.dumps({"kind": reply_kind, "in_reply_to": number})
    reply_path = archive.store_reply(path, f"{reply_kind}_B24_{number}.json", reply)
    # A rejected package has no per-order results and so no order keys.
    rows = results if results is not None else ORDER_RESULTS
    if outcome == "rejected":
        rows = []
    keys = []
    for row in rows:
        keys += [
            ("order_number", row["number"]),
            ("document_number", row["document_number"]),
            ("order_ref", row["ref"]),
        ]
        if row["deal_id"] is not None:
            keys.append(("deal_id", str(row["deal_id"])))
    entry = JournalEntry(
        direction="in",
        file_name=file_name,
        outcome=outcome,  # type: ignore[arg-type]
        size=len(data),
        sha256=digest,
        package_id=f"0b7e5a3c-1d2e-4f60-8a9b-{number:012d}",
        kind="orders",
        sender="TMS",
        number=number,
        received_at=received,
        counts={"updated": 1, "pending": 1} if outcome != "rejected" else {},
        errors=["/orders/0/ref: invalid"] if outcome == "rejected" else [],
        archive_path=archive.relative(path),
        reply_path=archive.relative(reply_path),
        reply_sha256=hashlib.sha256(reply).hexdigest(),
        details=rows or None,
    )
    return journal.record(entry, keys)
