"""Tests of the order facts and the per-field comparison of deal values."""

from __future__ import annotations

from datetime import date

import pytest

from exchange.contract.enums import PaymentStatus
from exchange.rules.order_facts import (
    PAYMENT_STATUS,
    REALIZATION_DATE,
    DealValues,
    OrderFacts,
    diff_fields,
)

NOT = PaymentStatus.NOT_PAID
FULL = PaymentStatus.FULLY_PAID
NOV_3 = date(2026, 11, 3)
NOV_5 = date(2026, 11, 5)

# Each row: desired values, last known values, the fields to send.
DIFF_TABLE = [
    pytest.param(DealValues(NOT, None), None, {"payment_status", "realization_date"}),
    pytest.param(DealValues(NOT, NOV_3), DealValues(NOT, NOV_3), set()),
    pytest.param(DealValues(FULL, NOV_3), DealValues(NOT, NOV_3), {"payment_status"}),
    pytest.param(DealValues(NOT, NOV_5), DealValues(NOT, NOV_3), {"realization_date"}),
    pytest.param(DealValues(NOT, None), DealValues(NOT, NOV_3), {"realization_date"}),
    pytest.param(DealValues(NOT, NOV_3), DealValues(NOT, None), {"realization_date"}),
    pytest.param(
        DealValues(FULL, NOV_5),
        DealValues(NOT, NOV_3),
        {"payment_status", "realization_date"},
    ),
]


@pytest.mark.parametrize(("desired", "last_known", "expected"), DIFF_TABLE)
def test_diff_fields_table(
    desired: DealValues, last_known: DealValues | None, expected: set[str]
) -> None:
    """Only the fields whose value changes are named, both when nothing is known."""
    assert diff_fields(desired, last_known) == expected


def test_field_names_match_deal_values() -> None:
    """The field name constants name the attributes of DealValues."""
    values = DealValues(FULL, NOV_3)

    assert getattr(values, PAYMENT_STATUS) is FULL
    assert getattr(values, REALIZATION_DATE) == NOV_3


@pytest.mark.parametrize(
    ("deleted", "posted", "expected"),
    [
        (False, True, True),
        (True, True, False),
        (False, False, False),
        (True, False, False),
    ],
)
def test_is_included(deleted: bool, posted: bool, expected: bool) -> None:
    """Only posted orders without the deletion mark take part in rollups."""
    order = OrderFacts("a", None, None, None, deleted, posted, None)

    assert order.is_included is expected
