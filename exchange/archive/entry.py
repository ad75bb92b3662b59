"""Journal entries, their search keys and the hash that chains them.

``entry_hash = sha256(prev_hash + canonical JSON of the hashed fields)``,
where the canonical JSON has sorted keys and no spaces, and the first entry's
``prev_hash`` is 64 zeros. The hashed fields are every column below except
``prev_hash``, ``entry_hash`` and ``pruned_at``, plus the entry's search keys,
so that editing, renumbering or re-keying an entry changes its hash. The
pruning flag is left out because pruning must not change old hashes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from exchange import jsonio

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from datetime import datetime

GENESIS_HASH = "0" * 64

Direction = Literal["in", "out"]
Outcome = Literal["applied", "duplicate", "rejected", "written", "pruned"]
OUTCOMES: tuple[str, ...] = ("applied", "duplicate", "rejected", "written", "pruned")

KEY_TYPES: tuple[str, ...] = (
    "order_number",
    "document_number",
    "deal_id",
    "inn",
    "order_ref",
    "package_id",
)


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


@dataclass(frozen=True, kw_only=True)
class RecordedEntry:
    """A journal row as stored, timestamps as ISO 8601 UTC text."""

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
    details: Any
    keys: tuple[tuple[str, str], ...]
    prev_hash: str
    entry_hash: str
    pruned_at: str | None

    @property
    def rejected(self) -> bool:
        """Whether the entry's files live in the error folder."""
        return self.outcome == "rejected"

    def hashed_fields(self) -> dict[str, Any]:
        """Return the fields that ``entry_hash`` covers."""
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
            "details": self.details,
            # orjson writes each (type, value) tuple as a JSON array.
            "keys": self.keys,
        }

    def to_json(self) -> dict[str, Any]:
        """Return every stored field, for ``--json`` output."""
        fields = self.hashed_fields()
        fields.update(
            prev_hash=self.prev_hash,
            entry_hash=self.entry_hash,
            pruned_at=self.pruned_at,
        )
        return fields


def compute_entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """Return the chain hash of an entry from its predecessor's hash."""
    canonical = jsonio.dumps(dict(fields), sort_keys=True)
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def normalize_key(key_type: str, value: str) -> str:
    """Return ``value`` in the form keys are stored and searched in.

    Numbers are trimmed (1C compares document numbers after trimming), an
    INN loses all white space, and references and package ids are
    lower-cased because UUIDs compare case-insensitively. Raises
    ``ValueError`` for an unknown key type.
    """
    return _normalizer(key_type)(value)


def normalize_keys(keys: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Return the distinct non-empty keys, normalized and sorted."""
    by_type: dict[str, set[str]] = {}
    # Keys listed type by type form few groups, each added to its set in C.
    for key_type, group in groupby(keys, itemgetter(0)):
        by_type.setdefault(key_type, set()).update(map(itemgetter(1), group))
    # Each type's values are normalized in one pass, and sorting by type and
    # then by value gives the same order as sorting the (type, value) pairs.
    normalized: list[tuple[str, str]] = []
    for key_type in sorted(by_type):
        normalize = _normalizer(key_type)
        distinct = set(map(normalize, by_type[key_type]))
        distinct.discard("")
        normalized.extend((key_type, value) for value in sorted(distinct))
    return tuple(normalized)


def _normalizer(key_type: str) -> Callable[[str], str]:
    """Return the function ``normalize_key`` applies to values of ``key_type``."""
    if key_type not in KEY_TYPES:
        raise ValueError(
            f"unknown journal key type {key_type!r}; use one of {KEY_TYPES}"
        )
    if key_type == "inn":
        return _without_white_space
    if key_type in {"order_ref", "package_id"}:
        return _stripped_lower
    return str.strip


def _without_white_space(value: str) -> str:
    return "".join(value.split())


def _stripped_lower(value: str) -> str:
    return value.strip().lower()


def order_keys(results: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Return the search keys of an orders receipt's per-order results.

    Each result may carry ``number``, ``document_number``, ``deal_id`` and
    ``ref``, as in an ``orders_receipt``.
    """
    keys: list[tuple[str, str]] = []
    for result in results:
        keys.extend(
            (key_type, str(result[name]))
            for name, key_type in _ORDER_FIELDS
            if result.get(name) not in (None, "")
        )
    return keys


def counterparty_keys(results: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Return the INN keys of counterparty records or results."""
    return [("inn", str(result["inn"])) for result in results if result.get("inn")]


_ORDER_FIELDS = (
    ("number", "order_number"),
    ("document_number", "document_number"),
    ("deal_id", "deal_id"),
    ("ref", "order_ref"),
)
