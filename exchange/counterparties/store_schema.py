"""The tables of the counterparty flow and their migrations.

Tables (component ``counterparties``):

- ``counterparty_catalog``: the 1C catalog from ``counterparty_catalog``
  packages, by reference, and ``counterparty_catalog_received``, the last
  such package (version 3 adds when the last complete one arrived);
- ``counterparty_registry``: the 1C reference that receipts reported for
  each Bitrix24 item;
- ``counterparty_items``: the last export of each item, with the
  modification times seen then and the receipt status;
- ``counterparty_exported``: per package, the flagged deals each record
  named, so that a receipt clears exactly those flags, and the result that
  a receipt gave for the record (version 2 adds its reference and the
  receipt's package ID);
- ``counterparty_last_export``: the last export run, for ``status``.
"""

from __future__ import annotations

COMPONENT = "counterparties"

MIGRATIONS = [
    """
    CREATE TABLE counterparty_catalog (
        ref TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        inn TEXT,
        kpp TEXT,
        phone_keys TEXT NOT NULL,
        deletion_mark INTEGER NOT NULL,
        package_id TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE counterparty_catalog_received (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        package_id TEXT NOT NULL,
        complete INTEGER NOT NULL,
        received_at TEXT NOT NULL
    );
    CREATE TABLE counterparty_registry (
        entity TEXT NOT NULL,
        b24_id INTEGER NOT NULL,
        ref TEXT NOT NULL,
        package_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (entity, b24_id)
    );
    CREATE TABLE counterparty_items (
        entity TEXT NOT NULL,
        b24_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        package_id TEXT NOT NULL,
        package_name TEXT NOT NULL,
        exported_at TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        status TEXT NOT NULL,
        message TEXT NOT NULL,
        receipt_at TEXT,
        PRIMARY KEY (entity, b24_id)
    );
    CREATE TABLE counterparty_exported (
        package_id TEXT NOT NULL,
        entity TEXT NOT NULL,
        b24_id INTEGER NOT NULL,
        deal_ids TEXT NOT NULL,
        flag_on_item INTEGER NOT NULL,
        receipt_status TEXT,
        closed_at TEXT,
        PRIMARY KEY (package_id, entity, b24_id)
    );
    CREATE TABLE counterparty_last_export (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        ran_at TEXT NOT NULL,
        package_name TEXT,
        records INTEGER NOT NULL,
        warnings INTEGER NOT NULL
    )
    """,
    # Rows answered before version 2 keep NULL in both columns.
    """
    ALTER TABLE counterparty_exported ADD COLUMN receipt_ref TEXT;
    ALTER TABLE counterparty_exported ADD COLUMN receipt_package_id TEXT
    """,
    # A catalog of changes merges into a complete one, so the stored catalog
    # stays complete from then on. complete_at keeps when that began.
    """
    ALTER TABLE counterparty_catalog_received ADD COLUMN complete_at TEXT;
    UPDATE counterparty_catalog_received SET complete_at = received_at
        WHERE complete = 1
    """,
]
