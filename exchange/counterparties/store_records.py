"""Records of the counterparty state, as ``CounterpartyStore`` takes and gives them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from exchange import jsonio

AWAITING = "awaiting"
"""Status of an exported item whose receipt has not come yet."""

ItemKey = tuple[str, int]
"""A Bitrix24 item: (``company`` or ``contact``, ID)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Modification times (DATE_MODIFY as the portal writes it) at one moment.

    ``requisites`` and ``deals`` map IDs to their DATE_MODIFY, and ``deals``
    contains the flagged deals only.
    """

    item: str
    requisites: dict[int, str] = field(default_factory=dict)
    deals: dict[int, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialize for the state database."""
        document = {
            "item": self.item,
            "requisites": {str(key): value for key, value in self.requisites.items()},
            "deals": {str(key): value for key, value in self.deals.items()},
        }
        return jsonio.dumps_text(document)

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        """Read what ``to_json`` wrote."""
        document = jsonio.loads(text)
        return cls(
            item=str(document["item"]),
            requisites={int(k): str(v) for k, v in document["requisites"].items()},
            deals={int(k): str(v) for k, v in document["deals"].items()},
        )


@dataclass(frozen=True, slots=True)
class TrackedItem:
    """The last export of one item and the receipt status it has."""

    entity: str
    b24_id: int
    name: str
    package_id: str
    package_name: str
    exported_at: datetime
    snapshot: Snapshot
    status: str
    """``awaiting``, or the receipt's status: created, updated, matched, error."""
    message: str
    receipt_at: datetime | None


@dataclass(frozen=True, slots=True)
class ExportedRecord:
    """One record of one written package, as a receipt needs it."""

    package_id: str
    entity: str
    b24_id: int
    deal_ids: tuple[int, ...]
    flag_on_item: bool
    receipt_status: str | None
    receipt_ref: str | None
    """The reference that the receipt gave; None for none or before version 2."""
    receipt_package_id: str | None
    """The receipt that gave ``receipt_status``; None before version 2."""
    closed: bool
    """Whether the reference was written and the flags were cleared."""


@dataclass(frozen=True, slots=True)
class ItemExport:
    """One record of a package, as ``record_export`` stores it."""

    entity: str
    b24_id: int
    name: str
    snapshot: Snapshot
    deal_ids: tuple[int, ...]
    flag_on_item: bool


@dataclass(frozen=True, slots=True)
class LastExport:
    """The last export run, with or without a package."""

    ran_at: datetime
    package_name: str | None
    records: int
    warnings: int


CatalogChange = Literal["added", "updated", "removed", "unchanged"]
