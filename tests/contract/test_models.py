"""Typed models built without validation equal those pydantic validates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from exchange.contract.enums import CounterpartyKind, PaymentStatus
from exchange.contract.load import ContractSettings, load_package
from exchange.contract.models import (
    CounterpartiesReceiptPackage,
    CounterpartyCatalogPackage,
    Order,
    OrdersPackage,
)
from tests.contract.documents import (
    ORDER_REF,
    catalog_package,
    encode,
    order,
    orders_package,
    receipt_package,
)

MOSCOW = ZoneInfo("Europe/Moscow")


def test_order_values_normalized() -> None:
    """An order's values come out normalized as the contract defines."""
    record = order(
        ref=ORDER_REF.upper(),
        document_number="  Д-17 ",
        payment_status="оплачен\u00a0ЧАСТИЧНО",
        realization_date="2026-12-01T23:30:00-05:00",
        modified_at="0001-01-01T00:00:00Z",
    )
    del record["posted"]
    del record["deletion_mark"]
    result = load_package(encode(orders_package(record)), "o.json")
    assert isinstance(result.package, OrdersPackage)
    built = result.package.orders[0]
    assert built.ref == ORDER_REF
    assert built.number == record["number"]
    assert built.document_number == "Д-17"
    assert built.parent_ref is None
    assert built.payment_status is PaymentStatus.PARTIALLY_PAID
    assert built.realization_date == date(2026, 12, 1)
    assert built.modified_at is None
    assert built.date == datetime(2026, 2, 27, 9, 30, tzinfo=MOSCOW)
    assert built.posted is True
    assert built.deletion_mark is False


def test_constructed_equals_validated() -> None:
    """The fast construction gives the same package as pydantic validation."""
    result = load_package(encode(orders_package()), "o.json")
    package = result.package
    assert isinstance(package, OrdersPackage)
    validated = OrdersPackage.model_validate(package.model_dump())
    assert validated == package
    assert validated.model_dump() == package.model_dump()
    assert validated.model_fields_set == package.model_fields_set
    assert repr(validated) == repr(package)
    assert type(validated.orders[0]) is Order


def test_models_frozen() -> None:
    """Models cannot be changed after they are built."""
    result = load_package(encode(orders_package()), "o.json")
    assert isinstance(result.package, OrdersPackage)
    with pytest.raises(ValidationError):
        result.package.number = 99  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.package.orders[0].number = "changed"  # type: ignore[misc]


def test_configured_zone_applies() -> None:
    """Date-times follow the configured 1C time zone."""
    zone = ZoneInfo("Asia/Vladivostok")
    result = load_package(
        encode(orders_package()), "o.json", ContractSettings(timezone=zone)
    )
    assert isinstance(result.package, OrdersPackage)
    assert result.package.created_at == datetime(2026, 3, 1, 10, 15, tzinfo=zone)


def test_catalog_model() -> None:
    """A catalog record becomes a CatalogCounterparty with a kind member."""
    result = load_package(encode(catalog_package()), "c.json")
    package = result.package
    assert isinstance(package, CounterpartyCatalogPackage)
    assert package.complete is True
    item = package.counterparties[0]
    assert item.kind is CounterpartyKind.LEGAL_ENTITY
    assert item.phones == ("+7 495 123-45-67",)
    assert item.inn == "7707083893"
    assert CounterpartyCatalogPackage.model_validate(package.model_dump()) == package


def test_receipt_model() -> None:
    """An error result without ref gets None and an empty message."""
    result = load_package(encode(receipt_package()), "r.json")
    package = result.package
    assert isinstance(package, CounterpartiesReceiptPackage)
    error_result = package.results[1]
    assert error_result.status == "error"
    assert error_result.ref is None
    assert error_result.message == ""
    assert CounterpartiesReceiptPackage.model_validate(package.model_dump()) == package
