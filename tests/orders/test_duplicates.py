"""Duplicate files, reused package ids and message numbers, outgoing numbering."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import pytest

from exchange import jsonio
from exchange.emulator import Emulator
from tests.orders.conftest import (
    FULLY_PAID,
    PARTLY_PAID,
    ExchangeFactory,
    order,
    package,
    rows_by_number,
    stored_copies,
)

PortalFactory = Callable[..., Emulator]

DEALS = {201: "ТЛ-201", 202: "ТЛ-202"}


def test_same_file_again_duplicate(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """The same bytes again get a duplicate receipt and are archived, not applied."""
    service = exchange_factory(small_portal(DEALS))
    document = package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")])
    data = jsonio.dumps(document)
    service.put_bytes("orders_TMS_1.json", data)
    service.run()
    service.new_receipts()
    updates = service.update_calls()
    # A manager changes the deal: a second application would overwrite this.
    service.edit_deal(201, UF_CRM_1700000002=46)

    service.put_bytes("orders_TMS_1_again.json", data)
    report = service.run()

    assert report.exit_code == 0
    receipts = service.new_receipts()
    assert len(receipts) == 1
    assert receipts[0]["outcome"] == "duplicate"
    assert receipts[0]["results"] == []
    assert receipts[0]["count"] == 0
    assert receipts[0]["in_reply_to"] == document["package_id"]
    assert service.update_calls() == updates
    assert service.deal(201) == (PARTLY_PAID, None)
    assert list(service.inbox.glob("*.json")) == []
    archive = service.settings.paths.archive
    assert stored_copies(archive, "orders_TMS_1_again.json") == [data]


def test_same_id_other_bytes_rejected(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A known package id with other content is rejected."""
    service = exchange_factory(small_portal(DEALS))
    first = package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")])
    service.put(first)
    service.run()
    service.new_receipts()

    changed = package(
        2,
        [order("B", "ТЛ-202", status="ОплаченПолностью")],
        package_id=first["package_id"],
    )
    name = service.put(changed)
    data = (service.inbox / name).read_bytes()
    report = service.run()

    assert report.exit_code == 1
    (rejection,) = service.new_receipts()
    assert rejection["kind"] == "rejection"
    assert rejection["source_file"] == name
    assert rejection["errors"][0]["path"] == "/package_id"
    # The value as JSON text, as the contract gives every rejected value.
    assert rejection["errors"][0]["value"] == f'"{first["package_id"]}"'
    assert service.deal(202) == (None, None)
    assert stored_copies(service.errors, name) == [data]


def test_used_number_rejected(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Another package with an already used (sender, number) is rejected."""
    service = exchange_factory(small_portal(DEALS))
    service.put(package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")]))
    service.run()
    service.new_receipts()

    name = service.put(
        package(1, [order("B", "ТЛ-202", status="ОплаченПолностью")]),
        "orders_other.json",
    )
    data = (service.inbox / name).read_bytes()
    report = service.run()

    assert report.exit_code == 1
    (rejection,) = service.new_receipts()
    assert rejection["kind"] == "rejection"
    assert rejection["errors"][0]["path"] == "/number"
    assert rejection["errors"][0]["value"] == "1"
    assert service.deal(202) == (None, None)
    assert stored_copies(service.errors, name) == [data]


def test_rejected_package_uses_nothing(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A rejected package leaves its id and number free for a corrected one."""
    service = exchange_factory(small_portal(DEALS))
    package_id = str(uuid.uuid4())
    broken = package(
        1, [order("A", "ТЛ-201", status="ОплаченПолностью")], package_id=package_id
    )
    broken["orders"][0]["realization_date"] = "31.12.2026"
    service.put(broken, "orders_TMS_1_broken.json")
    report = service.run()
    assert report.exit_code == 1
    assert [r["kind"] for r in service.new_receipts()] == ["rejection"]

    # The same bytes again are rejected again.
    service.put(broken, "orders_TMS_1_broken_again.json")
    report = service.run()
    assert report.exit_code == 1
    assert [r["kind"] for r in service.new_receipts()] == ["rejection"]

    fixed = package(
        1, [order("A", "ТЛ-201", status="ОплаченПолностью")], package_id=package_id
    )
    service.put(fixed)
    report = service.run()

    assert report.exit_code == 0
    (receipt,) = service.new_receipts()
    assert receipt["kind"] == "orders_receipt"
    assert receipt["outcome"] == "applied"
    assert rows_by_number(receipt)["A"]["status"] == "updated"
    assert service.deal(201) == (FULLY_PAID, None)


def test_gap_after_rejections_logged(
    small_portal: PortalFactory,
    exchange_factory: ExchangeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A gap after rejected packages is not reported as files that never arrived."""
    service = exchange_factory(small_portal(DEALS))
    service.put(package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")]))
    service.run()
    for number in (2, 3):
        broken = package(number, [order("A", "ТЛ-201", status="ОплаченПолностью")])
        broken["orders"][0]["realization_date"] = "31.12.2026"
        service.put(broken)
    assert service.run().exit_code == 1
    service.put(package(4, [order("A", "ТЛ-201", status="НеОплачен")]))
    service.put(package(6, [order("B", "ТЛ-202", status="НеОплачен")]))

    with caplog.at_level(logging.WARNING):
        report = service.run()

    assert report.exit_code == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        "message numbers 2 to 3 of sender TMS have not been applied (rejected or "
        "not received); applying no. 4 without waiting for them. 'exchange audit "
        "list --outcome rejected' lists the rejected files"
    ) in warnings
    assert (
        "message number 5 of sender TMS has not been applied (rejected or not "
        "received); applying no. 6 without waiting for it. 'exchange audit list "
        "--outcome rejected' lists the rejected files"
    ) in warnings
    assert not any("arrived" in message for message in warnings)


def test_outgoing_numbers_gapless(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Receipts, rejections, duplicates and follow-ups share one gapless sequence."""
    emulator = small_portal({201: "ТЛ-201", 202: ""})
    service = exchange_factory(emulator)
    first = package(1, [order("A", "ТЛ-202", status="ОплаченПолностью")])
    service.put(first)
    service.run()
    service.put(first, "orders_TMS_1_copy.json")
    service.run()
    service.put_bytes("broken.json", b"{not json")
    service.run()
    service.edit_deal(202, UF_CRM_1700000001="ТЛ-202")
    service.run()
    service.put(package(2, [order("B", "ТЛ-201", status="ОплаченПолностью")]))
    service.run()

    receipts = service.receipts()
    assert [r["number"] for r in receipts] == [1, 2, 3, 4, 5]
    assert [r["sender"] for r in receipts] == ["B24"] * 5
    kinds = [(r["kind"], r.get("outcome")) for r in receipts]
    assert kinds == [
        ("orders_receipt", "applied"),
        ("orders_receipt", "duplicate"),
        ("rejection", None),
        ("orders_receipt", "applied"),
        ("orders_receipt", "applied"),
    ]
    names = sorted(path.name for path in service.outbox.glob("*.json"))
    assert names == sorted(f"{r['kind']}_B24_{r['number']}.json" for r in receipts)
