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
    "counterparty_ref": "ref",
}
# Array of an archived outgoing package that lists its results, by kind.
_RESULT_ARRAYS = {"counterparties": "counterparties"}
# ``b24_entity`` of the results that a company or contact ID key names.
_ITEM_ENTITIES = {"company_id": "company", "contact_id": "contact"}


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
    journal: Journal,
    key_type: str | tuple[str, ...],
    value: str,
    archive: Archive | None = None,
) -> list[Touch]:
    """Return every entry with the key and the result rows that name it.

    ``key_type`` may be a tuple of types, such as both kinds of 1C reference.
    An entry found by several of them is returned once, in id order. An
    incoming entry keeps its results in ``details``. For an outgoing entry
    without them (a follow-up receipt or a counterparties package), the rows
    come from its archived file when ``archive`` is given.
    """
    key_types = (key_type,) if isinstance(key_type, str) else key_type
    found: dict[int, Touch] = {}
    for one_type in key_types:
        normalized = normalize_key(one_type, value)
        for entry in journal.find(one_type, value):
            rows = entry.details
            if not isinstance(rows, list) and archive is not None:
                rows = _archived_results(archive, entry)
            results = _matching_rows(one_type, normalized, rows)
            if entry.id in found:
                results = found[entry.id].results + results
            found[entry.id] = Touch(entry, results)
    return [found[entry_id] for entry_id in sorted(found)]


def _matching_rows(
    key_type: str, normalized: str, rows: Any
) -> list[Mapping[str, Any]]:
    """Return the result rows that contain the key value ``normalized``."""
    if not isinstance(rows, list):
        return []
    return [
        row
        for row in rows
        if isinstance(row, dict)
        and any(
            normalize_key(key_type, str(value)) == normalized
            for value in _row_values(key_type, row)
        )
    ]


def _row_values(key_type: str, row: Mapping[str, Any]) -> list[Any]:
    """Return the values of ``row`` that a key of ``key_type`` is compared with.

    A counterparty record names its deals in ``deal_ids`` and the 1C
    references it may be linked to in ``match.candidates``.
    """
    values: list[Any] = []
    entity = _ITEM_ENTITIES.get(key_type)
    if entity is not None:
        if row.get("b24_entity") == entity:
            values.append(row.get("b24_id"))
    elif key_type in _RESULT_FIELDS:
        values.append(row.get(_RESULT_FIELDS[key_type]))
    if key_type == "deal_id" and isinstance(row.get("deal_ids"), list):
        values.extend(row["deal_ids"])
    match = row.get("match")
    if key_type == "counterparty_ref" and isinstance(match, dict):
        candidates = match.get("candidates")
        if isinstance(candidates, list):
            values.extend(candidates)
    return [value for value in values if value not in (None, "")]


def _archived_results(archive: Archive, entry: RecordedEntry) -> Any:
    """Return the result rows of an outgoing entry's archived file, or None.

    The rows are the ``results`` of a receipt, or the ``counterparties`` of
    a counterparties package.
    """
    if entry.direction != "out" or not entry.archive_path:
        return None
    try:
        path = archive.resolve(entry.archive_path, rejected=False)
        document = jsonio.loads(path.read_bytes())
    except (ValueError, OSError):
        return None
    if not isinstance(document, dict):
        return None
    return document.get(_RESULT_ARRAYS.get(entry.kind, "results"))


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
