"""Length limits of the contract's strings and the messages that explain them.

An order's Номер (``number``) and Номер документа (``document_number``)
allow at most 128 characters, counted before trimming. A rejection lists
each offending value shortened to at most 80 characters.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.contract.enums import PackageKind
from exchange.contract.load import LoadedFile, load_package, validate_outgoing
from exchange.contract.models import OrdersPackage
from exchange.contract.problems import show_value
from tests.contract.documents import VALID_DOCUMENTS, encode, order, orders_package

LIMIT = 128
FIELDS = [("number", "Номер"), ("document_number", "Номер документа")]


def load(*orders: dict[str, object]) -> LoadedFile:
    """Load an orders package of ``orders`` as the file ``orders.json``."""
    return load_package(encode(orders_package(*orders)), "orders.json")


@pytest.mark.parametrize(("field", "_title"), FIELDS)
def test_limit_accepted(field: str, _title: str) -> None:
    """A value of exactly 128 characters is accepted and kept whole."""
    text = "ТЛ" + "0" * (LIMIT - 2)
    result = load(order(**{field: text}))
    assert result.problems == []
    assert isinstance(result.package, OrdersPackage)
    assert getattr(result.package.orders[0], field) == text


@pytest.mark.parametrize(("field", "title"), FIELDS)
def test_over_limit_rejected(field: str, title: str) -> None:
    """A value of 129 characters is rejected with its length, the rule and the fix."""
    text = "Д" * (LIMIT + 1)
    result = load(order(**{field: text}))
    assert [problem.path for problem in result.problems] == [f"/orders/0/{field}"]
    problem = result.problems[0]
    assert problem.message == (
        f"is 129 characters long; {title} ({field}) must be at most 128 "
        "characters long: check which 1C attribute the processing writes into it"
    )


def test_over_limit_value_shortened() -> None:
    """The offending value is shown as JSON text cut to 80 characters."""
    text = "Д" * 500
    problem = load(order(number=text)).problems[0]
    assert problem.value == '"' + "Д" * 78 + "…"
    assert len(problem.value) == 80
    assert problem.describe("orders.json").startswith(
        'orders.json: /orders/0/number: "ДДД'
    )


def test_padding_counts_before_trim() -> None:
    """Spaces around Номер документа count toward the limit, before trimming."""
    padded = " ТЛ-000101" + " " * (LIMIT - 10)
    accepted = load(order(document_number=padded))
    assert isinstance(accepted.package, OrdersPackage)
    assert accepted.package.orders[0].document_number == "ТЛ-000101"
    rejected = load(order(document_number=padded + " "))
    assert [p.path for p in rejected.problems] == ["/orders/0/document_number"]


@given(st.integers(min_value=0, max_value=2 * LIMIT))
def test_length_verdict(length: int) -> None:
    """A number is accepted exactly when it has at most 128 characters."""
    result = load(order(number="№" * length))
    assert (result.problems == []) is (length <= LIMIT)


def test_limits_in_every_order() -> None:
    """Every order over the limit is listed, in document order."""
    result = load(
        order(ref="aaaaaaaa-0000-4000-8000-000000000001", number="x" * 200),
        order(ref="bbbbbbbb-0000-4000-8000-000000000002"),
        order(ref="cccccccc-0000-4000-8000-000000000003", document_number="y" * 129),
    )
    assert [problem.path for problem in result.problems] == [
        "/orders/0/number",
        "/orders/2/document_number",
    ]


def test_rejection_value_limit() -> None:
    """A rejection whose listed value exceeds 80 characters is not written."""
    document = VALID_DOCUMENTS["rejection"]()
    document["errors"][0]["value"] = "x" * 81
    problems = validate_outgoing(PackageKind.REJECTION, document)
    assert [problem.path for problem in problems] == ["/errors/0/value"]
    assert problems[0].message == (
        "is 81 characters long; Значение (value) must be at most 80 characters long"
    )


@given(st.text(min_size=0, max_size=300))
def test_shown_values_fit_rejection(text: str) -> None:
    """show_value output fits the rejection's limit on value."""
    document = VALID_DOCUMENTS["rejection"]()
    document["errors"][0]["value"] = show_value(text)
    assert validate_outgoing(PackageKind.REJECTION, document) == []
