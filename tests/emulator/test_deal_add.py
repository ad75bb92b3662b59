"""crm.deal.add: new deals, their defaults, ignored fields and errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from exchange.emulator import Emulator
from tests.emulator.conftest import post_form, post_json

DOC = "UF_CRM_1700000001"
PAYMENT = "UF_CRM_1700000002"
REALIZATION = "UF_CRM_1700000003"
FIELDS_INVALID = {"error": "", "error_description": "Parameter 'fields' must be array."}


def test_add_returns_new_id(emulator: Emulator, http: httpx.Client) -> None:
    """crm.deal.add stores the fields and returns the next ID as ``result``."""
    expected_id = max(emulator.portal.deals) + 1
    fields = {
        "TITLE": "Перевозка Казань — Самара",
        DOC: "ТЛ-000500",
        PAYMENT: 46,
        REALIZATION: "2026-11-20",
        "OPPORTUNITY": 1500,
    }
    response = post_json(http, emulator, "crm.deal.add", {"fields": fields})
    assert response.status_code == 200
    body = response.json()
    assert body["result"] == expected_id
    assert "time" in body
    deal = post_json(http, emulator, "crm.deal.get", {"id": expected_id}).json()
    assert deal["result"]["TITLE"] == "Перевозка Казань — Самара"
    assert deal["result"][DOC] == "ТЛ-000500"
    assert deal["result"][PAYMENT] == "46"
    assert deal["result"][REALIZATION] == "2026-11-20T03:00:00+03:00"
    assert deal["result"]["OPPORTUNITY"] == "1500.00"


def test_added_deal_found_by_number(emulator: Emulator, http: httpx.Client) -> None:
    """A number that no deal had is found once a deal with it is added."""
    query = {"filter": {f"@{DOC}": ["ТЛ-000500"]}, "select": ["ID"]}
    before = post_json(http, emulator, "crm.deal.list", query).json()
    assert before["result"] == []
    added = post_json(http, emulator, "crm.deal.add", {"fields": {DOC: "ТЛ-000500"}})
    deal_id = added.json()["result"]
    after = post_json(http, emulator, "crm.deal.list", query).json()
    assert after["result"] == [{"ID": str(deal_id)}]


def test_add_fills_defaults(emulator: Emulator, http: httpx.Client) -> None:
    """An empty ``fields`` gets the title, dates and author of a portal."""
    # 22:30 UTC is already the next day in Moscow.
    emulator.portal.clock = lambda: datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    response = post_json(http, emulator, "crm.deal.add", {"fields": {}})
    deal_id = response.json()["result"]
    deal = emulator.portal.deals[deal_id]
    assert deal["TITLE"] == f"Сделка #{deal_id}"
    assert deal["STAGE_ID"] == "NEW"
    assert deal["BEGINDATE"] == "2026-03-02T03:00:00+03:00"
    assert deal["CLOSEDATE"] == "2026-03-09T03:00:00+03:00"
    assert deal["DATE_CREATE"] == "2026-03-02T01:30:00+03:00"
    assert deal["ASSIGNED_BY_ID"] == "1"
    assert deal["CREATED_BY_ID"] == "1"
    assert deal[DOC] is None


def test_add_ignores_like_update(emulator: Emulator, http: httpx.Client) -> None:
    """Unknown and read-only codes and unparsable values are ignored."""
    fields = {
        "ID": 5,
        "DATE_CREATE": "2020-01-01",
        "UF_CRM_9999": "x",
        PAYMENT: 999,
        REALIZATION: "not a date",
        "TITLE": "  ",
    }
    response = post_json(http, emulator, "crm.deal.add", {"fields": fields})
    assert response.status_code == 200
    deal_id = response.json()["result"]
    assert deal_id != 5
    deal = emulator.portal.deals[deal_id]
    assert deal["ID"] == str(deal_id)
    assert not deal["DATE_CREATE"].startswith("2020")
    assert "UF_CRM_9999" not in deal
    assert deal[PAYMENT] is None
    assert deal[REALIZATION] is None
    assert deal["TITLE"] == f"Сделка #{deal_id}"


@pytest.mark.parametrize(
    ("payload", "description"),
    [
        ({}, "Parameter 'fields' must be array."),
        ({"fields": "TITLE=x"}, "Parameter 'fields' must be array."),
        ({"fields": ["x"]}, "Parameter 'fields' must be array."),
        (
            {"fields": {"TITLE": "x"}, "params": "N"},
            "Parameter 'params' must be array.",
        ),
    ],
)
def test_add_rejects_invalid_parameters(
    emulator: Emulator,
    http: httpx.Client,
    payload: dict[str, Any],
    description: str,
) -> None:
    """A ``fields`` or ``params`` that is not an object is HTTP 400."""
    count = len(emulator.portal.deals)
    response = post_json(http, emulator, "crm.deal.add", payload)
    assert response.status_code == 400
    assert response.json() == {"error": "", "error_description": description}
    assert len(emulator.portal.deals) == count


def test_add_form_encoded(emulator: Emulator, http: httpx.Client) -> None:
    """A form body with ``fields[CODE]=value`` adds a deal too."""
    body = "fields[TITLE]=Form&params[REGISTER_SONET_EVENT]=N"
    response = post_form(http, emulator, "crm.deal.add", body)
    assert response.status_code == 200
    assert emulator.portal.deals[response.json()["result"]]["TITLE"] == "Form"


def test_add_in_batch(emulator: Emulator, http: httpx.Client) -> None:
    """A batch adds a deal, and a later command reads its ID by reference."""
    expected_id = max(emulator.portal.deals) + 1
    cmd = {
        "add": f"crm.deal.add?fields[TITLE]=Batch&fields[{DOC}]=ТЛ-000501",
        "get": "crm.deal.get?id=$result[add]",
        "bad": "crm.deal.add?params[REGISTER_SONET_EVENT]=N",
    }
    body = post_json(http, emulator, "batch", {"cmd": cmd}).json()["result"]
    assert body["result"]["add"] == expected_id
    assert body["result"]["get"]["ID"] == str(expected_id)
    assert body["result"]["get"][DOC] == "ТЛ-000501"
    assert body["result_error"] == {"bad": FIELDS_INVALID}
    assert emulator.stats.calls_by_method["crm.deal.add"] == 2


def test_add_skips_deleted_id(emulator: Emulator, http: httpx.Client) -> None:
    """A new deal never takes the ID of a deleted one."""
    last_id = max(emulator.portal.deals)
    del emulator.portal.deals[last_id]
    response = post_json(http, emulator, "crm.deal.add", {"fields": {"TITLE": "x"}})
    assert response.json()["result"] == last_id + 1


def test_add_fault_in_batch(emulator: Emulator, http: httpx.Client) -> None:
    """A fault naming crm.deal.add fails that command and adds no deal."""
    count = len(emulator.portal.deals)
    emulator.faults.add("crm.deal.add", 500, "INTERNAL_SERVER_ERROR", "boom")
    cmd = {"add": "crm.deal.add?fields[TITLE]=x"}
    body = post_json(http, emulator, "batch", {"cmd": cmd}).json()["result"]
    assert body["result_error"] == {
        "add": {"error": "INTERNAL_SERVER_ERROR", "error_description": "boom"}
    }
    assert len(emulator.portal.deals) == count
