"""Lookups behind ``exchange audit show`` and ``exchange audit find``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from exchange import jsonio
from exchange.archive.entry import RecordedEntry, normalize_key
from exchange.archive.names import escape_control

if TYPE_CHECKING:
    from collections.abc import Mapping

    from exchange.archive.journal import Journal
    from exchange.archive.store import Archive

# Field of a per-order or per-counterparty result that contains each key type.
_RESULT_FIELDS = {
    "order_number": "number",
    "document_number": "document_number",
    "deal_id": "deal_id",
    "inn": "inn",
    "order_ref": "ref",
}


@dataclass(frozen=True)
class Touch:
    """An entry that mentions a key, with the results that name it."""

    entry: RecordedEntry
    results: list[Mapping[str, Any]]

    @property
    def statuses(self) -> list[str]:
        """Return the status (orders) or action (counterparties) of each result."""
        found = []
        for result in self.results:
            status = result.get("status") or result.get("action")
            if status:
                found.append(str(status))
        return found or [self.entry.outcome]


def resolve_entries(journal: Journal, token: str) -> list[RecordedEntry]:
    """Return the entries that ``token`` names, in id order.

    A number is an entry id. Any other token is matched as a package id,
    which also finds the receipts that reply to that package, and as a file
    name, both as received and with control characters escaped.
    """
    stripped = token.strip()
    if stripped.isdigit():
        entry = journal.get(int(stripped))
        if entry is not None:
            return [entry]
    found: dict[int, RecordedEntry] = {}
    for entry in journal.find("package_id", stripped):
        found[entry.id] = entry
    for name in {token, escape_control(token)}:
        for entry in journal.by_file_name(name):
            found[entry.id] = entry
    return [found[entry_id] for entry_id in sorted(found)]


def find_touches(
    journal: Journal, key_type: str, value: str, archive: Archive | None = None
) -> list[Touch]:
    """Return every entry with the key and the result rows that name it.

    An incoming entry keeps its receipt's results in ``details``. For an
    outgoing entry without them (a follow-up receipt, say), the rows come
    from its archived file when ``archive`` is given.
    """
    wanted = normalize_key(key_type, value)
    field_name = _RESULT_FIELDS.get(key_type)
    touches = []
    for entry in journal.find(key_type, value):
        results: list[Mapping[str, Any]] = []
        rows = entry.details
        if not isinstance(rows, list) and archive is not None:
            rows = _archived_results(archive, entry)
        if field_name is not None and isinstance(rows, list):
            results = [
                row
                for row in rows
                if isinstance(row, dict)
                and row.get(field_name) not in (None, "")
                and normalize_key(key_type, str(row[field_name])) == wanted
            ]
        touches.append(Touch(entry, results))
    return touches


def _archived_results(archive: Archive, entry: RecordedEntry) -> Any:
    """Return the ``results`` of an outgoing entry's archived file, or None."""
    if entry.direction != "out" or not entry.archive_path:
        return None
    try:
        path = archive.resolve(entry.archive_path, rejected=False)
        document = jsonio.loads(path.read_bytes())
    except (ValueError, OSError):
        return None
    return document.get("results") if isinstance(document, dict) else None


def read_reply(archive: Archive, entry: RecordedEntry) -> str | None:
    """Return the archived reply of an entry as text, or None when absent.

    A reply that is not UTF-8 is decoded with replacement characters.
    """
    if not entry.reply_path:
        return None
    try:
        path = archive.resolve(entry.reply_path, rejected=entry.rejected)
        data = path.read_bytes()
    except (ValueError, OSError):
        return None
    return data.decode("utf-8-sig", errors="replace")
