"""The two orders samples end to end: receipts and deals after each package.

The expected values are the outcome tables of ``samples/README.md``, written
out here by hand.
"""

from __future__ import annotations

import hashlib

import orjson

from tests.orders.conftest import (
    FULLY_PAID,
    NOT_PAID,
    PARTLY_PAID,
    SAMPLES,
    STATUS_FIELD,
    Exchange,
    rows_by_number,
)

# number → (receipt status, deal_id) for orders_TMS_1.json.
PACKAGE_1_ROWS = {
    "ТЛ00-000121": ("updated", 101),
    "ТЛ00-000122": ("updated", 102),
    "ТЛ00-000322": ("suborder", 102),
    "ТЛ00-000125": ("updated", 105),
    "ТЛ00-000199": ("pending", None),
    "ТЛ00-000126": ("error", None),
    "ТЛ00-000123": ("updated", 103),
    "ТЛ00-000341": ("suborder", 103),
    "ТЛ00-000342": ("suborder", 103),
    "ТЛ00-000124": ("updated", 104),
    "ТЛ00-000343": ("suborder", 104),
    "ТЛ00-000344": ("suborder", 104),
    "ТЛ00-000345": ("suborder", 104),
    "ТЛ00-000128": ("updated", 108),
    "ТЛ00-000381": ("suborder", 108),
    "ТЛ00-000391": ("suborder", 108),
    "ТЛ00-000392": ("suborder", 108),
    "ТЛ00-000382": ("suborder", 108),
    "ТЛ00-000393": ("suborder", 108),
    "ТЛ00-000129": ("unchanged", 109),
    "ТЛ00-000131": ("ignored", None),
    "ТЛ00-000132": ("ignored", None),
}

# deal → (payment status item, realization date) after orders_TMS_1.json.
DEALS_AFTER_1 = {
    101: (NOT_PAID, None),
    102: (FULLY_PAID, "2026-11-20"),
    103: (PARTLY_PAID, None),
    104: (FULLY_PAID, "2026-11-12"),
    105: (PARTLY_PAID, "2026-11-25"),
    106: (None, None),
    107: (None, None),
    108: (FULLY_PAID, "2026-11-24"),
    109: (FULLY_PAID, "2026-11-20"),
}

# number → (receipt status, deal_id, rollup) for orders_TMS_2.json.
PACKAGE_2_ROWS = {
    "ТЛ00-000342": ("suborder", 103, False),
    "ТЛ00-000123": ("updated", 103, True),
    "ТЛ00-000129": ("unchanged", 109, False),
}

DEALS_AFTER_2 = {**DEALS_AFTER_1, 103: (FULLY_PAID, "2026-11-22")}


def test_samples_receipt_of_package_1(exchange: Exchange) -> None:
    """The receipt of orders_TMS_1.json gives every order its status and deal."""
    exchange.put_sample("orders_TMS_1.json")

    report = exchange.run()

    assert report.exit_code == 1  # ТЛ-000106 is an error
    receipts = exchange.new_receipts()
    assert len(receipts) == 1
    receipt = receipts[0]
    data = (SAMPLES / "orders_TMS_1.json").read_bytes()
    assert receipt["kind"] == "orders_receipt"
    assert receipt["in_reply_to"] == "a5f44146-106d-47bc-83f2-c3b77db53b18"
    assert receipt["source_file"] == "orders_TMS_1.json"
    assert receipt["sha256"] == hashlib.sha256(data).hexdigest()
    assert receipt["outcome"] == "applied"
    assert receipt["count"] == 22
    rows = rows_by_number(receipt)
    assert set(rows) == set(PACKAGE_1_ROWS)
    for number, (status, deal_id) in PACKAGE_1_ROWS.items():
        assert (number, rows[number]["status"]) == (number, status)
        assert (number, rows[number]["deal_id"]) == (number, deal_id)
        assert (number, rows[number]["rollup"]) == (number, False)
    assert "106, 107" in rows["ТЛ00-000126"]["message"]


def test_samples_receipt_matches_outgoing_sample(exchange: Exchange) -> None:
    """The service writes the rows of samples/outgoing/orders_receipt_B24_2.json."""
    exchange.put_sample("orders_TMS_1.json")
    exchange.run()
    (receipt,) = exchange.new_receipts()
    sample = orjson.loads(
        (SAMPLES / "outgoing" / "orders_receipt_B24_2.json").read_bytes()
    )

    assert receipt["results"] == sample["results"]
    assert receipt["in_reply_to"] == sample["in_reply_to"]
    assert receipt["sha256"] == sample["sha256"]


def test_samples_deals_after_package_1(exchange: Exchange) -> None:
    """After orders_TMS_1.json every deal has the values of the outcome table."""
    exchange.put_sample("orders_TMS_1.json")

    exchange.run()

    for deal_id, expected in DEALS_AFTER_1.items():
        assert (deal_id, exchange.deal(deal_id)) == (deal_id, expected)
    # Deal 101: the date is empty in 1C and in the deal, so only the status is sent.
    assert [set(fields) for fields in exchange.sent[101]] == [{STATUS_FIELD}]
    assert exchange.updates[106] == 0
    assert exchange.updates[107] == 0
    assert exchange.updates[109] == 0


def test_samples_package_2_after_1(exchange: Exchange) -> None:
    """orders_TMS_2.json recomputes ТЛ-000103 from both packages with a rollup row."""
    exchange.put_sample("orders_TMS_1.json")
    exchange.run()
    exchange.new_receipts()
    exchange.put_sample("orders_TMS_2.json")

    report = exchange.run()

    assert report.exit_code == 0
    receipts = exchange.new_receipts()
    assert len(receipts) == 1
    receipt = receipts[0]
    assert receipt["in_reply_to"] == "6de31633-fbca-4720-8116-27c8accf703b"
    assert receipt["outcome"] == "applied"
    rows = rows_by_number(receipt)
    assert set(rows) == set(PACKAGE_2_ROWS)
    for number, (status, deal_id, rollup) in PACKAGE_2_ROWS.items():
        assert (number, rows[number]["status"]) == (number, status)
        assert (number, rows[number]["deal_id"]) == (number, deal_id)
        assert (number, rows[number]["rollup"]) == (number, rollup)
    for deal_id, expected in DEALS_AFTER_2.items():
        assert (deal_id, exchange.deal(deal_id)) == (deal_id, expected)
    assert exchange.updates[109] == 0


def test_samples_files_archived(exchange: Exchange) -> None:
    """Both samples leave the inbox and the outbox numbers run 1, 2 without gaps."""
    exchange.put_sample("orders_TMS_1.json")
    exchange.run()
    exchange.put_sample("orders_TMS_2.json")
    exchange.run()

    assert list(exchange.inbox.glob("*.json")) == []
    numbers = [receipt["number"] for receipt in exchange.receipts()]
    assert numbers == [1, 2]
