"""Collection of the flagged companies and contacts from Bitrix24, batched.

One run costs a handful of requests whatever the number of items: one scan
of the flagged rows (50 per page), then ``batch`` requests of up to 50
commands each for the companies and contacts (50 IDs per command), their
requisites with the requisite templates, and the bank details and addresses
of the chosen requisites.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from exchange.bitrix24 import BatchResult, Bitrix24Client, Bitrix24Error, CommandError
from exchange.bitrix24.client import PAGE_SIZE, Command, rows_of
from exchange.counterparties.fields import Entity, FlowFields, flag_is_set
from exchange.counterparties.store_records import ItemKey, Snapshot

log = logging.getLogger(__name__)

# ENTITY_TYPE_ID of the CRM entities that requisites and addresses hang off.
ENTITY_TYPE_IDS: dict[Entity, int] = {"company": 4, "contact": 3}
REQUISITE_ENTITY_TYPE_ID = 8

_DEAL_SELECT = ["ID", "TITLE", "STAGE_ID", "COMPANY_ID", "CONTACT_ID", "DATE_MODIFY"]
_ITEM_SELECT: dict[Entity, list[str]] = {
    "company": ["ID", "TITLE", "PHONE", "EMAIL", "DATE_MODIFY"],
    "contact": [
        "ID",
        "NAME",
        "LAST_NAME",
        "SECOND_NAME",
        "PHONE",
        "EMAIL",
        "DATE_MODIFY",
    ],
}
_REQUISITE_SELECT = [
    "ID",
    "ENTITY_TYPE_ID",
    "ENTITY_ID",
    "PRESET_ID",
    "NAME",
    "ACTIVE",
    "SORT",
    "DATE_MODIFY",
    "RQ_INN",
    "RQ_KPP",
    "RQ_OGRN",
    "RQ_OGRNIP",
    "RQ_COMPANY_NAME",
    "RQ_COMPANY_FULL_NAME",
    "RQ_LAST_NAME",
    "RQ_FIRST_NAME",
    "RQ_SECOND_NAME",
]
_BANK_SELECT = ["ID", "ENTITY_ID", "ACTIVE", "SORT", "RQ_BANK_NAME", "RQ_BIK"]
_BANK_SELECT += ["RQ_ACC_NUM", "RQ_COR_ACC_NUM"]
_ADDRESS_SELECT = ["TYPE_ID", "ENTITY_TYPE_ID", "ENTITY_ID", "POSTAL_CODE", "COUNTRY"]
_ADDRESS_SELECT += ["PROVINCE", "REGION", "CITY", "ADDRESS_1", "ADDRESS_2"]
_PRESETS = "presets"


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
            item=_text(self.row.get("DATE_MODIFY")),
            requisites={
                _int(row.get("ID")): _text(row.get("DATE_MODIFY"))
                for row in self.requisites
            },
            deals={deal.id: deal.date_modify for deal in self.deals},
        )


def collect(
    client: Bitrix24Client,
    fields: FlowFields,
    *,
    only: set[tuple[str, int]] | None = None,
) -> list[CollectedItem]:
    """Collect every flagged company and contact, sorted by entity and ID.

    With ``only``, keep the items named there, directly or through one of
    their flagged deals (``("deal", id)``). Items whose rows could not be
    read are left out with a logged warning and are tried on the next run.
    """
    items = _flagged_items(client, fields)
    if only is not None:
        items = {key: item for key, item in items.items() if _named(item, only)}
    if not items:
        return []

    _read_rows(client, fields, items)
    presets = _read_requisites(client, list(items.values()))
    _read_requisite_parts(client, list(items.values()))
    for item in items.values():
        _choose_requisite(item, presets)
    return [items[key] for key in sorted(items)]


def _named(item: CollectedItem, only: set[tuple[str, int]]) -> bool:
    if item.key in only:
        return True
    return any(("deal", deal.id) in only for deal in item.deals)


def _flagged_items(
    client: Bitrix24Client, fields: FlowFields
) -> dict[ItemKey, CollectedItem]:
    flag = fields.trigger_field
    flag_filter = {f"={flag}": 1}
    items: dict[ItemKey, CollectedItem] = {}
    if fields.trigger_entity != "deal":
        entity: Entity = fields.trigger_entity
        rows = client.list_all(
            f"crm.{entity}.list", filter=flag_filter, select=["ID", flag]
        )
        for row in rows:
            # The portal drops unknown filter keys silently, so the flag is
            # checked on every row as well.
            if flag_is_set(row.get(flag)):
                b24_id = _int(row.get("ID"))
                items[entity, b24_id] = CollectedItem(
                    entity, b24_id, {}, flag_on_item=True
                )
        return items

    deals = client.list_all(
        "crm.deal.list", filter=flag_filter, select=[*_DEAL_SELECT, flag]
    )
    for row in deals:
        if not flag_is_set(row.get(flag)):
            continue
        deal = FlaggedDeal(
            id=_int(row.get("ID")),
            title=_text(row.get("TITLE")),
            stage_id=_text(row.get("STAGE_ID")),
            date_modify=_text(row.get("DATE_MODIFY")),
        )
        key = _deal_counterparty(row)
        if key is None:
            log.warning(
                "deal %d is flagged for 1C but has neither a company nor a contact; "
                "it keeps its flag until one is set",
                deal.id,
            )
            continue
        item = items.setdefault(key, CollectedItem(key[0], key[1], {}))
        item.deals.append(deal)
    for item in items.values():
        item.deals.sort(key=lambda deal: deal.id)
    return items


def _deal_counterparty(row: Mapping[str, Any]) -> tuple[Entity, int] | None:
    company_id = _int(row.get("COMPANY_ID"))
    if company_id > 0:
        return ("company", company_id)
    contact_id = _int(row.get("CONTACT_ID"))
    if contact_id > 0:
        return ("contact", contact_id)
    return None


def _read_rows(
    client: Bitrix24Client, fields: FlowFields, items: dict[ItemKey, CollectedItem]
) -> None:
    commands: dict[str, Command] = {}
    chunks: dict[str, list[ItemKey]] = {}
    for entity in ("company", "contact"):
        ids = sorted(b24_id for kind, b24_id in items if kind == entity)
        select = [*_ITEM_SELECT[entity], fields.ref_field(entity)]
        for start in range(0, len(ids), PAGE_SIZE):
            chunk = ids[start : start + PAGE_SIZE]
            params = {
                "filter": {"@ID": chunk},
                "order": {"ID": "ASC"},
                "select": select,
            }
            name = f"{entity}_{start}"
            commands[name] = (f"crm.{entity}.list", params)
            chunks[name] = [(entity, b24_id) for b24_id in chunk]
    outcome = client.batches(commands)

    for name, keys in chunks.items():
        method = commands[name][0]
        error = outcome.errors.get(name)
        if error is not None:
            _log_read_failure(error, f"{len(keys)} {keys[0][0]} rows")
            for key in keys:
                del items[key]
            continue
        rows = {
            _int(row.get("ID")): row
            for row in rows_of(method, outcome.results.get(name))
        }
        for key in keys:
            row = rows.get(key[1])
            if row is not None:
                items[key].row = row
                continue
            item = items.pop(key)
            log.warning(
                "%s %d is flagged for 1C (deals: %s) but was not found in "
                "Bitrix24; it is left out",
                key[0],
                key[1],
                ", ".join(str(deal.id) for deal in item.deals) or "none",
            )


def _read_requisites(
    client: Bitrix24Client, items: list[CollectedItem]
) -> dict[int, str]:
    """Read every item's requisites and return the templates' XML_ID by ID."""
    commands: dict[str, Command] = {
        _PRESETS: (
            "crm.requisite.preset.list",
            {"order": {"ID": "ASC"}, "select": ["ID", "XML_ID", "NAME"]},
        )
    }
    for item in items:
        params = {
            "filter": {
                "ENTITY_TYPE_ID": ENTITY_TYPE_IDS[item.entity],
                "ENTITY_ID": item.b24_id,
            },
            "order": {"SORT": "ASC", "ID": "ASC"},
            "select": _REQUISITE_SELECT,
        }
        commands[f"rq_{item.entity}_{item.b24_id}"] = ("crm.requisite.list", params)
    outcome = client.batches(commands)

    for item in items:
        name = f"rq_{item.entity}_{item.b24_id}"
        error = outcome.errors.get(name)
        if error is not None:
            _log_read_failure(error, f"requisites of {item.entity} {item.b24_id}")
            item.warnings.append(
                "requisites could not be read from Bitrix24, so INN, KPP, bank "
                "details and addresses are missing"
            )
            continue
        item.requisites = rows_of("crm.requisite.list", outcome.results.get(name))
    return _presets(client, outcome.results.get(_PRESETS), outcome.errors.get(_PRESETS))


def _presets(
    client: Bitrix24Client, result: object, error: CommandError | None
) -> dict[int, str]:
    if error is not None:
        raise Bitrix24Error(
            f"reading the requisite templates failed: {error}",
            code=error.code,
            description=error.description,
            method=error.method,
            transient=error.transient,
        )
    rows = rows_of("crm.requisite.preset.list", result)
    if len(rows) >= PAGE_SIZE:
        # More templates than one page: read them all by the fast scan.
        rows = list(
            client.list_all("crm.requisite.preset.list", select=["ID", "XML_ID"])
        )
    return {_int(row.get("ID")): _text(row.get("XML_ID")) for row in rows}


def _read_requisite_parts(client: Bitrix24Client, items: list[CollectedItem]) -> None:
    commands: dict[str, Command] = {}
    chosen: dict[int, dict[str, Any]] = {}
    for item in items:
        requisite = _first_active(item.requisites)
        if requisite is None:
            continue
        requisite_id = _int(requisite.get("ID"))
        chosen[requisite_id] = requisite
        commands[f"bank_{requisite_id}"] = (
            "crm.requisite.bankdetail.list",
            {
                "filter": {"ENTITY_ID": requisite_id},
                "order": {"SORT": "ASC", "ID": "ASC"},
                "select": _BANK_SELECT,
            },
        )
        commands[f"addr_{requisite_id}"] = (
            "crm.address.list",
            {
                "filter": {
                    "ENTITY_TYPE_ID": REQUISITE_ENTITY_TYPE_ID,
                    "ENTITY_ID": requisite_id,
                },
                "select": _ADDRESS_SELECT,
                # start=-1 skips counting, which this method gets wrong.
                "start": -1,
            },
        )
    if not commands:
        return
    outcome = client.batches(commands)
    for item in items:
        requisite = _first_active(item.requisites)
        if requisite is None:
            continue
        requisite_id = _int(requisite.get("ID"))
        item.bank_details = _rows_or_warn(
            item, outcome, f"bank_{requisite_id}", "bank details"
        )
        item.addresses = _rows_or_warn(
            item, outcome, f"addr_{requisite_id}", "addresses"
        )


def _rows_or_warn(
    item: CollectedItem, outcome: BatchResult, name: str, what: str
) -> list[dict[str, Any]]:
    error = outcome.errors.get(name)
    if error is not None:
        _log_read_failure(error, f"{what} of {item.entity} {item.b24_id}")
        item.warnings.append(f"{what} could not be read from Bitrix24 and are missing")
        return []
    method = (
        "crm.address.list" if what == "addresses" else "crm.requisite.bankdetail.list"
    )
    return rows_of(method, outcome.results.get(name))


def _choose_requisite(item: CollectedItem, presets: Mapping[int, str]) -> None:
    requisite = _first_active(item.requisites)
    item.requisite = requisite
    if requisite is None:
        return
    preset_id = _int(requisite.get("PRESET_ID"))
    item.preset_xml_id = presets.get(preset_id, "")
    others = [
        _describe_requisite(row) for row in item.requisites if row is not requisite
    ]
    if others:
        item.warnings.append(
            f"{item.entity} has {len(item.requisites)} requisites; only requisite "
            f"{_int(requisite.get('ID'))}, the first active one by sort order, was "
            f"exported (left out: {', '.join(others)})"
        )


def _describe_requisite(row: dict[str, Any]) -> str:
    inactive = _text(row.get("ACTIVE")).upper() == "N"
    return f"{_int(row.get('ID'))}{' (inactive)' if inactive else ''}"


def _first_active(requisites: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    active = [row for row in requisites if _text(row.get("ACTIVE")).upper() != "N"]
    if not active:
        return None
    return min(active, key=lambda row: (_int(row.get("SORT")), _int(row.get("ID"))))


def _log_read_failure(error: CommandError, what: str) -> None:
    log.warning(
        "reading %s from Bitrix24 failed: %s; retried on the next run", what, error
    )


def _int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return 0


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value)
