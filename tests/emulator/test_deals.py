"""Deal methods: list filters and paging, get, update and field metadata."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from exchange.emulator import Emulator
from tests.emulator.conftest import post_json

DOC = "UF_CRM_1700000001"
PAYMENT = "UF_CRM_1700000002"
REALIZATION = "UF_CRM_1700000003"
FLAG = "UF_CRM_1700000010"
NOT_FOUND = {"error": "", "error_description": "Not found"}


def list_ids(
    http: httpx.Client, emulator: Emulator, payload: dict[str, Any]
) -> list[int]:
    """Return the IDs of one crm.deal.list page."""
    payload = {"select": ["ID"], **payload}
    body = post_json(http, emulator, "crm.deal.list", payload).json()
    return [int(row["ID"]) for row in body["result"]]


def test_filter_by_document_number(emulator: Emulator, http: httpx.Client) -> None:
    """An exact filter on the number finds both deals sharing it."""
    ids = list_ids(http, emulator, {"filter": {DOC: "ТЛ-000106"}})
    assert ids == [106, 107]


def test_exact_filter_misses_spaces(emulator: Emulator, http: httpx.Client) -> None:
    """The exact filter misses a number typed with stray spaces."""
    assert list_ids(http, emulator, {"filter": {f"={DOC}": "ТЛ-000105"}}) == []


def test_substring_filter_case_insensitive(
    emulator: Emulator, http: httpx.Client
) -> None:
    """``%`` finds a substring regardless of case and stray spaces."""
    assert list_ids(http, emulator, {"filter": {f"%{DOC}": "тл-000105"}}) == [105]


def test_in_filter_on_custom_field(emulator: Emulator, http: httpx.Client) -> None:
    """``@`` with an array returns every deal with one of the numbers."""
    numbers = ["ТЛ-000101", "ТЛ-000106", "ТЛ-000199"]
    ids = list_ids(http, emulator, {"filter": {f"@{DOC}": numbers}})
    assert ids == [101, 106, 107]


def test_not_in_and_not_equal(emulator: Emulator, http: httpx.Client) -> None:
    """``!@`` and ``!`` exclude the listed values."""
    filter_ = {"@ID": [101, 102, 103], f"!@{DOC}": ["ТЛ-000101"], "!ID": 103}
    assert list_ids(http, emulator, {"filter": filter_}) == [102]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (">ID", [108, 109]),
        (">=ID", [107, 108, 109]),
        ("<ID", [101]),
        ("<=ID", [101, 102]),
    ],
)
def test_range_operators(
    emulator: Emulator, http: httpx.Client, key: str, expected: list[int]
) -> None:
    """Comparison prefixes compare IDs as numbers."""
    bound = {">ID": 107, ">=ID": 107, "<ID": 102, "<=ID": 102}[key]
    filter_ = {key: bound, "@ID": list(range(101, 110))}
    assert list_ids(http, emulator, {"filter": filter_}) == expected


def test_unknown_filter_key_dropped(emulator: Emulator, http: httpx.Client) -> None:
    """A misspelled filter key is dropped, so the list is unfiltered."""
    body = post_json(
        http, emulator, "crm.deal.list", {"filter": {"UF_CRM_TYPO": "ТЛ-000101"}}
    ).json()
    assert body["total"] == len(emulator.portal.deals)


def test_boolean_flag_filter(emulator: Emulator, http: httpx.Client) -> None:
    """The boolean flag filters with ``1`` and reads back as "1"."""
    payload = {"filter": {FLAG: 1}, "select": ["ID", FLAG]}
    body = post_json(http, emulator, "crm.deal.list", payload).json()
    assert body["result"] == [{"ID": "201", FLAG: "1"}, {"ID": "202", FLAG: "1"}]


def test_date_filter(emulator: Emulator, http: httpx.Client) -> None:
    """A date field filters by its date."""
    assert list_ids(http, emulator, {"filter": {REALIZATION: "2026-11-20"}}) == [109]
    assert list_ids(http, emulator, {"filter": {f">{REALIZATION}": "2026-11-20"}}) == []


def test_paging_total_and_next(emulator: Emulator, http: httpx.Client) -> None:
    """Pages hold 50 rows, with ``next`` while rows remain and ``total``."""
    total = len(emulator.portal.deals)
    first = post_json(http, emulator, "crm.deal.list", {"select": ["ID"]}).json()
    assert len(first["result"]) == 50
    assert first["total"] == total
    assert first["next"] == 50
    last = post_json(
        http, emulator, "crm.deal.list", {"select": ["ID"], "start": 100}
    ).json()
    assert len(last["result"]) == total - 100
    assert "next" not in last


def test_start_rounded_down(emulator: Emulator, http: httpx.Client) -> None:
    """``start`` 73 is read as 50."""
    assert list_ids(http, emulator, {"start": 73}) == list_ids(
        http, emulator, {"start": 50}
    )
    assert (
        list_ids(http, emulator, {"start": 73})[0] == sorted(emulator.portal.deals)[50]
    )


def test_start_minus_one(emulator: Emulator, http: httpx.Client) -> None:
    """``start=-1`` returns a page with ``total`` 0 and no ``next``."""
    payload = {
        "start": -1,
        "order": {"ID": "ASC"},
        "filter": {">ID": 1000},
        "select": ["ID"],
    }
    body = post_json(http, emulator, "crm.deal.list", payload).json()
    assert len(body["result"]) == 50
    assert body["result"][0]["ID"] == "1001"
    assert body["total"] == 0
    assert "next" not in body


def test_order_descending(emulator: Emulator, http: httpx.Client) -> None:
    """``order`` sorts by the named field."""
    ids = list_ids(http, emulator, {"order": {"ID": "DESC"}, "filter": {"<ID": 110}})
    assert ids == list(range(109, 100, -1))


def test_select_variants(emulator: Emulator, http: httpx.Client) -> None:
    """``*`` gives standard fields only, ``UF_*`` adds custom ones."""
    star = post_json(
        http, emulator, "crm.deal.list", {"select": ["*"], "filter": {"ID": 101}}
    )
    row = star.json()["result"][0]
    assert "TITLE" in row
    assert "STAGE_ID" in row
    assert DOC not in row
    both = post_json(
        http,
        emulator,
        "crm.deal.list",
        {"select": ["*", "UF_*"], "filter": {"ID": 101}},
    )
    assert both.json()["result"][0][DOC] == "ТЛ-000101"
    named = post_json(
        http,
        emulator,
        "crm.deal.list",
        {"select": [DOC, "NOPE"], "filter": {"ID": 101}},
    )
    assert named.json()["result"] == [{"ID": "101", DOC: "ТЛ-000101"}]


def test_get_missing_deal(emulator: Emulator, http: httpx.Client) -> None:
    """crm.deal.get of a missing deal is HTTP 400 "Not found"."""
    response = post_json(http, emulator, "crm.deal.get", {"id": 999999})
    assert response.status_code == 400
    assert response.json() == NOT_FOUND


def test_update_missing_deal(emulator: Emulator, http: httpx.Client) -> None:
    """crm.deal.update of a missing deal is HTTP 400 "Not found"."""
    response = post_json(
        http, emulator, "crm.deal.update", {"id": 999999, "fields": {"TITLE": "x"}}
    )
    assert response.status_code == 400
    assert response.json() == NOT_FOUND


def test_update_date_reads_back_in_zone(emulator: Emulator, http: httpx.Client) -> None:
    """A date written as YYYY-MM-DD reads back as midnight UTC in Moscow."""
    payload = {"id": 101, "fields": {REALIZATION: "2024-01-15", PAYMENT: 46}}
    response = post_json(http, emulator, "crm.deal.update", payload)
    assert response.json()["result"] is True
    deal = post_json(http, emulator, "crm.deal.get", {"id": 101}).json()["result"]
    assert deal[REALIZATION] == "2024-01-15T03:00:00+03:00"
    assert deal[PAYMENT] == "46"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("15.01.2024", "2024-01-15T03:00:00+03:00"),
        ("01/02/2024", "2024-01-02T03:00:00+03:00"),
        ("2024-01-15T00:00:00+03:00", "2024-01-15T03:00:00+03:00"),
    ],
)
def test_other_date_forms(
    emulator: Emulator, http: httpx.Client, written: str, expected: str
) -> None:
    """strtotime-style forms are read; 01/02/2024 is 2 January."""
    post_json(
        http, emulator, "crm.deal.update", {"id": 101, "fields": {REALIZATION: written}}
    )
    assert emulator.portal.deals[101][REALIZATION] == expected


def test_date_clear_and_null(emulator: Emulator, http: httpx.Client) -> None:
    """``""`` clears a date; null and an unparsable date are ignored."""
    stored = "2026-11-20T03:00:00+03:00"
    assert emulator.portal.deals[109][REALIZATION] == stored
    for ignored in (None, "not a date", "2024-13-45"):
        post_json(
            http,
            emulator,
            "crm.deal.update",
            {"id": 109, "fields": {REALIZATION: ignored}},
        )
        assert emulator.portal.deals[109][REALIZATION] == stored
    post_json(
        http, emulator, "crm.deal.update", {"id": 109, "fields": {REALIZATION: ""}}
    )
    assert emulator.portal.deals[109][REALIZATION] == ""


def test_update_ignores_unknown_and_bad_values(
    emulator: Emulator, http: httpx.Client
) -> None:
    """Unknown fields, read-only fields and unknown list items change nothing."""
    before = dict(emulator.portal.deals[109])
    fields = {"UF_CRM_9999": "x", "ID": 5, "DATE_CREATE": "2020-01-01", PAYMENT: 999}
    response = post_json(
        http, emulator, "crm.deal.update", {"id": 109, "fields": fields}
    )
    assert response.json()["result"] is True
    after = emulator.portal.deals[109]
    assert {k: v for k, v in after.items() if k not in {"DATE_MODIFY"}} == {
        k: v for k, v in before.items() if k not in {"DATE_MODIFY"}
    }


def test_update_bumps_date_modify(emulator: Emulator, http: httpx.Client) -> None:
    """Every update moves DATE_MODIFY from the seed's value to now."""
    assert emulator.portal.deals[102]["DATE_MODIFY"] == "2026-05-06T12:30:00+03:00"
    params = {"REGISTER_SONET_EVENT": "N"}
    payload = {"id": 102, "fields": {"TITLE": "T"}, "params": params}
    post_json(http, emulator, "crm.deal.update", payload)
    assert emulator.portal.deals[102]["DATE_MODIFY"] > "2026-05-06T12:30:00+03:00"


