"""Multimodal rollups across packages, over the real service and emulator."""

from __future__ import annotations

from collections.abc import Callable

from exchange.emulator import Emulator
from tests.orders.conftest import (
    DATE_FIELD,
    FULLY_PAID,
    NOT_PAID,
    PARTLY_PAID,
    ExchangeFactory,
    order,
    package,
    rows_by_number,
)

PortalFactory = Callable[..., Emulator]


def test_suborder_alone_uses_earlier_siblings(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A package with one sub-order recomputes the parent with siblings sent earlier."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(
        package(
            1,
            [
                order("P", "ТЛ-201", status=""),
                order(
                    "S1",
                    parent="P",
                    status="ОплаченПолностью",
                    realization="2026-11-10",
                ),
                order("S2", parent="P", status="НеОплачен"),
            ],
        )
    )
    service.run()
    assert service.deal(201) == (PARTLY_PAID, None)

    service.put(
        package(
            2,
            [
                order(
                    "S2",
                    parent="P",
                    status="ОплаченПолностью",
                    realization="2026-11-08",
                )
            ],
        )
    )
    service.run()

    assert service.deal(201) == (FULLY_PAID, "2026-11-10")
    rows = rows_by_number(service.receipts()[-1])
    assert rows["S2"]["status"] == "suborder"
    assert rows["P"]["rollup"] is True
    assert rows["P"]["status"] == "updated"
    assert rows["P"]["deal_id"] == 201


def test_whole_family_equals_pieces(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Sending a family in one package or piece by piece gives the same deal."""
    family = [
        order("P", "ТЛ-201", status=""),
        order("S1", parent="P", status="ОплаченЧастично", realization="2026-11-10"),
        order("S2", parent="P", status="ОплаченПолностью", realization="2026-11-12"),
    ]
    whole = exchange_factory(small_portal({201: "ТЛ-201"}))
    whole.put(package(1, family))
    whole.run()
    pieces = exchange_factory(small_portal({201: "ТЛ-201"}))
    for number, record in enumerate(family, start=1):
        pieces.put(package(number, [record]))
        pieces.run()

    assert whole.deal(201) == (PARTLY_PAID, "2026-11-12")
    assert pieces.deal(201) == (PARTLY_PAID, "2026-11-12")


def test_deleted_and_unposted_excluded(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Deleted or unposted sub-orders, and everything below them, leave the rollup."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(
        package(
            1,
            [
                order("P", "ТЛ-201", status=""),
                order(
                    "S1",
                    parent="P",
                    status="ОплаченПолностью",
                    realization="2026-11-10",
                ),
                order("S2", parent="P", status="НеОплачен", deletion_mark=True),
                order("S3", parent="P", status="ОплаченПолностью", posted=False),
                order("S31", parent="S3", status="НеОплачен"),
            ],
        )
    )

    service.run()

    assert service.deal(201) == (FULLY_PAID, "2026-11-10")


def test_all_suborders_excluded_uses_own(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """An order whose sub-orders are all excluded sends its own values."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(
        package(
            1,
            [
                order(
                    "P", "ТЛ-201", status="ОплаченЧастично", realization="2026-11-03"
                ),
                order("S1", parent="P", status="НеОплачен", deletion_mark=True),
            ],
        )
    )

    service.run()

    assert service.deal(201) == (PARTLY_PAID, "2026-11-03")


def test_missing_date_clears_deal(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A sub-order without a date clears the deal's date: "" sent, read back empty."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(
        package(
            1,
            [
                order("P", "ТЛ-201", status=""),
                order(
                    "S1",
                    parent="P",
                    status="ОплаченПолностью",
                    realization="2026-11-10",
                ),
                order(
                    "S2",
                    parent="P",
                    status="ОплаченПолностью",
                    realization="2026-11-11",
                ),
            ],
        )
    )
    service.run()
    assert service.deal(201) == (FULLY_PAID, "2026-11-11")

    service.put(package(2, [order("S2", parent="P", status="ОплаченПолностью")]))
    service.run()

    assert service.deal(201) == (FULLY_PAID, None)
    assert service.sent[201][-1] == {DATE_FIELD: ""}


