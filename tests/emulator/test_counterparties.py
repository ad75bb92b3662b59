"""Companies, contacts, requisites, templates, bank details and addresses."""

from __future__ import annotations

from typing import Any

import httpx

from exchange.emulator import Emulator
from tests.emulator.conftest import post_json

REF = "UF_CRM_1700000020"


def result_of(
    http: httpx.Client, emulator: Emulator, method: str, payload: dict[str, Any]
) -> Any:
    """Call a method and return ``result`` after checking HTTP 200."""
    response = post_json(http, emulator, method, payload)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_company_get_has_phones(emulator: Emulator, http: httpx.Client) -> None:
    """crm.company.get returns standard, custom and multi-fields."""
    company = result_of(http, emulator, "crm.company.get", {"id": 1})
    assert company["TITLE"] == 'ООО "Северный ветер"'
    assert company[REF] is None
    assert company["PHONE"][0]["VALUE"] == "+7 (495) 500-55-50"
    assert set(company["PHONE"][0]) == {"ID", "VALUE_TYPE", "VALUE", "TYPE_ID"}
    assert company["HAS_PHONE"] == "Y"


def test_phone_only_when_selected(emulator: Emulator, http: httpx.Client) -> None:
    """crm.contact.list returns PHONE only when select names it."""
    star = result_of(
        http, emulator, "crm.contact.list", {"select": ["*"], "filter": {"ID": 1}}
    )
    assert "PHONE" not in star[0]
    named = result_of(
        http,
        emulator,
        "crm.contact.list",
        {"select": ["ID", "PHONE"], "filter": {"ID": 1}},
    )
    phones = [item["VALUE"] for item in named[0]["PHONE"]]
    assert phones == ["8 (912) 345-67-89", "+7 912 345 67 89 доб. 123"]


def test_contact_multifield_update(emulator: Emulator, http: httpx.Client) -> None:
    """PHONE update: no ID adds, ID with VALUE changes, DELETE removes."""
    phones = emulator.portal.contacts[1]["PHONE"]
    first_id, second_id = phones[0]["ID"], phones[1]["ID"]
    fields = {
        "PHONE": [
            {"ID": first_id, "VALUE": "+79123456789"},
            {"ID": second_id, "DELETE": "Y"},
            {"VALUE": "+7 999 000-00-00", "VALUE_TYPE": "HOME"},
        ]
    }
    assert (
        result_of(http, emulator, "crm.contact.update", {"id": 1, "fields": fields})
        is True
    )
    stored = emulator.portal.contacts[1]["PHONE"]
    assert [item["VALUE"] for item in stored] == ["+79123456789", "+7 999 000-00-00"]
    assert stored[0]["ID"] == first_id
    assert stored[1]["VALUE_TYPE"] == "HOME"
    assert emulator.portal.contacts[1]["EMAIL"][0]["VALUE"] == "m.ivanova@mail.example"


def test_company_update_reference(emulator: Emulator, http: httpx.Client) -> None:
    """Writing the 1C reference into a company bumps DATE_MODIFY."""
    payload = {"id": 2, "fields": {REF: "b5e1c7a0-0001"}}
    assert result_of(http, emulator, "crm.company.update", payload) is True
    company = emulator.portal.companies[2]
    assert company[REF] == "b5e1c7a0-0001"
    assert company["DATE_MODIFY"] > "2026-05-06T12:30:00+03:00"


def test_missing_company_and_contact(emulator: Emulator, http: httpx.Client) -> None:
    """Missing companies and contacts have their own error descriptions."""
    company = post_json(http, emulator, "crm.company.get", {"id": 999})
    assert company.status_code == 400
    assert company.json() == {"error": "", "error_description": "Company is not found"}
    contact = post_json(http, emulator, "crm.contact.update", {"id": 999, "fields": {}})
    assert contact.status_code == 400
    assert contact.json() == {"error": "", "error_description": "Contact is not found"}


def test_contact_filter_by_phone(emulator: Emulator, http: httpx.Client) -> None:
    """A PHONE filter matches any of a contact's numbers."""
    rows = result_of(
        http, emulator, "crm.contact.list", {"filter": {"PHONE": "8 (912) 345-67-89"}}
    )
    assert [row["ID"] for row in rows] == ["1"]


