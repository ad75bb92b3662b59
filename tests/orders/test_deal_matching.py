"""Finding the deal of an order: pending, ambiguous, conflicts, caches, items."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from exchange.emulator import Emulator
from exchange.orders import recheck
from exchange.service.run_once import PortProvider
from tests.orders.conftest import (
    DATE_FIELD,
    FULLY_PAID,
    NOT_PAID,
    NUMBER_FIELD,
    PARTLY_PAID,
    STATUS_FIELD,
    ExchangeFactory,
    order,
    package,
    rows_by_number,
)

PortalFactory = Callable[..., Emulator]


def test_no_deal_pending_then_followup(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """An order without a deal is pending until the manager types the number in."""
    service = exchange_factory(small_portal({201: "ТЛ-201", 202: ""}))
    first = package(1, [order("A", "ТЛ-202", status="ОплаченПолностью")])
    service.put(first)
    report = service.run()
    assert report.exit_code == 0
    receipt = service.new_receipts()[0]
    assert rows_by_number(receipt)["A"]["status"] == "pending"
    assert rows_by_number(receipt)["A"]["deal_id"] is None
    assert service.updates[202] == 0

    service.edit_deal(202, **{NUMBER_FIELD: "ТЛ-202"})
    report = service.run()

    assert report.exit_code == 0
    assert service.deal(202) == (FULLY_PAID, None)
    followups = service.new_receipts()
    assert len(followups) == 1
    followup = followups[0]
    assert followup["in_reply_to"] == first["package_id"]
    assert followup["source_file"] == "orders_TMS_1.json"
    assert followup["sha256"] == receipt["sha256"]
    assert followup["outcome"] == "applied"
    assert [row["number"] for row in followup["results"]] == ["A"]
    assert followup["results"][0]["status"] == "updated"
    assert followup["results"][0]["deal_id"] == 202


def test_followup_only_for_changed_orders(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A follow-up lists only the order whose status changed, not the others."""
    service = exchange_factory(small_portal({201: "ТЛ-201", 202: ""}))
    service.put(
        package(
            1,
            [
                order("A", "ТЛ-202", status="ОплаченПолностью"),
                order("B", "ТЛ-201", status="ОплаченПолностью"),
                order("C", "ТЛ-299"),
            ],
        )
    )
    service.run()
    service.new_receipts()
    service.edit_deal(202, **{NUMBER_FIELD: "ТЛ-202"})

    service.run()

    followups = service.new_receipts()
    assert len(followups) == 1
    assert [row["number"] for row in followups[0]["results"]] == ["A"]


