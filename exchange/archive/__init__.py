"""Archive of exchange files and the hash-chained audit journal.

``Archive`` stores every processed, rejected and written file unchanged.
``Journal`` records what happened to each file in a chain of hashes.
``verify`` checks both, and ``prune`` applies the retention period.
"""

from __future__ import annotations

from exchange.archive.entry import (
    GENESIS_HASH,
    KEY_TYPES,
    JournalEntry,
    RecordedEntry,
    catalog_keys,
    compute_entry_hash,
    counterparty_keys,
    order_keys,
)
from exchange.archive.journal import Journal
from exchange.archive.retention import PruneReport, prune
from exchange.archive.schema import JOURNAL_MIGRATIONS
from exchange.archive.store import Archive
from exchange.archive.verify import Problem, VerifyReport, parse_head, verify

__all__ = [
    "GENESIS_HASH",
    "JOURNAL_MIGRATIONS",
    "KEY_TYPES",
    "Archive",
    "Journal",
    "JournalEntry",
    "Problem",
    "PruneReport",
    "RecordedEntry",
    "VerifyReport",
    "catalog_keys",
    "compute_entry_hash",
    "counterparty_keys",
    "order_keys",
    "parse_head",
    "prune",
    "verify",
]
