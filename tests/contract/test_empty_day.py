"""Values on 0001-01-01, the day of 1C's empty date, in every date field.

1C's empty date is 0001-01-01T00:00:00 exactly, written with or without
``Z`` or an offset. A date-time on that day at any other time is invalid,
and a field that must be set (an order's Дата, every ``created_at``) accepts
no value on that day. A date ignores its time, so any time on that day is
the empty date there.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.contract.enums import PackageKind
from exchange.contract.load import LoadedFile, load_package, validate_outgoing
from exchange.contract.models import OrdersPackage
from exchange.contract.values import (
    is_empty_date_time,
    parse_date,
    parse_date_time,
    parse_required_date_time,
)
from tests.contract.documents import (
    VALID_DOCUMENTS,
    catalog_package,
    encode,
    order,
    orders_package,
    receipt_package,
)

MOSCOW = ZoneInfo("Europe/Moscow")
SHIFTED = "0001-01-01T05:00:00"
SUFFIXES = ["", "Z", "+03:00", "-05:00"]


def load(document: object) -> LoadedFile:
    """Load a document as an incoming file named ``in.json``."""
    return load_package(encode(document), "in.json")


@st.composite
def times_after_midnight(draw: st.DrawFn) -> str:
    """Draw a date-time text on 0001-01-01 that is not midnight."""
    hour = draw(st.integers(0, 23))
    minute = draw(st.integers(0, 59))
    second = draw(st.integers(0, 59))
    fraction = draw(st.sampled_from(["", ".5", ".001", ".000"]))
    if (hour, minute, second) == (0, 0, 0) and fraction in {"", ".000"}:
        second = draw(st.integers(1, 59))
    suffix = draw(st.sampled_from(SUFFIXES))
    return f"0001-01-01T{hour:02d}:{minute:02d}:{second:02d}{fraction}{suffix}"


midnights = st.builds(
    "0001-01-01T00:00:00{}{}".format,
    st.sampled_from(["", ".0", ".000", ".000000"]),
    st.sampled_from(SUFFIXES),
)


@given(midnights)
def test_midnight_forms_are_empty(text: str) -> None:
    """Midnight of 0001-01-01, with a zero fraction, Z or an offset, is empty."""
    assert is_empty_date_time(text)
    assert parse_date_time(text, MOSCOW) is None
    assert parse_date(text) is None


@given(times_after_midnight())
def test_other_times_rejected_by_parser(text: str) -> None:
    """Another time on 0001-01-01 is no empty date, and parse_date_time raises."""
    assert not is_empty_date_time(text)
    with pytest.raises(ValueError, match="only midnight"):
        parse_date_time(text, MOSCOW)


@given(times_after_midnight())
def test_date_ignores_time_on_empty_day(text: str) -> None:
    """A date on 0001-01-01 is empty whatever its time, because dates ignore it."""
    assert parse_date(text) is None


@pytest.mark.parametrize("text", [None, "", "0001-01-01T00:00:00", SHIFTED])
def test_required_parser_rejects_empty(text: str | None) -> None:
    """parse_required_date_time raises for every empty form and the empty day."""
    with pytest.raises(ValueError, match="empty"):
        parse_required_date_time(text, MOSCOW)


@given(times_after_midnight())
def test_order_date_on_empty_day(text: str) -> None:
    """An order date on 0001-01-01 at any time but midnight is rejected."""
    result = load(orders_package(order(date=text, modified_at=None)))
    assert [problem.path for problem in result.problems] == ["/orders/0/date"]
    message = result.problems[0].message
    assert message.startswith("is not a date-time: only 0001-01-01T00:00:00")
    assert "Дата (date) must be set" in message


def test_order_date_message() -> None:
    """The problem names the file, the field, the value and the fix."""
    result = load(orders_package(order(date=SHIFTED)))
    problem = result.problems[0]
    assert problem.value == f'"{SHIFTED}"'
    assert problem.describe("in.json") == (
        'in.json: /orders/0/date: "0001-01-01T05:00:00": is not a date-time: '
        "only 0001-01-01T00:00:00 exactly is 1C's empty date, and another time "
        "on that day most likely comes from converting the empty date to "
        "another time zone; Дата (date) must be set: write the date and time "
        "as YYYY-MM-DDThh:mm:ss"
    )


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_order_date_empty(suffix: str) -> None:
    """An order date that is the empty date itself is rejected as empty."""
    result = load(orders_package(order(date="0001-01-01T00:00:00" + suffix)))
    assert [problem.path for problem in result.problems] == ["/orders/0/date"]
    assert result.problems[0].message == (
        "is 1C's empty date; Дата (date) must be set: write the date and time "
        "as YYYY-MM-DDThh:mm:ss"
    )


def test_modified_at_on_empty_day() -> None:
    """A modified_at at 05:00 on 0001-01-01 is rejected with the fix."""
    result = load(orders_package(order(modified_at=SHIFTED)))
    assert [problem.path for problem in result.problems] == ["/orders/0/modified_at"]
    message = result.problems[0].message
    assert "Дата изменения (modified_at) must be a date-time" in message
    assert message.endswith("write the empty date without converting it")


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_modified_at_empty(suffix: str) -> None:
    """A modified_at that is the empty date is accepted as no date."""
    result = load(orders_package(order(modified_at="0001-01-01T00:00:00" + suffix)))
    assert result.problems == []
    assert isinstance(result.package, OrdersPackage)
    assert result.package.orders[0].modified_at is None


def test_realization_date_on_empty_day() -> None:
    """A realization date of 0001-01-01 at 05:00 is the empty date."""
    result = load(orders_package(order(realization_date=SHIFTED)))
    assert result.problems == []
    assert isinstance(result.package, OrdersPackage)
    assert result.package.orders[0].realization_date is None


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00", SHIFTED])
@pytest.mark.parametrize(
    "document",
    [orders_package(), receipt_package(), catalog_package()],
    ids=["orders", "counterparties_receipt", "counterparty_catalog"],
)
def test_created_at_on_empty_day(text: str, document: dict[str, object]) -> None:
    """Every incoming package must carry a created_at after 0001-01-01."""
    result = load({**document, "created_at": text})
    assert [problem.path for problem in result.problems] == ["/created_at"]
    assert "Дата создания (created_at) must be set" in result.problems[0].message


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00", SHIFTED])
@pytest.mark.parametrize("kind", ["orders_receipt", "counterparties", "rejection"])
def test_outgoing_created_at_on_empty_day(text: str, kind: str) -> None:
    """validate_outgoing rejects an outgoing created_at on 0001-01-01."""
    document = {**VALID_DOCUMENTS[kind](), "created_at": text}
    problems = validate_outgoing(PackageKind(kind), document)
    assert [problem.path for problem in problems] == ["/created_at"]
    assert "must be set" in problems[0].message