def test_empty_number_pending(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A top-level order without Номер документа is pending and sends nothing."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(package(1, [order("A", "")]))

    report = service.run()

    assert report.exit_code == 0
    row = rows_by_number(service.receipts()[0])["A"]
    assert row["status"] == "pending"
    assert "Номер документа" in row["message"]
    assert service.update_calls() == 0


def test_several_deals_error_then_fixed(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A number on two deals is an error until one deal is corrected."""
    service = exchange_factory(small_portal({201: "ТЛ-201", 202: "ТЛ-201"}))
    first = package(1, [order("A", "ТЛ-201", status="ОплаченЧастично")])
    service.put(first)
    report = service.run()
    assert report.exit_code == 1
    row = rows_by_number(service.new_receipts()[0])["A"]
    assert row["status"] == "error"
    assert "201, 202" in row["message"]
    assert service.update_calls() == 0

    service.edit_deal(202, **{NUMBER_FIELD: "ТЛ-999"})
    report = service.run()

    assert report.exit_code == 0
    assert service.deal(201) == (PARTLY_PAID, None)
    assert service.deal(202) == (None, None)
    followups = service.new_receipts()
    assert len(followups) == 1
    assert followups[0]["in_reply_to"] == first["package_id"]
    assert followups[0]["results"][0]["status"] == "updated"
    assert followups[0]["results"][0]["deal_id"] == 201


def test_unchanged_sends_nothing(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """An order whose deal already has its values sends no update."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    record = order("A", "ТЛ-201", status="ОплаченПолностью", realization="2026-11-20")
    service.put(package(1, [record]))
    service.run()
    assert service.update_calls() == 1

    service.put(package(2, [record]))
    service.run()

    assert service.update_calls() == 1
    assert rows_by_number(service.receipts()[-1])["A"]["status"] == "unchanged"


def test_unchanged_against_values_read(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A deal that already has the values when looked up gets no update."""
    emulator = small_portal({201: "ТЛ-201"})
    emulator.portal.update_deal(201, **{STATUS_FIELD: 47, DATE_FIELD: "2026-11-20"})
    service = exchange_factory(emulator)
    service.put(
        package(
            1,
            [order("A", "ТЛ-201", status="ОплаченПолностью", realization="2026-11-20")],
        )
    )

    service.run()

    assert service.update_calls() == 0
    assert rows_by_number(service.receipts()[0])["A"]["status"] == "unchanged"


def test_stray_spaces_found(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A number typed into the deal with spaces around it is still found."""
    service = exchange_factory(small_portal({201: "  ТЛ-201 ", 202: "ТЛ-2010"}))
    service.put(package(1, [order("A", " ТЛ-201", status="ОплаченПолностью")]))

    service.run()

    assert service.deal(201) == (FULLY_PAID, None)
    assert service.deal(202) == (None, None)


def test_items_by_text_any_case(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Without a table, each 1C value takes the item with its text."""
    service = exchange_factory(
        small_portal({201: "ТЛ-201", 202: "ТЛ-202", 203: "ТЛ-203"})
    )
    service.put(
        package(
            1,
            [
                order("A", "ТЛ-201", status="ОплаченПолностью"),
                order("B", "ТЛ-202", status="оплачен  частично"),
                order("C", "ТЛ-203", status="НЕОПЛАЧЕН"),
            ],
        )
    )

    service.run()

    assert service.deal(201)[0] == FULLY_PAID
    assert service.deal(202)[0] == PARTLY_PAID
    assert service.deal(203)[0] == NOT_PAID


def test_items_from_table(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """The payment status table names items by id, xml_id or text."""
    emulator = small_portal({201: "ТЛ-201", 202: "ТЛ-202", 203: "ТЛ-203"})
    # Swap the meaning on purpose, so that matching by text would give other IDs.
    table = {
        "НеОплачен": {"id": 47},
        "ОплаченЧастично": {"xml_id": "a3f9c1e07b5d4e2f9a18c6b2d0e4f713"},
        "ОплаченПолностью": {"text": "Оплачен частично"},
    }
    service = exchange_factory(emulator, bitrix24={"payment_status_items": table})
    service.put(
        package(
            1,
            [
                order("A", "ТЛ-201", status="НеОплачен"),
                order("B", "ТЛ-202", status="ОплаченЧастично"),
                order("C", "ТЛ-203", status="ОплаченПолностью"),
            ],
        )
    )

    service.run()

    assert service.deal(201)[0] == FULLY_PAID
    assert service.deal(202)[0] == NOT_PAID
    assert service.deal(203)[0] == PARTLY_PAID


def test_hand_edited_date_survives(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Only changed fields are sent, so a date edited by hand stays."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(
        package(1, [order("A", "ТЛ-201", status="НеОплачен", realization="2026-11-10")])
    )
    service.run()
    service.edit_deal(201, **{DATE_FIELD: "2026-12-31"})

    service.put(
        package(
            2,
            [order("A", "ТЛ-201", status="ОплаченПолностью", realization="2026-11-10")],
        )
    )
    service.run()

    assert service.deal(201) == (FULLY_PAID, "2026-12-31")
    assert service.sent[201][-1] == {STATUS_FIELD: FULLY_PAID}


def test_number_conflict_across_packages(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Two orders with one number are both errors until one changes its number."""
    service = exchange_factory(small_portal({201: "ТЛ-201", 202: "ТЛ-202"}))
    first = package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")])
    service.put(first)
    service.run()
    assert service.deal(201) == (FULLY_PAID, None)
    service.new_receipts()

    service.put(package(2, [order("B", "ТЛ-201", status="ОплаченЧастично")]))
    report = service.run()

    assert report.exit_code == 1
    receipts = service.new_receipts()
    own = [r for r in receipts if r["in_reply_to"] != first["package_id"]]
    assert rows_by_number(own[0])["B"]["status"] == "error"
    followups = [r for r in receipts if r["in_reply_to"] == first["package_id"]]
    assert len(followups) == 1
    assert rows_by_number(followups[0])["A"]["status"] == "error"
    assert service.deal(201) == (FULLY_PAID, None)

    service.put(package(3, [order("B", "ТЛ-202", status="ОплаченЧастично")]))
    report = service.run()

    assert service.deal(202) == (PARTLY_PAID, None)
    receipts = service.new_receipts()
    followups = [r for r in receipts if r["in_reply_to"] == first["package_id"]]
    assert len(followups) == 1
    assert rows_by_number(followups[0])["A"]["status"] in {"updated", "unchanged"}
    assert rows_by_number(followups[0])["A"]["deal_id"] == 201
    assert report.exit_code == 0


def test_number_conflict_in_one_package(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Two orders of one package share a number; correcting one applies the other."""
    service = exchange_factory(small_portal({201: "ТЛ-201", 202: "ТЛ-202"}))
    first = package(
        1,
        [
            order("A", "ТЛ-201", status="ОплаченПолностью"),
            order("B", "ТЛ-201", status="ОплаченЧастично"),
        ],
    )
    service.put(first)

    assert service.run().exit_code == 1
    rows = rows_by_number(service.new_receipts()[0])
    assert (rows["A"]["status"], rows["B"]["status"]) == ("error", "error")
    assert "B" in rows["A"]["message"]
    assert service.deal(201) == (None, None)

    # 1C corrects B only and sends B alone, as it sends changed orders.
    service.put(package(2, [order("B", "ТЛ-202", status="ОплаченЧастично")]))

    assert service.run().exit_code == 0
    receipts = service.new_receipts()
    own = [r for r in receipts if r["in_reply_to"] != first["package_id"]]
    assert rows_by_number(own[0])["B"]["status"] == "updated"
    (followup,) = [r for r in receipts if r["in_reply_to"] == first["package_id"]]
    row = rows_by_number(followup)["A"]
    assert (row["status"], row["deal_id"]) == ("updated", 201)
    assert service.deal(201) == (FULLY_PAID, None)
    assert service.deal(202) == (PARTLY_PAID, None)


def test_conflict_with_deleted_order_ignored(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A deleted order does not count in a document-number conflict."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    service.put(
        package(
            1,
            [
                order("A", "ТЛ-201", status="ОплаченПолностью"),
                order("B", "ТЛ-201", deletion_mark=True),
            ],
        )
    )

    report = service.run()

    rows = rows_by_number(service.receipts()[0])
    assert rows["A"]["status"] == "updated"
    assert rows["B"]["status"] == "ignored"
    assert report.exit_code == 0


def test_datetime_field_midnight_local(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A date sent to a date-time field is midnight in the 1C time zone."""
    emulator = small_portal({201: "ТЛ-201"}, date_type="datetime")
    service = exchange_factory(emulator, onec={"timezone": "Asia/Yekaterinburg"})
    service.put(package(1, [order("A", "ТЛ-201", realization="2026-11-20")]))

    service.run()

    stored = emulator.portal.deals[201][DATE_FIELD]
    moment = datetime.fromisoformat(str(stored))
    expected = datetime(2026, 11, 20, tzinfo=ZoneInfo("Asia/Yekaterinburg"))
    assert moment == expected


def test_deleted_cached_deal_looked_up(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A cached deal that returns "Not found" is dropped and looked up again."""
    emulator = small_portal({201: "ТЛ-201"})
    service = exchange_factory(emulator)
    service.put(package(1, [order("A", "ТЛ-201", status="НеОплачен")]))
    service.run()
    assert service.deal(201) == (NOT_PAID, None)
    with emulator.portal.lock:
        del emulator.portal.deals[201]
    emulator.portal.add_deal(ID=301, TITLE="new deal", **{NUMBER_FIELD: "ТЛ-201"})

    service.new_receipts()

    second = package(2, [order("A", "ТЛ-201", status="ОплаченПолностью")])
    service.put(second)
    service.run()

    # The same run retries pending orders after the inbox, so the receipt
    # (deal 201 gone) is followed by a follow-up (deal 301 found and updated).
    receipt, followup = service.new_receipts()
    row = rows_by_number(receipt)["A"]
    assert row["status"] == "pending"
    assert "201" in row["message"]
    assert followup["in_reply_to"] == second["package_id"]
    assert rows_by_number(followup)["A"]["status"] == "updated"
    assert rows_by_number(followup)["A"]["deal_id"] == 301
    assert service.deal(301) == (FULLY_PAID, None)


def test_pending_retry_stops_between_chunks(
    small_portal: PortalFactory,
    exchange_factory: ExchangeFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stop request ends the retry of pending orders after the current chunk."""
    deals = {201 + index: "" for index in range(5)}
    service = exchange_factory(small_portal(deals))
    service.put(
        package(
            1,
            [
                order(f"O{index}", f"ТЛ-{201 + index}", status="ОплаченПолностью")
                for index in range(5)
            ],
        )
    )
    service.run()
    for deal_id in deals:
        service.edit_deal(deal_id, **{NUMBER_FIELD: f"ТЛ-{deal_id}"})
    monkeypatch.setattr(recheck, "RECHECK_CHUNK", 2)
    caplog.set_level(logging.INFO, logger=recheck.__name__)

    with service.runtime() as runtime:
        port = PortProvider(runtime)()
        recheck.recheck_pending(runtime.orders, port, should_stop=lambda: True)

    assert sum(service.updates.values()) == 2
    assert "stopped after 2 of 5 top-level orders" in caplog.text
    with service.runtime() as runtime:
        assert len(runtime.orders.reports_to_recheck()) == 3
