"""The shortcuts of the orders build give the results of the general parsers."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from exchange import jsonio
from exchange.contract.build import build_package
from exchange.contract.enums import PackageKind
from exchange.contract.load import HASH_THREAD_MIN_BYTES, LoadedFile, load_package
from exchange.contract.models import OrdersPackage
from exchange.contract.values import parse_date_time, parse_required_date_time
from tests.contract.documents import encode, order, orders_package

MOSCOW = ZoneInfo("Europe/Moscow")
BOM = b"\xef\xbb\xbf"
REF_A = "aaaaaaaa-0000-4000-8000-000000000001"
REF_B = "bbbbbbbb-0000-4000-8000-000000000002"
REF_C = "cccccccc-0000-4000-8000-000000000003"


def load(*orders: dict[str, object]) -> LoadedFile:
    """Load an orders package of ``orders`` as 1C writes it."""
    return load_package(BOM + encode(orders_package(*orders)), "orders.json")


def problem_paths(result: LoadedFile) -> list[str]:
    """Return the paths of the contract violations of a rejected file."""
    assert result.package is None
    return [problem.path for problem in result.problems]


@st.composite
def date_time_texts(draw: st.DrawFn) -> str:
    """Draw date-times that match the schema pattern, some not on the calendar."""
    text = (
        f"{draw(st.integers(1, 9999)):04d}-{draw(st.integers(1, 12)):02d}-"
        f"{draw(st.integers(1, 31)):02d}T{draw(st.integers(0, 23)):02d}:"
        f"{draw(st.integers(0, 59)):02d}:{draw(st.integers(0, 59)):02d}"
    )
    fraction = draw(st.sampled_from(["", ".5", ".250", ".123456"]))
    offset = draw(st.sampled_from(["", "", "Z", "+03:00", "-05:30"]))
    return text + fraction + offset


@settings(max_examples=150, deadline=None)
@given(text=date_time_texts())
@example(text="0001-01-01T00:00:00")
@example(text="0001-01-01T05:00:00")
@example(text="0001-01-01T00:00:00+03:00")
@example(text="0001-01-02T00:00:00")
@example(text="0001-01-02T00:00:00+03:00")
def test_order_date_matches_parser(text: str) -> None:
    """An order date equals parse_required_date_time of its text, or is reported."""
    result = load(order(date=text, modified_at=None))
    try:
        expected = parse_required_date_time(text, MOSCOW)
    except ValueError:
        assert problem_paths(result) == ["/orders/0/date"]
        return
    assert isinstance(result.package, OrdersPackage)
    built = result.package.orders[0].date
    assert built == expected
    assert built.tzinfo is expected.tzinfo
    assert built.utcoffset() == expected.utcoffset()


@settings(max_examples=100, deadline=None)
@given(text=date_time_texts())
@example(text="0001-01-01T00:00:00")
@example(text="0001-01-01T00:00:00Z")
@example(text="0001-01-01T00:00:00.000+05:00")
@example(text="0001-01-01T05:00:00")
@example(text="0001-01-01T00:00:00.5")
def test_modified_at_matches_parser(text: str) -> None:
    """A modified_at equals parse_date_time of its text, or is reported."""
    result = load(order(modified_at=text))
    try:
        expected = parse_date_time(text, MOSCOW)
    except ValueError:
        assert problem_paths(result) == ["/orders/0/modified_at"]
        return
    assert isinstance(result.package, OrdersPackage)
    assert result.package.orders[0].modified_at == expected


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00", "0001-01-01T05:00:00", "0001-01-01T00:00:00Z"]
)
def test_build_reports_empty_day_date(text: str) -> None:
    """Without the schema pass, an order date on 0001-01-01 is reported, not None."""
    document = orders_package(order(date=text, modified_at=text))
    package, problems = build_package(PackageKind.ORDERS, document, MOSCOW)
    assert package is None
    assert problems[0].path == "/orders/0/date"
    assert problems[0].value == f'"{text}"'
    assert "must be set" in problems[0].message


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00", "0001-01-01T05:00:00"])
def test_build_reports_empty_day_created_at(text: str) -> None:
    """Without the schema pass, a created_at on 0001-01-01 is reported, not None."""
    document = {**orders_package(), "created_at": text}
    package, problems = build_package(PackageKind.ORDERS, document, MOSCOW)
    assert package is None
    assert [problem.path for problem in problems] == ["/created_at"]
    assert "Дата создания (created_at) must be set" in problems[0].message


def test_local_order_date_in_base_zone() -> None:
    """A date-time without offset is local time of the 1C base's zone."""
    result = load(order(date="2026-02-27T09:30:00"))
    assert isinstance(result.package, OrdersPackage)
    built = result.package.orders[0].date
    assert built == datetime(2026, 2, 27, 9, 30, tzinfo=MOSCOW)
    assert built.utcoffset() is not None
    assert built.tzinfo is MOSCOW


