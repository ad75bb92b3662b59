"""Parsers of values as 1C writes them: dates, date-times, references, enums."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.contract.enums import CounterpartyKind, PaymentStatus
from exchange.contract.values import (
    parse_counterparty_kind,
    parse_date,
    parse_date_time,
    parse_payment_status,
    parse_reference,
    parse_text,
)
from tests.contract.documents import (
    date_time_texts,
    empty_dates,
    empty_references,
    whitespace_variants,
)

MOSCOW = ZoneInfo("Europe/Moscow")
PRESENTATIONS = {
    PaymentStatus.NOT_PAID: ("НеОплачен", "Не оплачен"),
    PaymentStatus.PARTIALLY_PAID: ("ОплаченЧастично", "Оплачен частично"),
    PaymentStatus.FULLY_PAID: ("ОплаченПолностью", "Оплачен полностью"),
}


@given(
    st.sampled_from(
        [(member, text) for member, texts in PRESENTATIONS.items() for text in texts]
    ).flatmap(lambda pair: st.tuples(st.just(pair[0]), whitespace_variants(pair[1])))
)
def test_payment_status_any_case_and_spacing(case: tuple[PaymentStatus, str]) -> None:
    """Every case and white-space mix of a name or presentation gives its member."""
    member, text = case
    assert parse_payment_status(text) is member


@pytest.mark.parametrize("text", ["", None, " ", "\u00a0\t"])
def test_payment_status_empty(text: str | None) -> None:
    """An empty or blank payment status means not set."""
    assert parse_payment_status(text) is None


@pytest.mark.parametrize("text", ["Оплачен", "Paid", "НеОплаченн", "Не-оплачен"])
def test_payment_status_unknown_raises(text: str) -> None:
    """A value that is no name or presentation is rejected."""
    with pytest.raises(ValueError, match="unknown payment status"):
        parse_payment_status(text)


@given(
    st.sampled_from(
        [
            (CounterpartyKind.LEGAL_ENTITY, "legal_entity"),
            (CounterpartyKind.LEGAL_ENTITY, "Юридическое лицо"),
            (CounterpartyKind.ENTREPRENEUR, "entrepreneur"),
            (CounterpartyKind.ENTREPRENEUR, "Индивидуальный предприниматель"),
            (CounterpartyKind.INDIVIDUAL, "individual"),
            (CounterpartyKind.INDIVIDUAL, "ФизЛицо"),
        ]
    ).flatmap(lambda pair: st.tuples(st.just(pair[0]), whitespace_variants(pair[1])))
)
def test_counterparty_kind_any_case(case: tuple[CounterpartyKind, str]) -> None:
    """Kinds are read from the contract's codes and 1C's names, any case."""
    member, text = case
    assert parse_counterparty_kind(text) is member


def test_counterparty_kind_unknown_raises() -> None:
    """An unknown counterparty kind is rejected."""
    with pytest.raises(ValueError, match="unknown counterparty kind"):
        parse_counterparty_kind("company")


@given(empty_dates)
def test_empty_date_forms(text: str | None) -> None:
    """0001-01-01T00:00:00 (with or without Z), "" and null are no date."""
    assert parse_date(text) is None
    assert parse_date_time(text, MOSCOW) is None


@given(st.sampled_from(["0001-01-01T00:00:00+03:00", "0001-01-01T00:00:00-05:00"]))
def test_empty_date_with_offset_no_overflow(text: str) -> None:
    """The empty date with an offset is recognized before zone arithmetic."""
    assert parse_date_time(text, MOSCOW) is None


@given(empty_references)
def test_empty_reference_forms(text: str | None) -> None:
    """The all-zero UUID, "" and null are no reference."""
    assert parse_reference(text) is None


@given(st.uuids())
def test_reference_lower_case(value: object) -> None:
    """References are normalized to lower case whatever case 1C wrote."""
    text = str(value)
    assert parse_reference(text.upper()) == text
    assert parse_reference(text) == text


def test_date_time_without_offset_is_local() -> None:
    """A date-time without offset is local time of the configured zone."""
    parsed = parse_date_time("2026-03-01T10:15:00", MOSCOW)
    assert parsed == datetime(2026, 3, 1, 10, 15, tzinfo=MOSCOW)
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(hours=3)


def test_date_time_with_z_converted() -> None:
    """A date-time in UTC becomes the same instant in the 1C zone."""
    parsed = parse_date_time("2026-03-01T07:15:00Z", MOSCOW)
    assert parsed == datetime(2026, 3, 1, 7, 15, tzinfo=UTC)
    assert parsed is not None
    assert parsed.hour == 10
    assert parsed.tzinfo == MOSCOW


def test_date_time_with_offset_converted() -> None:
    """A date-time with an offset keeps its instant and moves to the 1C zone."""
    parsed = parse_date_time("2026-03-01T02:15:00.250-05:00", MOSCOW)
    assert parsed is not None
    assert (parsed.day, parsed.hour, parsed.minute) == (1, 10, 15)
    assert parsed.microsecond == 250000


def test_date_time_other_zone_setting() -> None:
    """The configured zone, not Moscow, decides local time."""
    zone = ZoneInfo("Asia/Yekaterinburg")
    parsed = parse_date_time("2026-03-01T10:00:00", zone)
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(hours=5)


@given(date_time_texts())
def test_date_time_always_aware_in_zone(text: str) -> None:
    """Every accepted date-time becomes an aware datetime in the 1C zone."""
    parsed = parse_date_time(text, MOSCOW)
    assert parsed is not None
    assert parsed.tzinfo is MOSCOW


def test_date_with_time_and_offset_as_written() -> None:
    """A date written with time and offset is the calendar date as written."""
    assert parse_date("2026-12-01T23:30:00-05:00") == date(2026, 12, 1)
    assert parse_date("2026-12-01") == date(2026, 12, 1)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01T00:00:00"])
def test_impossible_dates_raise(text: str) -> None:
    """A date that passes the pattern but not the calendar is rejected."""
    with pytest.raises(ValueError, match=r"month|day"):
        parse_date(text)
    with pytest.raises(ValueError, match=r"month|day"):
        parse_date_time(text + ("T00:00:00" if len(text) == 10 else ""), MOSCOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [(" Д-17 ", "Д-17"), ("", None), ("\u00a0 ", None), (None, None)],
)
def test_text_trimmed(text: str | None, expected: str | None) -> None:
    """Document numbers are trimmed and empty ones become None."""
    assert parse_text(text) == expected
