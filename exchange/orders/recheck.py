"""Retrying the orders that earlier runs left pending or ambiguous.

Top-level orders waiting for a deal (no deal with their number yet, an
ambiguous number, Bitrix24 unreachable) are evaluated again, and sub-orders
whose parent was unknown are attached once it has arrived. Every status that
changes is owed to the package that reported it, as a follow-up receipt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from exchange.orders.apply import OrdersResult, load_with_ancestors
from exchange.orders.batch_log import record_logged_batches
from exchange.orders.evaluate import TopEvaluator
from exchange.orders.outcome import TopOutcome
from exchange.orders.port import DealPort
from exchange.orders.reports import ReportBook, rolled_up_reports
from exchange.rules.order_facts import Facts
from exchange.rules.rollup import OrderTree
from exchange.state.orders_records import OrderReport
from exchange.state.orders_store import OrdersStore

log = logging.getLogger(__name__)


def recheck_pending(
    store: OrdersStore,
    port: DealPort,
    *,
    should_stop: Callable[[], bool] = lambda: False,
) -> OrdersResult:
    """Evaluate every order marked for a recheck; return the follow-ups.

    The top-level orders are evaluated ``RECHECK_CHUNK`` at a time, and
    ``should_stop`` is asked between two chunks: a daemon asked to stop
    leaves the rest for its next start instead of running minutes longer.
    """
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

    ordered = sorted(tops)
    below: dict[str, list[OrderReport]] = {}
    for report, top in attached:
        below.setdefault(top, []).append(report)
    stopped = None
    for start_at in range(0, len(ordered), RECHECK_CHUNK):
        if start_at and should_stop():
            log.info(
                "retry of pending orders stopped after %d of %d top-level orders "
                "on a stop request; the rest are retried at the next start",
                start_at,
                len(ordered),
            )
            break
        chunk = ordered[start_at : start_at + RECHECK_CHUNK]
        evaluation = TopEvaluator(store, port, book).run(tree, chunk, numbers)
        _attach(book, tree, numbers, evaluation.outcomes, chunk, below)
        if evaluation.stopped is not None:
            stopped = evaluation.stopped
            break
    return OrdersResult([], dict(book.followups), stopped)


RECHECK_CHUNK = 500
"""Top-level orders evaluated at a time when pending orders are retried.

At the default request limit of 2 per second, 500 updates take 10
``batch`` requests: about 5 seconds of updates before a stop request is seen."""


def _attach(
    book: ReportBook,
    tree: OrderTree,
    numbers: dict[str, str],
    outcomes: Mapping[str, TopOutcome],
    tops: Iterable[str],
    below: Mapping[str, list[OrderReport]],
) -> None:
    """Report the waiting sub-orders of ``tops`` as rolled up into them."""
    waiting = [report for top in tops for report in below.get(top, ())]
    book.store_changed(rolled_up_reports(waiting, tree, numbers, outcomes))
