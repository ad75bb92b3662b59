"""Follow-up receipts: rows owed to earlier packages whose orders changed status.

Rows are queued in the state database in the transaction that changes the
reports they tell of (``ReportBook``), and composed here into one receipt
per earlier package. Each receipt is queued in the transaction that deletes
its rows, so a crash between the two loses none and sends none twice.
"""

from __future__ import annotations

import logging
from functools import partial

from exchange.archive import order_keys
from exchange.contract.enums import OrderStatus
from exchange.orders.reports import ReceiptRow, decode_row
from exchange.outbox.documents import orders_receipt_body
from exchange.service.runtime import Runtime
from exchange.state.orders_store import OrdersStore

log = logging.getLogger(__name__)


def write_followups(runtime: Runtime) -> tuple[int, int]:
    """Compose the queued follow-up receipts, one per earlier package.

    Each receipt is queued in the transaction that deletes its rows from
    the follow-up queue. Returns how many receipts were composed and how
    many of their rows have status error.
    """
    store = runtime.orders
    grouped: dict[str, list[tuple[int, ReceiptRow]]] = {}
    for seq, package_id, data in store.queued_followups():
        grouped.setdefault(package_id, []).append((seq, decode_row(data)))
    receipts = errors = 0
    for package_id, queued in sorted(grouped.items()):
        seqs = [seq for seq, _ in queued]
        rows = [row for _, row in queued]
        record = store.package(package_id)
        if record is None:
            log.warning(
                "dropped %d follow-up rows for unknown package %s",
                len(rows),
                package_id,
            )
            with store.transaction():
                store.drop_followups(seqs)
            continue
        body = orders_receipt_body(
            in_reply_to=package_id,
            source_file=record.source_file,
            sha256=record.sha256,
            outcome="applied",
            rows=rows,
        )
        runtime.outbox.compose(
            "orders_receipt",
            body,
            in_reply_to=package_id,
            keys=order_keys(rows),
            record=partial(_drop_followups, store, seqs),
        )
        receipts += 1
        errors += sum(1 for row in rows if row["status"] == OrderStatus.ERROR)
        log.info(
            "follow-up receipt for %s (orders whose status changed: %d)",
            record.source_file,
            len(rows),
        )
    return receipts, errors


def _drop_followups(store: OrdersStore, seqs: list[int], _: object) -> None:
    """Delete follow-up rows, as their receipt is queued (``Outbox.compose``)."""
    store.drop_followups(seqs)
