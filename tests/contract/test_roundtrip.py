"""Every schema accepts generated valid documents; incoming ones become models."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.contract.enums import PackageKind
from exchange.contract.load import load_package, validate_outgoing
from exchange.contract.models import (
    CounterpartiesReceiptPackage,
    CounterpartyCatalogPackage,
    OrdersPackage,
)
from exchange.contract.schemas import (
    common_schema,
    detailed_validator,
    fast_validator,
    field_schema,
    schema_for,
)
from tests.contract.documents import DOCUMENT_STRATEGIES, VALID_DOCUMENTS, encode

FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("kind", list(PackageKind))
def test_fixed_document_valid(kind: PackageKind) -> None:
    """The hand-written example of each kind passes both validators."""
    document = VALID_DOCUMENTS[kind.value]()
    assert list(detailed_validator(kind).iter_errors(document)) == []
    assert fast_validator(kind).is_valid(document)


@FAST
@given(st.data())
def test_orders_roundtrip(data: st.DataObject) -> None:
    """Generated orders packages validate and build normalized models."""
    document = data.draw(DOCUMENT_STRATEGIES["orders"])
    result = load_package(encode(document), "orders.json")
    assert result.problems == [], result.problems
    package = result.package
    assert isinstance(package, OrdersPackage)
    assert len(package.orders) == len(document["orders"])
    for model, raw in zip(package.orders, document["orders"], strict=True):
        assert model.ref == raw["ref"].lower()
        assert model.date.tzinfo is not None
        assert model.parent_ref is None or model.parent_ref == raw["parent_ref"].lower()
        assert model.deletion_mark is raw.get("deletion_mark", False)
        assert model.posted is raw.get("posted", True)


@FAST
@given(st.data())
def test_catalog_roundtrip(data: st.DataObject) -> None:
    """Generated catalogs validate and build models."""
    document = data.draw(DOCUMENT_STRATEGIES["counterparty_catalog"])
    result = load_package(encode(document), "catalog.json")
    assert result.problems == [], result.problems
    package = result.package
    assert isinstance(package, CounterpartyCatalogPackage)
    assert package.complete is document.get("complete", False)
    assert len(package.counterparties) == len(document["counterparties"])


@FAST
@given(st.data())
def test_receipt_roundtrip(data: st.DataObject) -> None:
    """Generated counterparties receipts validate and build models."""
    document = data.draw(DOCUMENT_STRATEGIES["counterparties_receipt"])
    result = load_package(encode(document), "receipt.json")
    assert result.problems == [], result.problems
    package = result.package
    assert isinstance(package, CounterpartiesReceiptPackage)
    assert package.in_reply_to == document["in_reply_to"].lower()
    for model, raw in zip(package.results, document["results"], strict=True):
        assert model.message == (raw["message"] or "")


@FAST
@given(st.data())
@pytest.mark.parametrize("kind", ["counterparties", "orders_receipt", "rejection"])
def test_outgoing_roundtrip(kind: str, data: st.DataObject) -> None:
    """Generated outgoing packages pass validate_outgoing."""
    document = data.draw(DOCUMENT_STRATEGIES[kind])
    assert validate_outgoing(PackageKind(kind), document) == []


def test_outgoing_count_checked() -> None:
    """A count that differs from the records is reported for outgoing files."""
    document: dict[str, Any] = VALID_DOCUMENTS["orders_receipt"]()
    document["count"] = 2
    problems = validate_outgoing(PackageKind.ORDERS_RECEIPT, document)
    assert [problem.path for problem in problems] == ["/count"]


def test_outgoing_rejects_null_string() -> None:
    """Outgoing strings are "" when unknown, never null."""
    document: dict[str, Any] = VALID_DOCUMENTS["counterparties"]()
    document["counterparties"][0]["kpp"] = None
    problems = validate_outgoing(PackageKind.COUNTERPARTIES, document)
    assert [problem.path for problem in problems] == ["/counterparties/0/kpp"]


def test_outgoing_review_needs_candidates() -> None:
    """Action review without candidates breaks the schema."""
    document: dict[str, Any] = VALID_DOCUMENTS["counterparties"]()
    document["counterparties"][0]["action"] = "review"
    problems = validate_outgoing(PackageKind.COUNTERPARTIES, document)
    assert [problem.path for problem in problems] == [
        "/counterparties/0/match/candidates"
    ]


def test_incoming_kind_not_outgoing() -> None:
    """validate_outgoing refuses a kind that only 1C writes."""
    with pytest.raises(ValueError, match="incoming kind"):
        validate_outgoing(PackageKind.ORDERS, {})


def _titles_missing(schema: Any, where: str) -> list[str]:
    """List properties without a title or description, skipping conditions."""
    missing = []
    if isinstance(schema, dict):
        for name, field in schema.get("properties", {}).items():
            resolved = {**_common_definition(field.get("$ref", "")), **field}
            if "title" not in resolved or "description" not in resolved:
                missing.append(f"{where}/{name}")
        for key, value in schema.items():
            if key in {"if", "then", "else"}:
                continue
            if key == "properties":
                for name, field in value.items():
                    missing.extend(_titles_missing(field, f"{where}/{name}"))
            else:
                missing.extend(_titles_missing(value, f"{where}/{key}"))
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            missing.extend(_titles_missing(item, f"{where}/{index}"))
    return missing


def _common_definition(ref: str) -> dict[str, Any]:
    prefix = "common.schema.json#/$defs/"
    if not ref.startswith(prefix):
        return {}
    return dict(common_schema()["$defs"][ref.removeprefix(prefix)])


@pytest.mark.parametrize("kind", list(PackageKind))
def test_every_field_titled(kind: PackageKind) -> None:
    """Every property has a title (the 1C attribute) and a description."""
    assert _titles_missing(schema_for(kind), kind.value) == []
    assert field_schema(kind, ("package_id",))["title"] == "Идентификатор пакета"