def test_datetime_field_keeps_instant(
    emulator_factory: Any, http: httpx.Client
) -> None:
    """A datetime field stores the instant, rendered in the portal's zone."""
    seed = {"fields": {"deal": {"UF_CRM_DT": {"type": "datetime", "label": "Когда"}}}}
    emulator = emulator_factory(seed)
    deal_id = emulator.portal.add_deal(TITLE="x")
    payload = {"id": deal_id, "fields": {"UF_CRM_DT": "2024-01-15T00:00:00+05:00"}}
    post_json(http, emulator, "crm.deal.update", payload)
    assert emulator.portal.deals[deal_id]["UF_CRM_DT"] == "2024-01-14T22:00:00+03:00"


def test_fields_describe_custom_fields(emulator: Emulator, http: httpx.Client) -> None:
    """crm.deal.fields lists types, flags and enumeration items."""
    fields = post_json(http, emulator, "crm.deal.fields", {}).json()["result"]
    payment = fields[PAYMENT]
    assert payment["type"] == "enumeration"
    assert payment["isRequired"] is False
    assert payment["isReadOnly"] is False
    assert payment["isMultiple"] is False
    assert payment["listLabel"] == "Статус оплаты"
    assert payment["items"] == [
        {"ID": "45", "VALUE": "Не оплачен"},
        {"ID": "46", "VALUE": "Оплачен частично"},
        {"ID": "47", "VALUE": "Оплачен полностью"},
    ]
    assert fields[REALIZATION]["type"] == "date"
    assert fields[FLAG]["type"] == "boolean"
    assert fields["ID"]["isReadOnly"] is True
    assert fields["TITLE"]["title"] == "Название"


