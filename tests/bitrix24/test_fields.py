"""Resolution of the configured deal fields against the emulator."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from exchange.bitrix24 import DealFieldCodes, resolve_deal_fields
from exchange.contract.enums import PaymentStatus
from exchange.emulator import Emulator
from exchange.errors import ConfigError
from tests.bitrix24.conftest import ClientFactory
from tests.fixtures.emulator import EmulatorFactory

MOSCOW = ZoneInfo("Europe/Moscow")
CODES = DealFieldCodes(
    document_number="UF_CRM_1700000001",
    payment_status="UF_CRM_1700000002",
    realization_date="UF_CRM_1700000003",
)


def test_demo_fields_resolve(emulator: Emulator, client_factory: ClientFactory) -> None:
    """The demo portal's fields resolve, with items 45, 46, 47 matched by text."""
    client = client_factory(emulator.webhook_url)
    fields = resolve_deal_fields(client, CODES, None, MOSCOW)
    assert fields.realization_date_type == "date"
    assert dict(fields.payment_status_items) == {
        PaymentStatus.NOT_PAID: "45",
        PaymentStatus.PARTIALLY_PAID: "46",
        PaymentStatus.FULLY_PAID: "47",
    }
    assert client.requests_sent == 1


def test_override_by_xml_id(emulator: Emulator, client_factory: ClientFactory) -> None:
    """An override by XML_ID uses the XML_ID that crm.deal.userfield.list reports."""
    client = client_factory(emulator.webhook_url)
    overrides = {"НеОплачен": {"xml_id": "5e1b7d92c04a4f6e8b3d2a9c7f1e0b64"}}
    fields = resolve_deal_fields(client, CODES, overrides, MOSCOW)
    assert fields.payment_status_items[PaymentStatus.NOT_PAID] == "46"


@pytest.mark.parametrize(
    ("setting", "code"),
    [
        ("document_number", "UF_CRM_404"),
        ("payment_status", "UF_CRM_405"),
        ("realization_date", "UF_CRM_406"),
    ],
)
def test_missing_field_names_code_and_setting(
    emulator: Emulator, client_factory: ClientFactory, setting: str, code: str
) -> None:
    """A field code the portal lacks raises ConfigError naming it and its setting."""
    client = client_factory(emulator.webhook_url)
    codes = DealFieldCodes(**{**CODES.__dict__, setting: code})
    with pytest.raises(ConfigError) as info:
        resolve_deal_fields(client, codes, None, MOSCOW)
    assert code in str(info.value)
    assert f"[bitrix24.deal_fields] {setting}" in str(info.value)


def test_field_of_wrong_type(emulator: Emulator, client_factory: ClientFactory) -> None:
    """A payment status field that is not a list raises ConfigError with both types."""
    client = client_factory(emulator.webhook_url)
    codes = DealFieldCodes(**{**CODES.__dict__, "payment_status": "UF_CRM_1700000001"})
    with pytest.raises(ConfigError, match="'string', expected enumeration"):
        resolve_deal_fields(client, codes, None, MOSCOW)


def seed_with(
    fields: dict[str, object], deals: list[dict[str, object]]
) -> dict[str, object]:
    """Build a seed with deal custom fields and deals."""
    return {
        "portal": {"timezone": "Europe/Moscow"},
        "fields": {"deal": fields},
        "deals": deals,
    }


def test_item_missing_on_portal(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """A payment status without a list item raises ConfigError naming the status."""
    seed = seed_with(
        {
            "UF_CRM_1700000001": {"type": "string"},
            "UF_CRM_1700000002": {
                "type": "enumeration",
                "items": [
                    {"ID": 1, "VALUE": "не оплачен"},
                    {"ID": 2, "VALUE": "Оплачен  ЧАСТИЧНО"},
                ],
            },
            "UF_CRM_1700000003": {"type": "date"},
        },
        [],
    )
    emulator = emulator_factory(seed=seed)
    client = client_factory(emulator.webhook_url)
    with pytest.raises(ConfigError, match="ОплаченПолностью"):
        resolve_deal_fields(client, CODES, None, MOSCOW)


def test_date_round_trip(emulator: Emulator, client_factory: ClientFactory) -> None:
    """A date written to a date field reads back as the same date."""
    client = client_factory(emulator.webhook_url)
    fields = resolve_deal_fields(client, CODES, None, MOSCOW)
    value = fields.encode_realization_date(dt.date(2024, 1, 15))
    client.call(
        "crm.deal.update", {"id": 101, "fields": {CODES.realization_date: value}}
    )
    raw = client.call("crm.deal.get", {"id": 101}).result[CODES.realization_date]
    assert fields.decode_realization_date(raw) == dt.date(2024, 1, 15)


def test_datetime_round_trip(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """A date written to a datetime field as 1C midnight reads back as that date."""
    seed = seed_with(
        {
            "UF_CRM_1700000001": {"type": "string"},
            "UF_CRM_1700000002": {
                "type": "enumeration",
                "items": [
                    {"ID": 1, "VALUE": "Не оплачен"},
                    {"ID": 2, "VALUE": "Оплачен частично"},
                    {"ID": 3, "VALUE": "Оплачен полностью"},
                ],
            },
            "UF_CRM_1700000003": {"type": "datetime"},
        },
        [{"ID": 7, "TITLE": "t", "UF_CRM_1700000001": "N-7"}],
    )
    emulator = emulator_factory(seed=seed)
    client = client_factory(emulator.webhook_url)
    fields = resolve_deal_fields(client, CODES, None, ZoneInfo("Asia/Vladivostok"))
    assert fields.realization_date_type == "datetime"
    value = fields.encode_realization_date(dt.date(2024, 3, 1))
    assert value == "2024-03-01T00:00:00+10:00"
    client.call("crm.deal.update", {"id": 7, "fields": {CODES.realization_date: value}})
    raw = client.call("crm.deal.get", {"id": 7}).result[CODES.realization_date]
    assert fields.decode_realization_date(raw) == dt.date(2024, 3, 1)
