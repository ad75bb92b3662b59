"""The audit journal: an append-only, hash-chained table in the state database.

Each entry's hash covers its predecessor's hash, so removing or editing an
entry breaks the chain from that point on (see ``entry.py`` for the exact
rule). The head, the last entry's id and hash, is appended once a day to
``<archive>/chain-heads/YYYY-MM-DD.txt``. An auditor copies these lines to a
place the service cannot write, so that even a rewritten chain is caught by
``verify`` with ``expected_head``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from exchange import jsonio
from exchange.archive import key_index
from exchange.archive._files import append_line
from exchange.archive._time import Clock, format_utc, utc_now
from exchange.archive.entry import (
    GENESIS_HASH,
    JournalEntry,
    RecordedEntry,
    compute_entry_hash,
    loads_column,
)
from exchange.archive.keys import keys_json, normalize_key, normalized_values
from exchange.archive.names import escape_control
from exchange.archive.schema import COMPONENT, JOURNAL_MIGRATIONS
from exchange.archive.store import CHAIN_HEADS_FOLDER
from exchange.state.db import migrate, paused_gc, transaction

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable, Iterator, Sequence
    from pathlib import Path

log = logging.getLogger(__name__)

# Queries are built only from these constants, "?" placeholders and fixed
# conditions; every value is a bound parameter.
_COLUMNS = (
    "id, direction, file_name, size, sha256, package_id, kind, sender, number,"
    " received_at, processed_at, outcome, counts, errors, archive_path,"
    " reply_path, reply_sha256, details, keys, prev_hash, entry_hash, pruned_at"
)
_JSON_TEXT_COLUMNS = frozenset({"details", "keys"})
_PAGE = 500


class Journal:
    """Append and read journal entries on one state-database connection."""

    def __init__(self, conn: sqlite3.Connection, *, clock: Clock = utc_now) -> None:
        migrate(conn, COMPONENT, JOURNAL_MIGRATIONS)
        self._conn = conn
        self._clock = clock

    def record(
        self, entry: JournalEntry, keys: Iterable[tuple[str, str]] = ()
    ) -> RecordedEntry:
        """Append ``entry`` with its search keys to the chain and return it.

        The entry's ``package_id`` is always a key. The keys reach the
        ``journal_keys`` lookup table at the next ``index_pending`` call,
        which every lookup makes first. ``BEGIN IMMEDIATE`` takes the
        database's write lock before the head is read, so two writers append
        one after the other and never fork the chain.
        """
        with paused_gc(), transaction(self._conn):
            return self._append(entry, keys)

    def mark_pruned(
        self, entry_ids: Sequence[int], marker: JournalEntry, pruned_at: datetime
    ) -> RecordedEntry:
        """Flag entries as pruned and append the marker in one transaction."""
        stamp = format_utc(pruned_at)
        with transaction(self._conn):
            for start in range(0, len(entry_ids), _PAGE):
                page = list(entry_ids[start : start + _PAGE])
                self._conn.execute(
                    "UPDATE journal_entries SET pruned_at = ?"  # noqa: S608
                    f" WHERE id IN ({_placeholders(page)})",
                    [stamp, *page],
                )
            return self._append(marker, ())

    def head(self) -> tuple[int, str]:
        """Return the last entry's id and hash, or ``(0, 64 zeros)`` when empty."""
        row = self._conn.execute(
            "SELECT id, entry_hash FROM journal_entries ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return 0, GENESIS_HASH
        return int(row[0]), str(row[1])

    def write_head(self, archive_root: Path, *, daily: bool = False) -> Path | None:
        """Append ``<UTC time> <entry id> <entry hash>`` to today's head file.

        With ``daily`` the line is skipped when today's file already has one
        (the daemon's once-a-day write). Returns the file written, or None.
        A head that today's last line already records is not written again,
        and its file is returned.
        """
        now = self._clock()
        path = archive_root / CHAIN_HEADS_FOLDER / f"{now.astimezone(UTC):%Y-%m-%d}.txt"
        if daily and path.exists() and path.stat().st_size > 0:
            return None
        entry_id, entry_hash = self.head()
        if _last_line(path).endswith(f" {entry_id} {entry_hash}"):
            return path
        append_line(path, f"{format_utc(now)} {entry_id} {entry_hash}")
        log.info("wrote journal head %d:%s to %s", entry_id, entry_hash, path)
        return path

    def get(self, entry_id: int) -> RecordedEntry | None:
        """Return the entry with ``entry_id``, or None."""
        found = self._select("WHERE id = ?", [entry_id])
        return found[0] if found else None

    def entries(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        sender: str | None = None,
        kind: str | None = None,
        outcome: str | None = None,
        direction: str | None = None,
        limit: int | None = None,
    ) -> list[RecordedEntry]:
        """Return entries in id order, filtered by UTC processing date and fields.

        ``since`` and ``until`` are inclusive calendar dates in UTC.
        """
        conditions: list[str] = []
        params: list[Any] = []
        if since is not None:
            conditions.append("processed_at >= ?")
            params.append(_day_start(since))
        if until is not None:
            conditions.append("processed_at < ?")
            params.append(_day_start(until + timedelta(days=1)))
        for column, value in (
            ("sender", sender),
            ("kind", kind),
            ("outcome", outcome),
            ("direction", direction),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        if limit is not None:
            where += " ORDER BY id LIMIT ?"
            params.append(limit)
        return self._select(where, params)

    def index_pending(self) -> int:
        """Fill ``journal_keys`` for entries recorded since the last call.

        Returns the number of entries indexed. The service calls it when a
        pass is over, and ``find`` and ``mismatched_keys`` call it first.
        """
        return key_index.index_pending(self._conn)

    def find(self, key_type: str, value: str) -> list[RecordedEntry]:
        """Return every entry that has the search key, in id order."""
        self.index_pending()
        return self._select(
            "WHERE id IN (SELECT entry_id FROM journal_keys"
            " WHERE key_type = ? AND key_value = ?)",
            [key_type, normalize_key(key_type, value)],
        )

    def by_file_name(self, file_name: str) -> list[RecordedEntry]:
        """Return the entries of files received or written under ``file_name``."""
        return self._select("WHERE file_name = ?", [file_name])

    def iter_all(self) -> Iterator[RecordedEntry]:
        """Yield every entry in id order, reading 500 at a time."""
        last_id = -1
        while True:
            page = self._select("WHERE id > ? ORDER BY id LIMIT ?", [last_id, _PAGE])
            if not page:
                return
            yield from page
            last_id = page[-1].id

    def _append(
        self, entry: JournalEntry, keys: Iterable[tuple[str, str]]
    ) -> RecordedEntry:
        head_id, head_hash = self.head()
        processed_at = entry.processed_at or self._clock()
        all_keys = list(keys)
        if entry.package_id:
            all_keys.append(("package_id", entry.package_id))
        # Serialized once: this text is stored, hashed and returned as is.
        details = jsonio.dumps(entry.details, sort_keys=True)
        recorded = RecordedEntry(
            id=head_id + 1,
            direction=entry.direction,
            file_name=escape_control(entry.file_name),
            size=entry.size,
            sha256=entry.sha256,
            package_id=entry.package_id,
            kind=entry.kind,
            sender=entry.sender,
            number=entry.number,
            received_at=format_utc(entry.received_at) if entry.received_at else None,
            processed_at=format_utc(processed_at),
            outcome=entry.outcome,
            counts=_round_trip(dict(entry.counts)),
            errors=_round_trip(list(entry.errors)),
            archive_path=entry.archive_path,
            reply_path=entry.reply_path,
            reply_sha256=entry.reply_sha256,
            details_json=details,
            keys_json=keys_json(normalized_values(all_keys)),
            prev_hash=head_hash,
            entry_hash="",
            pruned_at=None,
        )
        entry_hash = compute_entry_hash(head_hash, recorded.hashed_fields())
        self._insert(recorded, entry_hash)
        key_index.add_pending(self._conn, recorded.id)
        log.debug("journal entry %d %s %s", recorded.id, entry.outcome, entry.file_name)
        return replace(recorded, entry_hash=entry_hash)

    def _insert(self, entry: RecordedEntry, entry_hash: str) -> None:
        # ``CAST(? AS TEXT)`` stores UTF-8 bytes as text without a round trip
        # through a Python string.
        values = ", ".join(
            "CAST(? AS TEXT)" if column in _JSON_TEXT_COLUMNS else "?"
            for column in _COLUMNS.split(", ")
        )
        self._conn.execute(
            f"INSERT INTO journal_entries ({_COLUMNS}) VALUES ({values})",  # noqa: S608
            (
                entry.id,
                entry.direction,
                entry.file_name,
                entry.size,
                entry.sha256,
                entry.package_id,
                entry.kind,
                entry.sender,
                entry.number,
                entry.received_at,
                entry.processed_at,
                entry.outcome,
                jsonio.dumps(entry.counts, sort_keys=True).decode(),
                jsonio.dumps(entry.errors).decode(),
                entry.archive_path,
                entry.reply_path,
                entry.reply_sha256,
                entry.details_json,
                entry.keys_json,
                entry.prev_hash,
                entry_hash,
                None,
            ),
        )

    def _select(self, where: str, params: Sequence[Any]) -> list[RecordedEntry]:
        if "ORDER BY" not in where:
            where += " ORDER BY id"
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM journal_entries {where}",  # noqa: S608
            params,
        ).fetchall()
        return [_from_row(row) for row in rows]

    def mismatched_keys(self) -> list[int]:
        """Return the ids of entries whose ``journal_keys`` rows differ from ``keys``.

        ``find`` searches ``journal_keys``, but only the ``keys`` column is
        hashed, so an edited, added or removed search row shows only here.
        Pending entries are indexed first.
        """
        return key_index.mismatched_keys(self._conn)


def _from_row(row: sqlite3.Row) -> RecordedEntry:
    return RecordedEntry(
        id=int(row["id"]),
        direction=row["direction"],
        file_name=row["file_name"],
        size=row["size"],
        sha256=row["sha256"],
        package_id=row["package_id"],
        kind=row["kind"],
        sender=row["sender"],
        number=row["number"],
        received_at=row["received_at"],
        processed_at=row["processed_at"],
        outcome=row["outcome"],
        counts=loads_column(row["counts"]),
        errors=loads_column(row["errors"]),
        archive_path=row["archive_path"],
        reply_path=row["reply_path"],
        reply_sha256=row["reply_sha256"],
        details_json=row["details"],
        keys_json=row["keys"],
        prev_hash=row["prev_hash"],
        entry_hash=row["entry_hash"],
        pruned_at=row["pruned_at"],
    )


def _round_trip(value: Any) -> Any:
    # Hash exactly what a later read returns (tuples become lists, and so on).
    return jsonio.loads(jsonio.dumps(value, sort_keys=True))


def _last_line(path: Path) -> str:
    """Return the last line of a head file, or "" when it has none."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return ""
    return lines[-1] if lines else ""


def _placeholders(values: Iterable[object]) -> str:
    return ", ".join("?" for _ in values)


def _day_start(day: date) -> str:
    return format_utc(datetime.combine(day, time(), tzinfo=UTC))
