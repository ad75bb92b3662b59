"""The companies and contacts that an export run collects, as read from Bitrix24."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from exchange.bitrix24 import CommandError
from exchange.counterparties.fields import Entity
from exchange.counterparties.store_records import ItemKey, Snapshot

log = logging.getLogger(__name__)

# ENTITY_TYPE_ID of the CRM entities that requisites and addresses hang off.
ENTITY_TYPE_IDS: dict[Entity, int] = {"company": 4, "contact": 3}


@dataclass(frozen=True, slots=True)
class FlaggedDeal:
    """A deal whose trigger flag is set."""

    id: int
    title: str
    stage_id: str
    date_modify: str


@dataclass(slots=True)
class CollectedItem:
    """One company or contact with everything its record needs.

    ``requisite`` is the first active requisite by SORT then ID, or None;
    ``requisites`` lists every requisite, for change detection.
    ``preset_xml_id`` is the XML_ID of the requisite's template (``""`` when
    the template is unknown), or None without a requisite.
    """

    entity: Entity
    b24_id: int
    row: dict[str, Any]
    flag_on_item: bool = False
    deals: list[FlaggedDeal] = field(default_factory=list)
    requisites: list[dict[str, Any]] = field(default_factory=list)
    requisite: dict[str, Any] | None = None
    preset_xml_id: str | None = None
    bank_details: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def key(self) -> ItemKey:
        """The item as (entity, ID)."""
        return (self.entity, self.b24_id)

    def snapshot(self) -> Snapshot:
        """Return the modification times of the item, its requisites and deals."""
        return Snapshot(
            item=text_value(self.row.get("DATE_MODIFY")),
            requisites={
                int_value(row.get("ID")): text_value(row.get("DATE_MODIFY"))
                for row in self.requisites
            },
            deals={deal.id: deal.date_modify for deal in self.deals},
        )


def log_read_failure(error: CommandError, subject: str) -> None:
    """Log that ``subject`` could not be read; the next run tries again."""
    log.warning(
        "reading %s from Bitrix24 failed: %s; retried on the next run", subject, error
    )


def int_value(value: object) -> int:
    """Return a Bitrix24 ID or number as an int; 0 when it is not one."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return 0


def text_value(value: object) -> str:
    """Return a Bitrix24 value as text; empty for None."""
    if value is None:
        return ""
    return str(value)
