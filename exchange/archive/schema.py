"""Tables of the audit journal in the state database, as ordered migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exchange.state.db import Migration

COMPONENT = "journal"

JOURNAL_MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE journal_entries (
        id INTEGER PRIMARY KEY,
        direction TEXT CHECK (direction IN ('in', 'out')),
        file_name TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        package_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        sender TEXT NOT NULL,
        number INTEGER,
        received_at TEXT,
        processed_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (
            outcome IN ('applied', 'duplicate', 'rejected', 'written', 'pruned')
        ),
        counts TEXT NOT NULL,
        errors TEXT NOT NULL,
        archive_path TEXT NOT NULL,
        reply_path TEXT NOT NULL,
        reply_sha256 TEXT NOT NULL,
        details TEXT NOT NULL,
        keys TEXT NOT NULL,
        prev_hash TEXT NOT NULL UNIQUE,
        entry_hash TEXT NOT NULL UNIQUE,
        pruned_at TEXT
    );
    CREATE INDEX journal_entries_processed_at ON journal_entries (processed_at);
    CREATE INDEX journal_entries_package_id ON journal_entries (package_id);
    CREATE INDEX journal_entries_file_name ON journal_entries (file_name);
    -- The search index of journal_entries.keys, which is the hashed copy.
    -- One B-tree keyed for lookups, without a foreign key or CHECK, because
    -- each costs time on every one of the 370,000 keys of a large package;
    -- ``verify`` compares these rows with the hashed keys instead.
    CREATE TABLE journal_keys (
        key_type TEXT NOT NULL,
        key_value TEXT NOT NULL,
        entry_id INTEGER NOT NULL,
        PRIMARY KEY (key_type, key_value, entry_id)
    ) WITHOUT ROWID;
    """,
    """
    -- Entries recorded but whose keys are not yet in journal_keys. Entries
    -- recorded before this table have their rows already, so it starts empty.
    CREATE TABLE journal_keys_pending (entry_id INTEGER PRIMARY KEY);
    """,
]
