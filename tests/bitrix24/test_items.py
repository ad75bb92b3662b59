"""Resolution of 1C payment statuses to list items, and deal value encoding."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from exchange.bitrix24.fields import DealFieldCodes, ResolvedDealFields
from exchange.bitrix24.items import ListItem, resolve_payment_items
from exchange.contract.enums import PaymentStatus
from exchange.errors import ConfigError

FIELD = "UF_CRM_1700000002"
ITEMS = [
    ListItem("45", "Не оплачен", "NOT_PAID_X"),
    ListItem("46", "Оплачен частично", "a1b2c3"),
    ListItem("47", "Оплачен полностью", None),
    ListItem("48", "Возврат", "REFUND"),
]


def test_default_matches_presentation_text() -> None:
    """Each status matches the item whose text is its 1C presentation."""
    assert resolve_payment_items(FIELD, ITEMS, {}) == {
        PaymentStatus.NOT_PAID: "45",
        PaymentStatus.PARTIALLY_PAID: "46",
        PaymentStatus.FULLY_PAID: "47",
    }


def test_default_ignores_case_and_white_space() -> None:
    """Items typed with other case and stray spaces still match."""
    items = [
        ListItem("1", " не  ОПЛАЧЕН ", None),
        ListItem("2", "оплачен\u00a0частично", None),
        ListItem("3", "ОплаченПолностью", None),
    ]
    resolved = resolve_payment_items(FIELD, items, {})
    assert resolved[PaymentStatus.NOT_PAID] == "1"
    assert resolved[PaymentStatus.PARTIALLY_PAID] == "2"
    assert resolved[PaymentStatus.FULLY_PAID] == "3"


def test_overrides_by_id_xml_id_and_text() -> None:
    """An override names its item by id, xml_id or text instead of the default."""
    overrides = {
        "НеОплачен": {"id": 48},
        "ОплаченЧастично": {"xml_id": "NOT_PAID_X"},
        "ОплаченПолностью": {"text": "возврат"},
    }
    resolved = resolve_payment_items(FIELD, ITEMS, overrides)
    assert resolved[PaymentStatus.NOT_PAID] == "48"
    assert resolved[PaymentStatus.PARTIALLY_PAID] == "45"
    assert resolved[PaymentStatus.FULLY_PAID] == "48"


def test_missing_item_names_status_and_field() -> None:
    """A status without a matching item raises ConfigError naming it and the table."""
    items = [item for item in ITEMS if item.id != "46"]
    with pytest.raises(ConfigError) as info:
        resolve_payment_items(FIELD, items, {})
    message = str(info.value)
    assert "ОплаченЧастично" in message
    assert FIELD in message
    assert "[bitrix24.payment_status_items]" in message


def test_override_to_unknown_id_raises() -> None:
    """An override whose item does not exist raises ConfigError."""
    with pytest.raises(ConfigError, match="ID 999"):
        resolve_payment_items(FIELD, ITEMS, {"НеОплачен": {"id": 999}})


@pytest.mark.parametrize(
    ("selector", "value"), [("id", 999), ("xml_id", "NOPE"), ("text", "нет")]
)
def test_unknown_override_asks_to_correct_it(selector: str, value: object) -> None:
    """A configured item that is missing is to be corrected, not named again."""
    with pytest.raises(ConfigError) as info:
        resolve_payment_items(FIELD, ITEMS, {"НеОплачен": {selector: value}})
    message = str(info.value)
    assert f"Correct {selector} in [bitrix24.payment_status_items] НеОплачен" in message
    assert "Rename the item" not in message


@pytest.mark.parametrize(
    "overrides",
    [
        {"Оплачен": {"id": 45}},
        {"НеОплачен": {"id": 45, "text": "Не оплачен"}},
        {"НеОплачен": {}},
        {"НеОплачен": {"value": "45"}},
    ],
)
def test_malformed_override_raises(overrides: dict[str, dict[str, object]]) -> None:
    """Unknown keys and overrides without exactly one selector raise ConfigError."""
    with pytest.raises(ConfigError):
        resolve_payment_items(FIELD, ITEMS, overrides)


def test_duplicate_item_texts_raise() -> None:
    """Two items with the same text make the default ambiguous."""
    items = [*ITEMS, ListItem("49", "НЕ ОПЛАЧЕН", None)]
    with pytest.raises(ConfigError, match="2 items"):
        resolve_payment_items(FIELD, items, {})


def make_fields(date_type: str) -> ResolvedDealFields:
    """Build resolved fields with the demo codes and a +03:00 1C time zone."""
    return ResolvedDealFields(
        codes=DealFieldCodes("UF_CRM_1700000001", FIELD, "UF_CRM_1700000003"),
        realization_date_type=date_type,
        payment_status_items={
            PaymentStatus.NOT_PAID: "45",
            PaymentStatus.PARTIALLY_PAID: "46",
            PaymentStatus.FULLY_PAID: "47",
        },
        timezone=ZoneInfo("Europe/Moscow"),
    )


def test_encode_date_field() -> None:
    """A date field takes YYYY-MM-DD, and an empty date clears it with ""."""
    fields = make_fields("date")
    assert fields.encode_realization_date(dt.date(2024, 1, 15)) == "2024-01-15"
    assert fields.encode_realization_date(None) == ""


def test_encode_datetime_field_is_midnight_in_1c_zone() -> None:
    """A datetime field takes midnight of the date in the 1C time zone."""
    fields = make_fields("datetime")
    assert (
        fields.encode_realization_date(dt.date(2024, 1, 15))
        == "2024-01-15T00:00:00+03:00"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-15T03:00:00+03:00", dt.date(2024, 1, 15)),
        ("2024-01-14T19:00:00-05:00", dt.date(2024, 1, 15)),
        ("2024-01-15T10:00:00+10:00", dt.date(2024, 1, 15)),
        ("2024-01-15", dt.date(2024, 1, 15)),
        ("", None),
        (None, None),
        ("15.01.2024", None),
    ],
)
def test_decode_date_field(raw: object, expected: dt.date | None) -> None:
    """A date field's value is midnight UTC in the portal's zone: read it in UTC."""
    assert make_fields("date").decode_realization_date(raw) == expected


def test_decode_datetime_field_in_1c_zone() -> None:
    """A datetime field written as midnight in the 1C zone reads back as that date."""
    fields = make_fields("datetime")
    assert fields.decode_realization_date("2024-01-15T00:00:00+03:00") == dt.date(
        2024, 1, 15
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("46", "46"), (46, "46"), ("", None), (None, None), (["47"], "47"), ([], None)],
)
def test_decode_list_item(raw: object, expected: str | None) -> None:
    """A list field's value reads as its item ID string, None when empty."""
    assert ResolvedDealFields.decode_list_item(raw) == expected


def test_encode_payment_status() -> None:
    """A payment status is sent as its resolved item ID."""
    assert make_fields("date").encode_payment_status(PaymentStatus.FULLY_PAID) == "47"