def test_requisites_of_company(emulator: Emulator, http: httpx.Client) -> None:
    """crm.requisite.list filters by entity type and ID."""
    payload = {"filter": {"ENTITY_TYPE_ID": 4, "ENTITY_ID": 1}}
    rows = result_of(http, emulator, "crm.requisite.list", payload)
    assert len(rows) == 1
    assert rows[0]["RQ_INN"] == "7707083893"
    assert rows[0]["RQ_KPP"] == "773601001"
    assert rows[0]["PRESET_ID"] == "1"
    assert rows[0]["ACTIVE"] == "Y"


def test_entrepreneur_requisite(emulator: Emulator, http: httpx.Client) -> None:
    """The entrepreneur's requisite has a 12-digit INN and an OGRNIP."""
    payload = {"filter": {"ENTITY_TYPE_ID": 4, "ENTITY_ID": 2}}
    row = result_of(http, emulator, "crm.requisite.list", payload)[0]
    assert row["PRESET_ID"] == "2"
    assert row["RQ_INN"] == "500100732259"
    assert row["RQ_OGRNIP"] == "304500116000180"
    assert row["RQ_KPP"] is None


def test_default_presets(emulator: Emulator, http: httpx.Client) -> None:
    """The three Russian default templates exist with IDs 1 to 3."""
    rows = result_of(http, emulator, "crm.requisite.preset.list", {})
    by_id = {row["ID"]: row["XML_ID"] for row in rows}
    assert by_id == {
        "1": "#CRM_REQUISITE_PRESET_DEF_RU_COMPANY#",
        "2": "#CRM_REQUISITE_PRESET_DEF_RU_INDIVIDUAL#",
        "3": "#CRM_REQUISITE_PRESET_DEF_RU_PERSON#",
    }


def test_bank_details(emulator: Emulator, http: httpx.Client) -> None:
    """crm.requisite.bankdetail.list filters by requisite ID."""
    rows = result_of(
        http, emulator, "crm.requisite.bankdetail.list", {"filter": {"ENTITY_ID": 1}}
    )
    assert len(rows) == 1
    assert rows[0]["RQ_BIK"] == "044525225"
    assert rows[0]["RQ_ACC_NUM"] == "40702810938000012345"
    assert rows[0]["RQ_COR_ACC_NUM"] == "30101810400000000225"
    assert rows[0]["RQ_BANK_NAME"] == "ПАО Сбербанк"


def test_addresses_of_requisite(emulator: Emulator, http: httpx.Client) -> None:
    """crm.address.list returns legal and actual addresses without IDs."""
    payload = {"filter": {"ENTITY_TYPE_ID": 8, "ENTITY_ID": 1}, "start": -1}
    body = post_json(http, emulator, "crm.address.list", payload).json()
    types = sorted(row["TYPE_ID"] for row in body["result"])
    assert types == ["1", "6"]
    assert "ID" not in body["result"][0]
    assert body["total"] == 0


def test_address_total_is_wrong(emulator: Emulator, http: httpx.Client) -> None:
    """Without start=-1 the address total counts every address."""
    payload = {"filter": {"ENTITY_TYPE_ID": 8, "ENTITY_ID": 1}}
    body = post_json(http, emulator, "crm.address.list", payload).json()
    assert len(body["result"]) == 2
    assert body["total"] == len(emulator.portal.addresses)


def test_flagged_deals_link_counterparties(
    emulator: Emulator, http: httpx.Client
) -> None:
    """The two flagged deals sit in the contract stage with company and contact."""
    payload = {
        "filter": {"UF_CRM_1700000010": 1},
        "select": ["ID", "STAGE_ID", "COMPANY_ID", "CONTACT_ID"],
    }
    rows = result_of(http, emulator, "crm.deal.list", payload)
    assert rows == [
        {"ID": "201", "STAGE_ID": "C1:WON", "COMPANY_ID": "1", "CONTACT_ID": "2"},
        {"ID": "202", "STAGE_ID": "C1:WON", "COMPANY_ID": "2", "CONTACT_ID": "1"},
    ]


def test_company_fields_and_userfields(emulator: Emulator, http: httpx.Client) -> None:
    """Company fields list the reference field and the multi-fields."""
    fields = result_of(http, emulator, "crm.company.fields", {})
    assert fields[REF]["type"] == "string"
    assert fields["PHONE"]["isMultiple"] is True
    entries = result_of(http, emulator, "crm.contact.userfield.list", {})
    assert [entry["FIELD_NAME"] for entry in entries] == [REF]
