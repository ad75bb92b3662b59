"""Journal entries, their search keys and the hash that chains them.

``entry_hash = sha256(prev_hash + canonical JSON of the hashed fields)``,
where the canonical JSON has sorted keys and no spaces, and the first entry's
``prev_hash`` is 64 zeros. The hashed fields are every column below except
``prev_hash``, ``entry_hash`` and ``pruned_at``, plus the entry's search keys,
so that editing, renumbering or re-keying an entry changes its hash. The
pruning flag is left out because pruning must not change old hashes.

The ``details`` and ``keys`` fields enter the canonical JSON as the exact
JSON text stored in their columns, because they are large (the results and
keys of 100,000 orders) and serializing them again would cost more than the
rest of the entry. Every other field is serialized with sorted keys. For
entries written before this rule the stored text was already that canonical
form, so their hashes are unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from exchange import jsonio
from exchange.archive.keys import (
    KEY_TYPES,
    KeyPairs,
    catalog_keys,
    counterparty_keys,
    normalize_key,
    normalize_keys,
    order_keys,
    parse_keys,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

__all__ = [
    "GENESIS_HASH",
    "KEY_TYPES",
    "OUTCOMES",
    "JournalEntry",
    "RecordedEntry",
    "StoredJSON",
    "catalog_keys",
    "compute_entry_hash",
    "counterparty_keys",
    "loads_column",
    "normalize_key",
    "normalize_keys",
    "order_keys",
]

GENESIS_HASH = "0" * 64

Direction = Literal["in", "out"]
Outcome = Literal["applied", "duplicate", "rejected", "written", "pruned"]
OUTCOMES: tuple[str, ...] = ("applied", "duplicate", "rejected", "written", "pruned")


@dataclass(frozen=True, kw_only=True)
class JournalEntry:
    """One processed or written file, or a marker, before it joins the chain.

    ``direction`` is None only for markers (outcome ``pruned``). Paths are
    relative to the archive, or to the error folder for rejected files.
    ``file_name`` is stored with control characters and non-UTF-8 bytes
    percent-encoded. ``processed_at`` defaults to the journal clock's time
    of recording.
    """

    direction: Direction | None
    file_name: str
    outcome: Outcome
    size: int = 0
    sha256: str = ""
    package_id: str = ""
    kind: str = ""
    sender: str = ""
    number: int | None = None
    received_at: datetime | None = None
    processed_at: datetime | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    errors: Sequence[str] = ()
    archive_path: str = ""
    reply_path: str = ""
    reply_sha256: str = ""
    details: Any = None


@dataclass(frozen=True)
class StoredJSON:
    """JSON text that enters an entry's canonical JSON exactly as stored."""

    text: str | bytes

    def encoded(self) -> bytes:
        """Return the text as UTF-8 bytes."""
        if isinstance(self.text, bytes):
            return self.text
        return self.text.encode()


@dataclass(frozen=True, kw_only=True)
class RecordedEntry:
    """A journal row as stored, timestamps as ISO 8601 UTC text.

    ``details_json`` and ``keys_json`` are the stored JSON text of the
    ``details`` and ``keys`` columns, parsed only when ``details`` or
    ``keys`` is read. They are left out of ``==`` because ``entry_hash``,
    which is compared, covers them.
    """

    id: int
    direction: str | None
    file_name: str
    size: int
    sha256: str
    package_id: str
    kind: str
    sender: str
    number: int | None
    received_at: str | None
    processed_at: str
    outcome: str
    counts: dict[str, int]
    errors: list[str]
    archive_path: str
    reply_path: str
    reply_sha256: str
    details_json: str | bytes = field(compare=False, repr=False)
    keys_json: str | bytes = field(compare=False, repr=False)
    prev_hash: str
    entry_hash: str
    pruned_at: str | None

    @property
    def rejected(self) -> bool:
        """Whether the entry's files live in the error folder."""
        return self.outcome == "rejected"

    @cached_property
    def details(self) -> Any:
        """The per-order or per-counterparty results or marker data, or None."""
        return loads_column(self.details_json)

    @cached_property
    def keys(self) -> KeyPairs | Any:
        """The search keys as ``(type, value)`` pairs, in stored order."""
        return parse_keys(loads_column(self.keys_json))

    def hashed_fields(self) -> dict[str, Any]:
        """Return the fields that ``entry_hash`` covers."""
        return {
            **self._plain_fields(),
            "details": StoredJSON(self.details_json),
            "keys": StoredJSON(self.keys_json),
        }

    def to_json(self) -> dict[str, Any]:
        """Return every stored field, for ``--json`` output."""
        return {
            **self._plain_fields(),
            "details": self.details,
            # orjson writes each (type, value) tuple as a JSON array.
            "keys": self.keys,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
            "pruned_at": self.pruned_at,
        }

    def _plain_fields(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "direction": self.direction,
            "file_name": self.file_name,
            "size": self.size,
            "sha256": self.sha256,
            "package_id": self.package_id,
            "kind": self.kind,
            "sender": self.sender,
            "number": self.number,
            "received_at": self.received_at,
            "processed_at": self.processed_at,
            "outcome": self.outcome,
            "counts": self.counts,
            "errors": self.errors,
            "archive_path": self.archive_path,
            "reply_path": self.reply_path,
            "reply_sha256": self.reply_sha256,
        }


def compute_entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """Return the chain hash of an entry from its predecessor's hash.

    The canonical JSON is ``jsonio.dumps(fields, sort_keys=True)``, except
    that a ``StoredJSON`` value is written as its text. It is fed to the
    hash piece by piece, so a large stored text is not copied.
    """
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    separator = b"{"
    for name in sorted(fields):
        value = fields[name]
        digest.update(separator + jsonio.dumps(name) + b":")
        if isinstance(value, StoredJSON):
            digest.update(value.encoded())
        else:
            digest.update(jsonio.dumps(value, sort_keys=True))
        separator = b","
    digest.update(b"}" if fields else b"{}")
    return digest.hexdigest()


def loads_column(text: str | bytes) -> Any:
    """Parse a stored JSON column; return text that is not JSON as a string.

    Text that is no longer JSON was edited by hand. Keeping it as a string
    lets ``verify`` report the entry as altered instead of failing.
    """
    try:
        return jsonio.loads(text)
    except jsonio.JSONDecodeError:
        return text if isinstance(text, str) else text.decode(errors="replace")