def test_userfield_list_by_name(emulator: Emulator, http: httpx.Client) -> None:
    """crm.deal.userfield.list filters by FIELD_NAME and lists items."""
    payload = {"filter": {"FIELD_NAME": PAYMENT}}
    entries = post_json(http, emulator, "crm.deal.userfield.list", payload).json()[
        "result"
    ]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["FIELD_NAME"] == PAYMENT
    assert entry["USER_TYPE_ID"] == "enumeration"
    assert [item["VALUE"] for item in entry["LIST"]] == [
        "Не оплачен",
        "Оплачен частично",
        "Оплачен полностью",
    ]
    assert set(entry["LIST"][0]) == {"ID", "SORT", "VALUE", "DEF", "XML_ID"}
    assert entry["LIST"][2]["XML_ID"] == "c8d24f6a1e9b47035f2e8a1b6d9c3e50"


def test_userfield_list_all(emulator: Emulator, http: httpx.Client) -> None:
    """Without a filter every custom deal field is listed with its type."""
    entries = post_json(http, emulator, "crm.deal.userfield.list", {}).json()["result"]
    types = {entry["FIELD_NAME"]: entry["USER_TYPE_ID"] for entry in entries}
    assert types == {
        DOC: "string",
        PAYMENT: "enumeration",
        REALIZATION: "date",
        FLAG: "boolean",
    }


IN_FILTER = {"filter": {f"@{DOC}": ["ТЛ-000101", "ТЛ-000102"]}, "select": ["ID"]}


def test_in_operator_supported(emulator_factory: Any, http: httpx.Client) -> None:
    """With ``supported`` the ``@`` filter on a custom field filters."""
    emulator = emulator_factory(in_operator_on_uf="supported")
    body = post_json(http, emulator, "crm.deal.list", IN_FILTER).json()
    assert [row["ID"] for row in body["result"]] == ["101", "102"]


def test_in_operator_ignored(emulator_factory: Any, http: httpx.Client) -> None:
    """With ``ignored`` the ``@`` key is dropped and the list is unfiltered."""
    emulator = emulator_factory(in_operator_on_uf="ignored")
    body = post_json(http, emulator, "crm.deal.list", IN_FILTER).json()
    assert body["total"] == len(emulator.portal.deals)
    standard = {"filter": {"@ID": [101, 102]}, "select": ["ID"]}
    assert post_json(http, emulator, "crm.deal.list", standard).json()["total"] == 2


def test_in_operator_error(emulator_factory: Any, http: httpx.Client) -> None:
    """With ``error`` the list fails with HTTP 400."""
    emulator = emulator_factory(in_operator_on_uf="error")
    response = post_json(http, emulator, "crm.deal.list", IN_FILTER)
    assert response.status_code == 400
    assert "error" in response.json()
    assert "time" not in response.json()
