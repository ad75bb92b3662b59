"""A lower bound for local processing: the least work a 100,000-order package needs.

Run from the repository root: ``.venv/bin/python bench/bench_floor.py``.

The ``plan`` part of ``bench_orders.py`` times the service's own code. This
script times a stripped-down version of the same steps on the same package,
to show how far below that the steps can go with the same building blocks
(the contract's ``load_package``, and the store's lookup and version insert):

1. parse and validate the file (``load_package``, unchanged);
2. look up the stored versions of its orders (``OrdersStore.orders``);
3. store every version (``OrdersStore.save_versions``, on a second thread);
4. roll each top-level order up from its direct sub-orders and plan the
   update of its deal, whose ID comes from a dictionary;
5. build one receipt row per order and serialize the receipt.

Left out, though the service must do them: comparing versions, walking
families already stored, finding orders that share a document number,
leaving out excluded sub-orders, storing outcomes and the deal cache, and
the messages of the receipt. Each left-out step adds work, so this
estimates the least time these steps need with these building blocks. It
is an estimate, not a proof: another design could do some step faster.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from bench_orders import median_of_runs

from exchange.contract.enums import PaymentStatus
from exchange.contract.load import load_package
from exchange.contract.models import Order, OrdersPackage
from exchange.orders.version_rows import version_rows
from exchange.state.db import connect, paused_gc
from exchange.state.orders_records import PackageRecord
from exchange.state.orders_store import OrdersStore


def floor_once(data: bytes, deal_ids: dict[str, int]) -> dict[str, float]:
    """Run the stripped-down steps once in a fresh database; return their times."""
    with tempfile.TemporaryDirectory() as folder, paused_gc():
        store = OrdersStore(connect(Path(folder) / "state.sqlite3"))
        started = time.perf_counter()
        loaded = load_package(data, "orders_TMS_1.json")
        package = loaded.package
        if not isinstance(package, OrdersPackage):
            raise TypeError("the benchmark package must be an orders package")
        orders = package.orders
        parsed = time.perf_counter()
        store.orders(order.ref for order in orders)
        record = PackageRecord(
            package.package_id, loaded.sha256, "orders", "TMS", 1, "x", "applying"
        )
        store.save_versions(
            record, "", version_rows({order.ref: order for order in orders})
        )
        stored = time.perf_counter()
        deals = _plan(orders, deal_ids)
        planned = time.perf_counter()
        _receipt(orders, deals)
        answered = time.perf_counter()
        store.wait_for_writes()
        done = time.perf_counter()
        store.conn.close()
    return {
        "seconds": done - started,
        "parse and validate": parsed - started,
        "look up, start storing the versions": stored - parsed,
        "roll up and plan": planned - stored,
        "receipt rows and bytes": answered - planned,
        "wait for the versions": done - answered,
    }


def _plan(orders: tuple[Order, ...], deal_ids: dict[str, int]) -> dict[str, int]:
    """Roll up every top-level order and plan its update; return deals by ref."""
    children: dict[str, list[Order]] = {}
    for order in orders:
        if order.parent_ref is not None:
            children.setdefault(order.parent_ref, []).append(order)
    deals: dict[str, int] = {}
    updates: list[tuple[int, str, str | None]] = []
    for order in orders:
        if order.parent_ref is not None or order.document_number is None:
            continue
        below = children.get(order.ref)
        if below:
            statuses = {
                child.payment_status or PaymentStatus.NOT_PAID for child in below
            }
            status = (
                statuses.pop() if len(statuses) == 1 else PaymentStatus.PARTIALLY_PAID
            )
            days = [child.realization_date for child in below]
            day = None if None in days else max(day for day in days if day)
        else:
            status = order.payment_status or PaymentStatus.NOT_PAID
            day = order.realization_date
        deal_id = deal_ids[order.document_number]
        deals[order.ref] = deal_id
        updates.append((deal_id, status.value, day.isoformat() if day else None))
    return deals


def _receipt(orders: tuple[Order, ...], deals: dict[str, int]) -> bytes:
    """Return the receipt's bytes: one row per order, in package order."""
    rows: list[dict[str, Any]] = []
    for order in orders:
        top = order.ref if order.parent_ref is None else order.parent_ref
        rows.append(
            {
                "ref": order.ref,
                "number": order.number,
                "document_number": order.document_number or "",
                "status": "pending" if order.parent_ref is None else "suborder",
                "deal_id": deals.get(top),
                "message": "",
                "rollup": False,
            }
        )
    return orjson.dumps(
        {"count": len(rows), "results": rows}, option=orjson.OPT_INDENT_2
    )


def main() -> None:
    """Time the floor ``LOCAL_RUNS`` times and print the median run."""
    result = median_of_runs(floor_once)
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
