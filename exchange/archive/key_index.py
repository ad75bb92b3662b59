"""The ``journal_keys`` lookup table, filled after entries are recorded.

Only an entry's ``keys`` column is hashed; ``journal_keys`` is its search
index. ``record`` adds the new entry's id to ``journal_keys_pending``
instead of inserting its rows, because for a package of 100,000 orders the
370,000 rows take about a second. ``index_pending`` inserts the rows of the
pending entries later, and the lookups call it first, so a search never
misses an entry. Databases filled before the pending table have every row
already.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from exchange.plurals import format_count
from exchange.state.db import transaction

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger(__name__)

# The (type, value, entry id) rows of the hashed ``keys`` column, in both
# stored forms: a list of [type, value] pairs (older entries) and an object
# of type -> list of values. A value that is not valid JSON, or of neither
# form, gives no rows, because ``json_each`` would raise on it.
_HASHED_KEYS = """
SELECT json_extract(pair.value, '$[0]'), json_extract(pair.value, '$[1]'), e.id
FROM journal_entries AS e,
    json_each(CASE WHEN json_valid(e.keys) AND json_type(e.keys) = 'array'
        THEN e.keys ELSE '[]' END) AS pair
WHERE {condition}
UNION ALL
SELECT key_type.key, key_value.value, e.id
FROM journal_entries AS e,
    json_each(CASE WHEN json_valid(e.keys) AND json_type(e.keys) = 'object'
        THEN e.keys ELSE '{{}}' END) AS key_type,
    json_each(CASE WHEN key_type.type = 'array'
        THEN key_type.value ELSE '[]' END) AS key_value
WHERE {condition}
"""

_INDEX_PENDING = (
    "INSERT OR IGNORE INTO journal_keys (key_type, key_value, entry_id) "  # noqa: S608 - built from constants only
    + _HASHED_KEYS.format(
        condition="e.id IN (SELECT entry_id FROM journal_keys_pending)"
    )
)

# Rows of journal_keys without the same key in their entry's ``keys`` column,
# and keys of that column without their row.
_MISMATCHED_KEYS = f"""
WITH hashed (key_type, key_value, entry_id) AS ({_HASHED_KEYS.format(condition="1")})
SELECT entry_id FROM (SELECT * FROM journal_keys EXCEPT SELECT * FROM hashed)
UNION
SELECT entry_id FROM (SELECT * FROM hashed EXCEPT SELECT * FROM journal_keys)
ORDER BY entry_id
"""  # noqa: S608 - built from constants only


def add_pending(conn: sqlite3.Connection, entry_id: int) -> None:
    """Queue an entry's keys for ``index_pending`` (in the caller's transaction)."""
    conn.execute("INSERT INTO journal_keys_pending (entry_id) VALUES (?)", (entry_id,))


def index_pending(conn: sqlite3.Connection) -> int:
    """Insert the ``journal_keys`` rows of pending entries; return how many entries.

    Does not write when nothing is pending, so lookups on a database that
    is fully indexed stay read-only. ``INSERT OR IGNORE`` leaves a row that
    already exists, so a pending id whose rows are there does no harm.
    """
    if conn.execute("SELECT 1 FROM journal_keys_pending LIMIT 1").fetchone() is None:
        return 0
    with transaction(conn):
        count = int(
            conn.execute("SELECT count(*) FROM journal_keys_pending").fetchone()[0]
        )
        conn.execute(_INDEX_PENDING)
        conn.execute("DELETE FROM journal_keys_pending")
    log.debug(
        "indexed the search keys of %s",
        format_count(count, "journal entry", "journal entries"),
    )
    return count


def mismatched_keys(conn: sqlite3.Connection) -> list[int]:
    """Return the ids of entries whose ``journal_keys`` rows differ from ``keys``.

    Pending entries are indexed first, so that only rows edited, added or
    removed outside the journal show.
    """
    index_pending(conn)
    rows = conn.execute(_MISMATCHED_KEYS).fetchall()
    return [int(row[0]) for row in rows]
