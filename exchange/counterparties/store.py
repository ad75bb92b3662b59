"""State of the counterparty flow: the 1C catalog, references and exports.

Three things are kept in the state database under the component name
``counterparties``:

- the 1C catalog from ``counterparty_catalog`` packages, by reference;
- the registry of 1C references that receipts reported, by Bitrix24 item;
- the export of every item: the package it last went out in, the
  modification times seen at that moment, and the receipt status; and per
  package, the flagged deals each record named, so that a receipt clears
  exactly those flags.

The tables are described in ``store_schema.py``, the records in
``store_records.py``.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from exchange import jsonio
from exchange.contract.enums import CounterpartyKind
from exchange.counterparties.store_records import (
    AWAITING,
    CatalogChange,
    ExportedRecord,
    ItemExport,
    ItemKey,
    LastExport,
    Snapshot,
    TrackedItem,
)
from exchange.counterparties.store_schema import COMPONENT, MIGRATIONS
from exchange.rules.counterparty_match import CatalogEntry
from exchange.state.db import migrate, transaction


class CounterpartyStore:
    """Tables of the counterparty flow on the state database connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        migrate(conn, COMPONENT, MIGRATIONS)

    # 1C catalog

    def catalog_received(self) -> bool:
        """Tell whether any catalog package was applied."""
        row = self.conn.execute(
            "SELECT 1 FROM counterparty_catalog_received"
        ).fetchone()
        return row is not None

    def catalog_complete_since(self) -> datetime | None:
        """Return when the last complete catalog arrived, or None if none did.

        Catalogs of changes merge into a complete one, so the stored catalog
        stays complete from then on, as far as 1C sends its changes.
        """
        row = self.conn.execute(
            "SELECT complete_at FROM counterparty_catalog_received"
        ).fetchone()
        if row is None or row["complete_at"] is None:
            return None
        return datetime.fromisoformat(row["complete_at"])

    def catalog_entries(self) -> list[CatalogEntry]:
        """Return every stored catalog entry, deleted ones included."""
        rows = self.conn.execute("SELECT * FROM counterparty_catalog ORDER BY ref")
        return [
            CatalogEntry(
                ref=row["ref"],
                kind=CounterpartyKind(row["kind"]),
                name=row["name"],
                inn=row["inn"],
                kpp=row["kpp"],
                phones=tuple(jsonio.loads(row["phone_keys"])),
                deletion_mark=bool(row["deletion_mark"]),
            )
            for row in rows
        ]

    def apply_catalog(
        self,
        entries: list[CatalogEntry],
        *,
        complete: bool,
        package_id: str,
        now: datetime,
    ) -> dict[CatalogChange, int]:
        """Store catalog entries and return how many were added, updated, removed.

        A complete catalog replaces the stored one, so entries missing from it
        are removed; a partial one is merged. Within one package a later entry
        with the same reference replaces an earlier one.
        """
        latest = {entry.ref: entry for entry in entries}
        counts: dict[CatalogChange, int] = dict.fromkeys(
            ("added", "updated", "removed", "unchanged"), 0
        )
        with transaction(self.conn):
            stored = {entry.ref: entry for entry in self.catalog_entries()}
            for ref, entry in latest.items():
                previous = stored.get(ref)
                if previous is None:
                    counts["added"] += 1
                elif previous == entry:
                    counts["unchanged"] += 1
                    continue
                else:
                    counts["updated"] += 1
                self._write_entry(entry, package_id, now)
            if complete:
                missing = sorted(set(stored) - set(latest))
                for ref in missing:
                    self.conn.execute(
                        "DELETE FROM counterparty_catalog WHERE ref = ?", (ref,)
                    )
                counts["removed"] = len(missing)
            self.conn.execute(
                "INSERT INTO counterparty_catalog_received"
                " (id, package_id, complete, received_at, complete_at)"
                " VALUES (1, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET package_id = excluded.package_id,"
                " complete = excluded.complete, received_at = excluded.received_at,"
                " complete_at = COALESCE(excluded.complete_at, complete_at)",
                (
                    package_id,
                    int(complete),
                    now.isoformat(),
                    now.isoformat() if complete else None,
                ),
            )
        return counts

    def _write_entry(self, entry: CatalogEntry, package_id: str, now: datetime) -> None:
        self.conn.execute(
            "INSERT INTO counterparty_catalog (ref, kind, name, inn, kpp, phone_keys,"
            " deletion_mark, package_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (ref) DO UPDATE SET kind = excluded.kind,"
            " name = excluded.name, inn = excluded.inn, kpp = excluded.kpp,"
            " phone_keys = excluded.phone_keys,"
            " deletion_mark = excluded.deletion_mark,"
            " package_id = excluded.package_id, updated_at = excluded.updated_at",
            (
                entry.ref,
                entry.kind.value,
                entry.name,
                entry.inn,
                entry.kpp,
                jsonio.dumps_text(list(entry.phones)),
                int(entry.deletion_mark),
                package_id,
                now.isoformat(),
            ),
        )

    # Registry of references

    def registry_refs(self) -> dict[ItemKey, str]:
        """Return every reference that a receipt reported, by item."""
        rows = self.conn.execute(
            "SELECT entity, b24_id, ref FROM counterparty_registry"
        )
        return {(row["entity"], int(row["b24_id"])): row["ref"] for row in rows}

    def refs_reported_since(self, moment: datetime) -> set[str]:
        """Return the references that receipts reported after ``moment``."""
        rows = self.conn.execute("SELECT ref, updated_at FROM counterparty_registry")
        return {
            row["ref"]
            for row in rows
            if datetime.fromisoformat(row["updated_at"]) > moment
        }

    def record_ref(
        self, entity: str, b24_id: int, ref: str, package_id: str, now: datetime
    ) -> bool:
        """Store the reference of an item; return whether it changed.

        A receipt that repeats the stored reference still updates the time
        and the receipt it was last reported by.
        """
        row = self.conn.execute(
            "SELECT ref FROM counterparty_registry WHERE entity = ? AND b24_id = ?",
            (entity, b24_id),
        ).fetchone()
        self.conn.execute(
            "INSERT INTO counterparty_registry (entity, b24_id, ref, package_id,"
            " updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (entity, b24_id) DO UPDATE SET ref = excluded.ref,"
            " package_id = excluded.package_id, updated_at = excluded.updated_at",
            (entity, b24_id, ref, package_id, now.isoformat()),
        )
        return row is None or row["ref"] != ref

    # Exports and receipts

    def tracked_items(self) -> dict[ItemKey, TrackedItem]:
        """Return the export state of every item ever exported."""
        rows = self.conn.execute("SELECT * FROM counterparty_items")
        return {(row["entity"], int(row["b24_id"])): _tracked(row) for row in rows}

    def record_export(
        self,
        *,
        package_id: str,
        package_name: str,
        now: datetime,
        items: list[ItemExport],
    ) -> None:
        """Store that ``items`` went out in one package (inside one transaction)."""
        for item in items:
            self.conn.execute(
                "INSERT INTO counterparty_items (entity, b24_id, name, package_id,"
                " package_name, exported_at, snapshot, status, message, receipt_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', NULL)"
                " ON CONFLICT (entity, b24_id) DO UPDATE SET name = excluded.name,"
                " package_id = excluded.package_id,"
                " package_name = excluded.package_name,"
                " exported_at = excluded.exported_at, snapshot = excluded.snapshot,"
                " status = excluded.status, message = '', receipt_at = NULL",
                (
                    item.entity,
                    item.b24_id,
                    item.name,
                    package_id,
                    package_name,
                    now.isoformat(),
                    item.snapshot.to_json(),
                    AWAITING,
                ),
            )
            self.conn.execute(
                "INSERT INTO counterparty_exported (package_id, entity, b24_id,"
                " deal_ids, flag_on_item) VALUES (?, ?, ?, ?, ?)",
                (
                    package_id,
                    item.entity,
                    item.b24_id,
                    jsonio.dumps_text(list(item.deal_ids)),
                    int(item.flag_on_item),
                ),
            )

    def exported_records(self, package_id: str) -> dict[ItemKey, ExportedRecord]:
        """Return the records of one written package, by item."""
        rows = self.conn.execute(
            "SELECT * FROM counterparty_exported WHERE package_id = ?", (package_id,)
        )
        return {
            (row["entity"], int(row["b24_id"])): ExportedRecord(
                package_id=row["package_id"],
                entity=row["entity"],
                b24_id=int(row["b24_id"]),
                deal_ids=tuple(int(i) for i in jsonio.loads(row["deal_ids"])),
                flag_on_item=bool(row["flag_on_item"]),
                receipt_status=row["receipt_status"],
                receipt_ref=row["receipt_ref"],
                receipt_package_id=row["receipt_package_id"],
                closed=row["closed_at"] is not None,
            )
            for row in rows
        }

    def record_receipt(
        self,
        record: ExportedRecord,
        *,
        status: str,
        ref: str | None,
        message: str,
        closed: bool,
        receipt_package_id: str,
        now: datetime,
    ) -> None:
        """Store one receipt result for an exported record.

        The item's own status changes only when the receipt answers the
        package the item last went out in; a receipt for a superseded package
        leaves the item awaiting the later one.
        """
        self.conn.execute(
            "UPDATE counterparty_exported SET receipt_status = ?, receipt_ref = ?,"
            " receipt_package_id = ?, closed_at = COALESCE(closed_at, ?)"
            " WHERE package_id = ? AND entity = ? AND b24_id = ?",
            (
                status,
                ref,
                receipt_package_id,
                now.isoformat() if closed else None,
                record.package_id,
                record.entity,
                record.b24_id,
            ),
        )
        self.conn.execute(
            "UPDATE counterparty_items SET status = ?, message = ?, receipt_at = ?"
            " WHERE entity = ? AND b24_id = ? AND package_id = ?",
            (
                status,
                message,
                now.isoformat(),
                record.entity,
                record.b24_id,
                record.package_id,
            ),
        )

    def record_run(
        self, *, now: datetime, package_name: str | None, records: int, warnings: int
    ) -> None:
        """Store the outcome of the last export run."""
        self.conn.execute(
            "INSERT INTO counterparty_last_export (id, ran_at, package_name, records,"
            " warnings) VALUES (1, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET ran_at = excluded.ran_at,"
            " package_name = excluded.package_name, records = excluded.records,"
            " warnings = excluded.warnings",
            (now.isoformat(), package_name, records, warnings),
        )

    def last_export(self) -> LastExport | None:
        """Return the last export run, if any ran."""
        row = self.conn.execute("SELECT * FROM counterparty_last_export").fetchone()
        if row is None:
            return None
        return LastExport(
            ran_at=datetime.fromisoformat(row["ran_at"]),
            package_name=row["package_name"],
            records=int(row["records"]),
            warnings=int(row["warnings"]),
        )


def _tracked(row: sqlite3.Row) -> TrackedItem:
    receipt_at = row["receipt_at"]
    return TrackedItem(
        entity=row["entity"],
        b24_id=int(row["b24_id"]),
        name=row["name"],
        package_id=row["package_id"],
        package_name=row["package_name"],
        exported_at=datetime.fromisoformat(row["exported_at"]),
        snapshot=Snapshot.from_json(row["snapshot"]),
        status=row["status"],
        message=row["message"],
        receipt_at=datetime.fromisoformat(receipt_at) if receipt_at else None,
    )
