"""Reading the requisites of collected items: templates, bank details, addresses.

Each item exports one requisite: the first active one by SORT, then ID.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from exchange.bitrix24 import BatchResult, Bitrix24Client, Bitrix24Error, CommandError
from exchange.bitrix24.client import PAGE_SIZE, Command, rows_of
from exchange.counterparties.collected import (
    ENTITY_TYPE_IDS,
    CollectedItem,
    int_value,
    log_read_failure,
    text_value,
)

REQUISITE_ENTITY_TYPE_ID = 8

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


def read_requisites(
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
            log_read_failure(error, f"requisites of {item.entity} {item.b24_id}")
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
    return {int_value(row.get("ID")): text_value(row.get("XML_ID")) for row in rows}


def read_requisite_parts(client: Bitrix24Client, items: list[CollectedItem]) -> None:
    commands: dict[str, Command] = {}
    chosen: dict[int, dict[str, Any]] = {}
    for item in items:
        requisite = _first_active(item.requisites)
        if requisite is None:
            continue
        requisite_id = int_value(requisite.get("ID"))
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
        requisite_id = int_value(requisite.get("ID"))
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
        log_read_failure(error, f"{what} of {item.entity} {item.b24_id}")
        item.warnings.append(f"{what} could not be read from Bitrix24 and are missing")
        return []
    method = (
        "crm.address.list" if what == "addresses" else "crm.requisite.bankdetail.list"
    )
    return rows_of(method, outcome.results.get(name))


def choose_requisite(item: CollectedItem, presets: Mapping[int, str]) -> None:
    requisite = _first_active(item.requisites)
    item.requisite = requisite
    if requisite is None:
        return
    preset_id = int_value(requisite.get("PRESET_ID"))
    item.preset_xml_id = presets.get(preset_id, "")
    others = [
        _describe_requisite(row) for row in item.requisites if row is not requisite
    ]
    if others:
        item.warnings.append(
            f"{item.entity} has {len(item.requisites)} requisites; only "
            f"requisite {int_value(requisite.get('ID'))}, the first active one by "
            f"sort order, was exported (left out: {', '.join(others)})"
        )


def _describe_requisite(row: dict[str, Any]) -> str:
    inactive = text_value(row.get("ACTIVE")).upper() == "N"
    return f"{int_value(row.get('ID'))}{' (inactive)' if inactive else ''}"


def _first_active(requisites: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    active = [row for row in requisites if text_value(row.get("ACTIVE")).upper() != "N"]
    if not active:
        return None
    return min(
        active, key=lambda row: (int_value(row.get("SORT")), int_value(row.get("ID")))
    )
