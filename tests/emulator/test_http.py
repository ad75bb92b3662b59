"""Webhook paths, authorization and request encodings over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from exchange.emulator import Emulator
from tests.emulator.conftest import get_query, post_form, post_json

NOT_FOUND = {
    "error": "ERROR_METHOD_NOT_FOUND",
    "error_description": "Method not found!",
}
NO_AUTH = {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}
TIME_KEYS = {
    "start",
    "finish",
    "duration",
    "processing",
    "date_start",
    "date_finish",
    "operating",
    "operating_reset_at",
}


@pytest.mark.parametrize("suffix", ["crm.deal.get", "crm.deal.get.json"])
def test_path_with_and_without_json(
    emulator: Emulator, http: httpx.Client, suffix: str
) -> None:
    """A method path works with and without the ``.json`` suffix."""
    response = http.post(emulator.webhook_url + suffix, json={"id": 101})
    assert response.status_code == 200
    assert response.json()["result"]["ID"] == "101"


def test_success_has_time_block(emulator: Emulator, http: httpx.Client) -> None:
    """A success carries ``result`` and a time block with every key."""
    body = post_json(http, emulator, "crm.deal.get", {"id": 101}).json()
    assert set(body) == {"result", "time"}
    assert set(body["time"]) == TIME_KEYS
    assert body["time"]["date_start"].endswith("+03:00")


def test_method_names_case_insensitive(emulator: Emulator, http: httpx.Client) -> None:
    """Method names in the path are case-insensitive."""
    response = post_json(http, emulator, "CRM.Deal.Get", {"id": 101})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("user_id", "code"),
    [("2", "emulatorsecret0123"), ("1", "wrongsecret"), ("x", "emulatorsecret0123")],
)
def test_wrong_webhook_is_401(
    emulator: Emulator, http: httpx.Client, user_id: str, code: str
) -> None:
    """A wrong user or code gets 401 NO_AUTH_FOUND without a time block."""
    response = http.post(
        f"{emulator.base_url}/rest/{user_id}/{code}/crm.deal.get", json={}
    )
    assert response.status_code == 401
    assert response.json() == NO_AUTH


@pytest.mark.parametrize(
    "path",
    ["/rest/1/emulatorsecret0123/crm.deal.nothing", "/rest/1/", "/rest", "/other"],
)
def test_unknown_method_or_path_is_404(
    emulator: Emulator, http: httpx.Client, path: str
) -> None:
    """An unknown method or a malformed path gets 404 "Method not found!"."""
    response = http.post(emulator.base_url + path, json={})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_form_body_with_brackets(emulator: Emulator, http: httpx.Client) -> None:
    """A form body with bracket keys updates the named fields."""
    body = (
        "ID=102&fields%5BUF_CRM_1700000001%5D=%D0%A2%D0%9B-777&fields[TITLE]=New+title"
    )
    response = post_form(http, emulator, "crm.deal.update", body)
    assert response.json()["result"] is True
    deal = emulator.portal.deals[102]
    assert deal["UF_CRM_1700000001"] == "ТЛ-777"
    assert deal["TITLE"] == "New title"


def test_get_with_query_string(emulator: Emulator, http: httpx.Client) -> None:
    """GET with a query string reads ``filter`` and ``select`` like a form."""
    query = "filter[UF_CRM_1700000001]=%D0%A2%D0%9B-000101&select[]=ID&select[]=TITLE"
    body = get_query(http, emulator, "crm.deal.list", query).json()
    assert body["result"] == [{"ID": "101", "TITLE": "Перевозка Москва — Казань"}]
    assert body["total"] == 1


def test_invalid_json_is_no_parameters(emulator: Emulator, http: httpx.Client) -> None:
    """A body that is not valid JSON is read as no parameters."""
    response = http.post(
        emulator.webhook_url + "crm.deal.get",
        content=b'{"id": 101',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "",
        "error_description": "ID is not defined or invalid.",
    }


def test_top_level_names_case_insensitive(
    emulator: Emulator, http: httpx.Client
) -> None:
    """``ID`` and ``FIELDS`` work like ``id`` and ``fields``."""
    payload = {"ID": 103, "FIELDS": {"TITLE": "Upper"}}
    response = post_json(http, emulator, "crm.deal.update", payload)
    assert response.json()["result"] is True
    assert emulator.portal.deals[103]["TITLE"] == "Upper"


def test_field_codes_case_sensitive(emulator: Emulator, http: httpx.Client) -> None:
    """A field code in the wrong case is an unknown field and is ignored."""
    payload = {"id": 104, "fields": {"title": "lower", "uf_crm_1700000001": "x"}}
    response = post_json(http, emulator, "crm.deal.update", payload)
    assert response.json()["result"] is True
    assert emulator.portal.deals[104]["TITLE"] == "Перевозка Химки — Самара"
    assert emulator.portal.deals[104]["UF_CRM_1700000001"] == "ТЛ-000104"
