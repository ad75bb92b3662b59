"""Collection of the flagged companies and contacts from Bitrix24, batched.

One run costs a handful of requests whatever the number of items: one scan
of the flagged rows (50 per page), then ``batch`` requests of up to 50
commands each for the companies and contacts (50 IDs per command), their
requisites with the requisite templates, and the bank details and addresses
of the chosen requisites.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from exchange.bitrix24 import Bitrix24Client
from exchange.bitrix24.client import PAGE_SIZE, Command, rows_of
from exchange.counterparties.collected import (
    CollectedItem,
    FlaggedDeal,
    int_value,
    log_read_failure,
    text_value,
)
from exchange.counterparties.fields import Entity, FlowFields, flag_is_set
from exchange.counterparties.requisites import (
    choose_requisite,
    read_requisite_parts,
    read_requisites,
)
from exchange.counterparties.store_records import ItemKey

log = logging.getLogger(__name__)


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
    presets = read_requisites(client, list(items.values()))
    read_requisite_parts(client, list(items.values()))
    for item in items.values():
        choose_requisite(item, presets)
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
                b24_id = int_value(row.get("ID"))
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
            id=int_value(row.get("ID")),
            title=text_value(row.get("TITLE")),
            stage_id=text_value(row.get("STAGE_ID")),
            date_modify=text_value(row.get("DATE_MODIFY")),
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
    company_id = int_value(row.get("COMPANY_ID"))
    if company_id > 0:
        return ("company", company_id)
    contact_id = int_value(row.get("CONTACT_ID"))
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
            log_read_failure(error, f"{len(keys)} {keys[0][0]} rows")
            for key in keys:
                del items[key]
            continue
        rows = {
            int_value(row.get("ID")): row
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