def test_modified_at_same_text_as_date() -> None:
    """A modified_at with the date's text gets the same date-time."""
    text = "2026-03-01T08:15:30"
    result = load(order(date=text, modified_at=text))
    assert isinstance(result.package, OrdersPackage)
    built = result.package.orders[0]
    assert built.modified_at == datetime(2026, 3, 1, 8, 15, 30, tzinfo=MOSCOW)
    assert built.date == built.modified_at


def test_modified_at_other_text() -> None:
    """A modified_at with its own text is parsed on its own."""
    result = load(order(date="2026-03-01T08:15:30", modified_at="2026-03-02T05:15:30Z"))
    assert isinstance(result.package, OrdersPackage)
    built = result.package.orders[0]
    assert built.date == datetime(2026, 3, 1, 8, 15, 30, tzinfo=MOSCOW)
    assert built.modified_at == datetime(2026, 3, 2, 8, 15, 30, tzinfo=MOSCOW)


def test_invalid_values_listed_in_order() -> None:
    """Values no parser accepts are listed by order, then by field."""
    result = load(
        order(ref=REF_A, date="2026-02-30T10:00:00", payment_status="Оплачен"),
        order(
            ref=REF_B, realization_date="2026-13-01", modified_at="2026-04-31T00:00:00"
        ),
        order(ref=REF_C, payment_status="Оплачен"),
    )
    assert problem_paths(result) == [
        "/orders/0/date",
        "/orders/0/payment_status",
        "/orders/1/realization_date",
        "/orders/1/modified_at",
        "/orders/2/payment_status",
    ]
    assert result.errors_total == 5
    assert result.problems[0].value == '"2026-02-30T10:00:00"'
    assert "no such calendar date or time" in result.problems[0].message
    assert "no such calendar date" in result.problems[2].message
    assert "НеОплачен (Не оплачен)" in result.problems[4].message


def test_invalid_date_and_same_modified_at() -> None:
    """An impossible date repeated in modified_at is reported in both fields."""
    text = "2026-02-30T10:00:00"
    result = load(order(date=text, modified_at=text))
    assert problem_paths(result) == ["/orders/0/date", "/orders/0/modified_at"]


def test_sha256_of_large_package() -> None:
    """A package large enough to be hashed on a second thread gets its SHA-256."""
    # Unknown fields inside an order are allowed, so they pad the file.
    padding = "x" * HASH_THREAD_MIN_BYTES
    data = BOM + encode(orders_package(order(Комментарий=padding)))
    result = load_package(data, "large.json")
    assert len(data) > HASH_THREAD_MIN_BYTES
    assert result.problems == []
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_sha256_of_large_rejected_file() -> None:
    """A large file that is not JSON still gets the SHA-256 of its bytes."""
    data = BOM + b"{" + b" " * HASH_THREAD_MIN_BYTES
    result = load_package(data, "broken.json")
    assert result.problems[0].message.startswith("file is not valid JSON")
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_json_error_position_after_bom() -> None:
    """A syntax error after a byte order mark is placed in the text, not the bytes."""
    data = BOM + '{\r\n"number": ТЛ\r\n}'.encode()
    result = load_package(data, "broken.json")
    assert "at line 2, column 11" in result.problems[0].message
    assert result.problems[0].value == '"number": ТЛ'


def test_loads_views_and_bytearrays() -> None:
    """jsonio.loads parses a memoryview slice and a bytearray like bytes."""
    data = BOM + b'{"a": [1, "\xd0\xa2\xd0\x9b"]}'
    assert jsonio.loads(memoryview(data)[len(BOM) :]) == {"a": [1, "ТЛ"]}
    assert jsonio.loads(bytearray(data[len(BOM) :])) == {"a": [1, "ТЛ"]}
