"""Order versions across packages: older versions are ignored, newer ones applied."""

from __future__ import annotations

from collections.abc import Callable

from exchange.emulator import Emulator
from tests.orders.conftest import (
    FULLY_PAID,
    NOT_PAID,
    PARTLY_PAID,
    ExchangeFactory,
    order,
    package,
    rows_by_number,
)

PortalFactory = Callable[..., Emulator]

DEALS = {201: "ТЛ-201", 202: "ТЛ-202", 203: "ТЛ-203"}


def test_lower_package_number_ignored(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A late package with a lower number is ignored for orders a newer one set."""
    service = exchange_factory(small_portal(DEALS))
    service.put(package(2, [order("A", "ТЛ-201", status="ОплаченПолностью")]))
    service.run()

    service.put(
        package(
            1,
            [
                order("A", "ТЛ-201", status="НеОплачен"),
                order("B", "ТЛ-202", status="ОплаченЧастично"),
            ],
        )
    )
    report = service.run()

    rows = rows_by_number(service.receipts()[-1])
    assert rows["A"]["status"] == "ignored"
    assert "no. 2" in rows["A"]["message"]
    # The deal that the newer version updated is known, so the row names it.
    assert rows["A"]["deal_id"] == 201
    assert rows["B"]["status"] == "updated"
    assert service.deal(201) == (FULLY_PAID, None)
    assert service.deal(202) == (PARTLY_PAID, None)
    assert report.exit_code == 0


def test_late_package_newer_modified_at_applies(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """In a late package, an order changed later in 1C still wins."""
    service = exchange_factory(small_portal(DEALS))
    service.put(
        package(
            2,
            [
                order(
                    "A",
                    "ТЛ-201",
                    status="ОплаченПолностью",
                    modified_at="2026-11-27T12:00:00",
                ),
                order(
                    "C", "ТЛ-203", status="НеОплачен", modified_at="2026-11-27T10:00:00"
                ),
            ],
        )
    )
    service.run()

    service.put(
        package(
            1,
            [
                order(
                    "A", "ТЛ-201", status="НеОплачен", modified_at="2026-11-27T11:00:00"
                ),
                order(
                    "C",
                    "ТЛ-203",
                    status="ОплаченПолностью",
                    modified_at="2026-11-27T11:00:00",
                ),
            ],
        )
    )
    service.run()

    rows = rows_by_number(service.receipts()[-1])
    assert rows["A"]["status"] == "ignored"
    assert rows["C"]["status"] == "updated"
    assert service.deal(201) == (FULLY_PAID, None)
    assert service.deal(203) == (FULLY_PAID, None)


def test_older_modified_at_in_newer_package(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A higher package number does not win over a later modified_at."""
    service = exchange_factory(small_portal(DEALS))
    service.put(
        package(
            1,
            [
                order(
                    "A",
                    "ТЛ-201",
                    status="ОплаченПолностью",
                    modified_at="2026-11-27T12:00:00",
                )
            ],
        )
    )
    service.run()

    service.put(
        package(
            2,
            [
                order(
                    "A", "ТЛ-201", status="НеОплачен", modified_at="2026-11-27T11:59:59"
                )
            ],
        )
    )
    service.run()

    assert rows_by_number(service.receipts()[-1])["A"]["status"] == "ignored"
    assert service.deal(201) == (FULLY_PAID, None)


def test_equal_modified_at_higher_number(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """With equal modified_at, the higher package number wins."""
    service = exchange_factory(small_portal(DEALS))
    when = "2026-11-27T12:00:00"
    service.put(
        package(1, [order("A", "ТЛ-201", status="ОплаченПолностью", modified_at=when)])
    )
    service.run()

    service.put(
        package(2, [order("A", "ТЛ-201", status="НеОплачен", modified_at=when)])
    )
    service.run()

    assert rows_by_number(service.receipts()[-1])["A"]["status"] == "updated"
    assert service.deal(201) == (NOT_PAID, None)


def test_older_suborder_version_ignored(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """An older version of a sub-order is ignored and its parent is not changed."""
    service = exchange_factory(small_portal(DEALS))
    service.put(
        package(
            3,
            [
                order("P", "ТЛ-201", status=""),
                order(
                    "S", parent="P", status="ОплаченПолностью", realization="2026-11-09"
                ),
            ],
        )
    )
    service.run()
    updates_before = service.update_calls()

    service.put(package(2, [order("S", parent="P", status="НеОплачен")]))
    service.run()

    row = rows_by_number(service.receipts()[-1])["S"]
    assert row["status"] == "ignored"
    # A sub-order's deal is its top's.
    assert row["deal_id"] == 201
    assert service.deal(201) == (FULLY_PAID, "2026-11-09")
    assert service.update_calls() == updates_before