def test_own_empty_date_clears_deal(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """An order without sub-orders whose date became empty clears the deal's date."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(package(1, [order("P", "ТЛ-201", realization="2026-11-10")]))
    service.run()
    service.put(package(2, [order("P", "ТЛ-201")]))

    service.run()

    assert service.deal(201) == (NOT_PAID, None)


def test_empty_status_is_not_paid(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """An empty payment status counts as "Не оплачен", alone and in a rollup."""
    service = exchange_factory(small_portal({201: "ТЛ-201", 202: "ТЛ-202"}))
    service.put(
        package(
            1,
            [
                order("A", "ТЛ-201", status=""),
                order("P", "ТЛ-202", status=""),
                order("S1", parent="P", status=""),
                order("S2", parent="P", status="НеОплачен"),
            ],
        )
    )

    service.run()

    assert service.deal(201) == (NOT_PAID, None)
    assert service.deal(202) == (NOT_PAID, None)


def test_three_levels_roll_up(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A sub-order with sub-orders takes their rolled-up values."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(
        package(
            1,
            [
                order("P", "ТЛ-201", status=""),
                order("M", parent="P", status="НеОплачен"),
                order(
                    "L1",
                    parent="M",
                    status="ОплаченПолностью",
                    realization="2026-11-05",
                ),
                order(
                    "L2",
                    parent="M",
                    status="ОплаченПолностью",
                    realization="2026-11-07",
                ),
                order(
                    "S", parent="P", status="ОплаченПолностью", realization="2026-11-06"
                ),
            ],
        )
    )

    service.run()

    # M rolls up to fully paid on 2026-11-07 (its own "not paid" is not used).
    assert service.deal(201) == (FULLY_PAID, "2026-11-07")

    service.put(package(2, [order("L1", parent="M", status="НеОплачен")]))
    service.run()

    assert service.deal(201) == (PARTLY_PAID, None)


def test_reparent_recomputes_both_parents(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Moving a sub-order to another parent recomputes the old and the new parent."""
    service = exchange_factory(small_portal({201: "ТЛ-201", 202: "ТЛ-202"}))
    service.put(
        package(
            1,
            [
                order("P1", "ТЛ-201", status=""),
                order("P2", "ТЛ-202", status=""),
                order(
                    "A",
                    parent="P1",
                    status="ОплаченПолностью",
                    realization="2026-11-01",
                ),
                order("B", parent="P1", status="НеОплачен"),
                order(
                    "C",
                    parent="P2",
                    status="ОплаченПолностью",
                    realization="2026-11-02",
                ),
            ],
        )
    )
    service.run()
    assert service.deal(201) == (PARTLY_PAID, None)
    assert service.deal(202) == (FULLY_PAID, "2026-11-02")

    service.put(package(2, [order("B", parent="P2", status="НеОплачен")]))
    service.run()

    assert service.deal(201) == (FULLY_PAID, "2026-11-01")
    assert service.deal(202) == (PARTLY_PAID, None)
    rows = rows_by_number(service.receipts()[-1])
    assert rows["P1"]["rollup"] is True
    assert rows["P2"]["rollup"] is True
    assert rows["P1"]["status"] == "updated"
    assert rows["P2"]["status"] == "updated"


def test_orphan_suborder_waits_for_parent(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A sub-order whose parent is unknown is pending until the parent arrives."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(package(1, [order("S", parent="P", status="ОплаченПолностью")]))
    service.run()
    first = service.new_receipts()
    assert rows_by_number(first[0])["S"]["status"] == "pending"

    service.put(package(2, [order("P", "ТЛ-201", status="")]))
    service.run()

    assert service.deal(201) == (FULLY_PAID, None)
    receipts = service.new_receipts()
    followups = [r for r in receipts if r["in_reply_to"] == first[0]["in_reply_to"]]
    assert len(followups) == 1
    row = rows_by_number(followups[0])["S"]
    assert row["status"] == "suborder"
    assert row["deal_id"] == 201
    # The follow-up reports what became of the parent's deal in this run.
    assert row["message"] == "rolled up into order P (Номер документа ТЛ-201): updated"


def test_orphan_chain_joins_arriving_parent(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Two levels stored before their top both roll up into it when it arrives."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(
        package(
            1,
            [
                order("S", parent="P", status=""),
                order(
                    "C", parent="S", status="ОплаченПолностью", realization="2026-11-20"
                ),
            ],
        )
    )
    service.run()
    rows = rows_by_number(service.new_receipts()[0])
    assert rows["S"]["status"] == "pending"
    assert rows["C"]["status"] == "pending"

    service.put(package(2, [order("P", "ТЛ-201", status="")]))
    service.run()

    assert service.deal(201) == (FULLY_PAID, "2026-11-20")
    # The package's own evaluation already saw both: one update, not a
    # first one with the parent's own values and a second by the retry.
    assert service.updates[201] == 1
    receipt = next(
        r for r in service.new_receipts() if r["source_file"] == "orders_TMS_2.json"
    )
    assert rows_by_number(receipt)["P"]["status"] == "updated"
