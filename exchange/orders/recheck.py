"""Retrying the orders that earlier runs left pending or ambiguous.

Top-level orders waiting for a deal (no deal with their number yet, an
ambiguous number, Bitrix24 unreachable) are evaluated again, and sub-orders
whose parent was unknown are attached once it has arrived. Every status that
changes is owed to the package that reported it, as a follow-up receipt.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from exchange.contract.enums import OrderStatus
from exchange.orders.apply import OrdersResult, load_with_ancestors
from exchange.orders.batch_log import record_logged_batches
from exchange.orders.evaluate import TopEvaluator
from exchange.orders.port import DealPort
from exchange.orders.reports import ReportBook, suborder_message
from exchange.rules.order_facts import Facts
from exchange.rules.rollup import OrderTree
from exchange.state.orders_records import OrderReport
from exchange.state.orders_store import OrdersStore

log = logging.getLogger(__name__)


def recheck_pending(store: OrdersStore, port: DealPort) -> OrdersResult:
    """Evaluate every order marked for a recheck; return the follow-ups."""
    book = ReportBook(store, None)
    record_logged_batches(store, book.settle)
    reports = store.reports_to_recheck()
    if not reports:
        return OrdersResult([], dict(book.followups))
    stored = store.orders(report.ref for report in reports)
    start = {ref: version.facts for ref, version in stored.items()}
    numbers = {ref: version.number for ref, version in stored.items()}
    known = load_with_ancestors(store, start, numbers=numbers)
    ancestry = OrderTree(known.values())
    tops: set[str] = set()
    attached: list[tuple[OrderReport, str]] = []
    for report in reports:
        facts = start.get(report.ref)
        if facts is None:
            continue
        if facts.parent_ref is None:
            tops.add(report.ref)
            continue
        top = ancestry.top_of(report.ref)
        if top is not None:
            tops.add(top)
            attached.append((report, top))
    family = store.families(tops, skip=known)
    merged: dict[str, Facts] = {ref: v.facts for ref, v in family.items()}
    merged.update(known)
    numbers.update((ref, version.number) for ref, version in family.items())
    tree = OrderTree(merged.values())
    log.info(
        "checking %d orders again (pending or waiting for a deal), %d top-level",
        len(reports),
        len(tops),
    )

    evaluation = TopEvaluator(store, port, book).run(tree, tops, numbers)
    changed: list[OrderReport] = []
    for report, top in attached:
        outcome = evaluation.outcomes.get(top)
        message = suborder_message(report.ref, tree, numbers, outcome)
        updated = replace(
            report,
            status=OrderStatus.SUBORDER.value,
            deal_id=outcome.deal_id if outcome else None,
            message=message,
            recheck=False,
        )
        changed.append(updated)
    with store.transaction():
        store.update_outcomes(changed)
        for report in changed:
            book.note_followup(report)
    return OrdersResult([], dict(book.followups), evaluation.stopped)
