"""Applying one ``orders`` package: versions, rollups, deals, receipt rows.

The package's newer order versions are stored in one transaction with the
package itself before anything is sent. Then the top-level orders whose
rollup may have changed are evaluated against their deals. Processing the
same package again after a crash reuses what was stored and confirmed.
"""

from __future__ import annotations

import logging
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from operator import attrgetter
from typing import cast

from exchange.bitrix24.errors import Bitrix24Error
from exchange.contract.enums import OrderStatus
from exchange.contract.models import Order, OrdersPackage
from exchange.contract.problems import OrderProblem
from exchange.orders.batch_log import record_logged_batches
from exchange.orders.evaluate import TopEvaluator
from exchange.orders.number_owners import NumberOwners
from exchange.orders.outcome import TopOutcome
from exchange.orders.port import DealPort
from exchange.orders.receipt_rows import (
    receipt_rows,
    rollup_row,
    sub_order_outcomes,
)
from exchange.orders.reports import ReceiptRow, ReportBook, rolled_up_reports
from exchange.orders.version_rows import version_rows
from exchange.rules.order_facts import Facts
from exchange.rules.rollup import OrderTree, affected_tops
from exchange.rules.versions import VersionKey, is_newer
from exchange.state.order_reports import outcome_statement
from exchange.state.orders_records import (
    PackageRecord,
    StoredOrder,
)
from exchange.state.orders_store import OrdersStore
from exchange.state.receipt_queues import pending_rollups_statement

log = logging.getLogger(__name__)


@dataclass
class OrdersResult:
    """Receipt rows of a package, follow-ups for earlier ones, and a stop."""

    rows: list[ReceiptRow]
    followups: dict[str, list[ReceiptRow]] = field(default_factory=dict)
    stopped: Bitrix24Error | None = None


_REF = attrgetter("ref")
_NUMBER = attrgetter("number")
_DOCUMENT_NUMBER = attrgetter("document_number")


def _version(stored: StoredOrder) -> VersionKey:
    modified = (
        datetime.fromisoformat(stored.modified_at) if stored.modified_at else None
    )
    return VersionKey(modified, stored.sender, stored.package_number)


def apply_orders(
    store: OrdersStore,
    port: DealPort,
    package: OrdersPackage,
    problems: Iterable[OrderProblem],
    record: PackageRecord,
    received_at: str,
) -> OrdersResult:
    """Apply ``package`` and return its receipt rows and follow-ups.

    The caller (``FileProcessor.process``) keeps the cyclic garbage collector
    paused for the whole file, which matters for packages of 100,000 orders.
    The last writes may still run when this returns: the caller must call
    ``OrdersStore.wait_for_writes`` (or begin a store transaction) before it
    uses the connection again.
    """
    book = ReportBook(store, record.package_id)
    record_logged_batches(store, book.settle)
    errors: dict[int, list[str]] = {}
    for problem in problems:
        # An order that shares its Номер документа is stored all the same,
        # and the evaluation gives it the error: once the other order's
        # number changes, that change draws this order in again.
        if not problem.keeps_order:
            errors.setdefault(problem.index, []).append(problem.message)
    orders = package.orders
    # attrgetter reads a column of the orders at C speed.
    incoming = (
        {order.ref: order for index, order in enumerate(orders) if index not in errors}
        if errors
        else dict(zip(map(_REF, orders), orders, strict=True))
    )
    previous = store.orders(incoming)
    resumed = store.package(record.package_id) is not None
    # With no stored version, every valid order is newer.
    accepted, older = (
        _newer(orders, errors, previous, record) if previous else (incoming, {})
    )
    if not resumed:
        # SQLite stores the versions on a second core while the state is read
        # and the updates planned. Until the store waits for them (before the
        # first request, or its next transaction), reads see the state as it
        # was before the package, so no order of the package is read back.
        store.save_versions(
            record,
            received_at,
            version_rows(accepted),
            replaced=[ref for ref in previous if ref in accepted],
        )
        book.mark_fresh(accepted)
    with store.writes_ended_on_error():
        scope = _affected(store, accepted, previous)
        evaluator = TopEvaluator(store, port, book)
        evaluation = evaluator.run(
            scope.tree, scope.tops, scope.numbers, owners=scope.owners
        )
        outcomes = evaluation.outcomes
        if resumed:
            outcomes = _keep_confirmed(store, record.package_id, outcomes)
        if scope.adopted:
            # Their receipts reported them waiting for the parent. A follow-up
            # now reports the outcome of the top they roll up into.
            reports = store.reports(scope.adopted).values()
            book.store_changed(
                rolled_up_reports(
                    [report for report in reports if report.recheck],
                    scope.tree,
                    scope.numbers,
                    outcomes,
                )
            )

        sub_outcomes = sub_order_outcomes(accepted, scope.tree, scope.numbers, outcomes)
        own = set(map(_REF, orders))
        rollups = [
            rollup_row(top, scope.numbers, scope.tree, outcomes[top])
            for top in sorted(scope.family_tops - own)
            if top in outcomes
        ]
        waiting = [
            (row["ref"], row["number"], row["document_number"])
            for row in rollups
            if row["status"] == OrderStatus.PENDING
        ]
        # SQLite stores these while the receipt rows are built. The caller
        # waits for them before it composes the receipt.
        store.write_behind(
            [
                outcome_statement(sub_outcomes.values()),
                pending_rollups_statement(record.package_id, waiting),
            ]
        )
        # The deals of orders not applied, as last reported for their stored
        # versions: a receipt row names its deal whenever the deal is known.
        not_applied = [orders[index].ref for index in (*errors, *older)]
        known_deals = {
            ref: report.deal_id for ref, report in store.reports(not_applied).items()
        }
        rows = receipt_rows(orders, errors, older, outcomes, sub_outcomes, known_deals)
        rows.extend(rollups)
        return OrdersResult(rows, dict(book.followups), evaluation.stopped)


def _newer(
    orders: Sequence[Order],
    errors: Container[int],
    previous: Mapping[str, StoredOrder],
    record: PackageRecord,
) -> tuple[dict[str, Order], dict[int, StoredOrder]]:
    """Split the valid orders into those applied and those older than stored.

    Return the applied orders by ref, and the stored version that each
    older one (by its index in the package) loses to.
    """
    accepted: dict[str, Order] = {}
    older: dict[int, StoredOrder] = {}
    for index, order in enumerate(orders):
        if index in errors:
            continue
        current = previous.get(order.ref)
        if (
            current is None
            or current.package_id == record.package_id
            or is_newer(
                VersionKey(order.modified_at, record.sender, record.number),
                _version(current),
            )
        ):
            accepted[order.ref] = order
        else:
            older[index] = current
    return accepted, older


def _keep_confirmed(
    store: OrdersStore, package_id: str, outcomes: dict[str, TopOutcome]
) -> dict[str, TopOutcome]:
    """Report ``updated`` again for deals this package updated before a crash.

    Processed again, the package finds those deals already holding its
    values, so their outcome is ``unchanged``. The receipt must read as if
    the run had not been interrupted.
    """
    unchanged = [
        ref
        for ref, outcome in outcomes.items()
        if outcome.status == OrderStatus.UNCHANGED
    ]
    reports = store.reports(unchanged)
    kept = dict(outcomes)
    for ref in unchanged:
        report = reports.get(ref)
        if (
            report is not None
            and report.package_id == package_id
            and report.status == OrderStatus.UPDATED
        ):
            kept[ref] = replace(outcomes[ref], status=OrderStatus.UPDATED)
        else:
            # The batch in flight when the run stopped may have set the values,
            # and its response was lost. No stored fact separates that from
            # another change.
            kept[ref] = replace(outcomes[ref], message=_RESUMED_UNCHANGED)
    return kept


_RESUMED_UNCHANGED = (
    "the deal already holds these values; an update sent before the service "
    "restarted may have set them"
)


@dataclass(frozen=True, slots=True)
class Scope:
    """The orders one package's evaluation covers.

    ``tree`` contains every family the package touches, ``numbers`` the 1C
    number of each of its orders. ``family_tops`` are the tops of the
    changed families; ``tops`` adds the tops that share a changed document
    number, in the order their deals are updated. ``owners`` gives the
    counting tops of every changed number. ``adopted`` are the stored
    orders that waited for a parent the package brings.
    """

    tree: OrderTree
    numbers: dict[str, str]
    family_tops: set[str]
    tops: list[str]
    owners: NumberOwners
    adopted: list[str]


def _affected(
    store: OrdersStore,
    accepted: dict[str, Order],
    previous: dict[str, StoredOrder],
) -> Scope:
    """Build the tree of every family the accepted orders touch.

    Reads the state as it was before the package: the package's own orders
    come from ``accepted``, and replace their stored versions.
    """
    numbers = dict(zip(accepted, map(_NUMBER, accepted.values()), strict=True))
    known: dict[str, Facts] = load_with_ancestors(
        store,
        dict(accepted),
        [p.facts for p in previous.values()],
        numbers=numbers,
    )
    tree = OrderTree(known.values())
    changes: dict[str, Facts | None] = dict.fromkeys(accepted)
    for ref, stored in previous.items():
        if ref in changes:
            changes[ref] = stored.facts
    family_tops = affected_tops(tree, changes)
    owners, sharing_tops = _number_owners(store, accepted, previous)
    # Every top of the package is in ``family_tops`` already.
    tops = family_tops | sharing_tops
    # Stored tops of other families that share a changed number, and the
    # stored orders below the tops and the package's orders: the unchanged
    # siblings of changed sub-orders, and sub-orders that waited for a
    # parent the package brings. An order stored only now has no stored
    # children except those waiting for it, so the walk starts from orders
    # stored before and from the waited-for parents only.
    extra = store.orders(tops.difference(known))
    skip = set(known).union(extra)
    starts = {ref for ref in tops if ref not in accepted}
    starts.update(previous)
    waited = store.waiting_parents().intersection(accepted)
    starts.update(waited)
    below = store.stored_below(starts, skip=skip)
    if extra or below:
        added = [*extra.values(), *below.values()]
        numbers.update((stored.facts.ref, stored.number) for stored in added)
        tree = OrderTree([*known.values(), *(stored.facts for stored in added)])
    # Otherwise the tree is complete as it is (OrderTree is immutable), which
    # also keeps what ``affected_tops`` cached in it.
    # Stored orders that waited for a parent the package brings.
    adopted = {ref for parent in waited for ref in tree.family(parent)}
    adopted.difference_update(accepted)
    return Scope(
        tree,
        numbers,
        family_tops,
        _in_order(tops, accepted, tree),
        owners,
        sorted(adopted),
    )


def _number_owners(
    store: OrdersStore,
    accepted: dict[str, Order],
    previous: dict[str, StoredOrder],
) -> tuple[NumberOwners, set[str]]:
    """Return the counting tops of each changed document number, package included.

    A changed number can end or start a conflict with orders elsewhere. The
    stored versions of the package's orders are left out, and the package's
    versions counted instead. The second value lists the stored tops of
    other packages that carry a changed number.
    """
    changed = set(map(_DOCUMENT_NUMBER, accepted.values()))
    changed.update(stored.facts.document_number for stored in previous.values())
    changed.discard(None)
    changed.discard("")
    wanted = cast("set[str]", changed)
    owners = NumberOwners()
    stored_tops: set[str] = set()
    for number, refs in store.counting_tops_with_numbers(wanted).items():
        for ref in refs:
            if ref not in accepted:
                owners.add(number, ref)
                stored_tops.add(ref)
    # ``is_included`` inlined: this runs once per order of the package.
    pairs = [
        (order.document_number, ref)
        for ref, order in accepted.items()
        if order.parent_ref is None
        and order.document_number
        and order.posted
        and not order.deletion_mark
    ]
    owners.add_each(pairs)
    return owners, stored_tops


def _in_order(
    tops: set[str], accepted: Mapping[str, object], tree: OrderTree
) -> list[str]:
    """Return the known ``tops``: those of the package in its order, then the rest.

    Deal updates are sent and recorded in this order. The package's orders
    were stored in ref order, but a batch of 50 outcomes spreads over the
    table either way; package order keeps the receipt and the log readable.
    """
    ordered = [ref for ref in accepted if ref in tops]
    rest = tops.difference(accepted)
    ordered.extend(sorted(ref for ref in rest if ref in tree))
    return ordered


def load_with_ancestors(
    store: OrdersStore,
    start: Mapping[str, Facts],
    extra: Iterable[Facts] = (),
    *,
    numbers: dict[str, str] | None = None,
) -> dict[str, Facts]:
    """Return ``start`` with every stored ancestor of it and of ``extra``.

    ``numbers``, when given, receives the 1C number of each ancestor found.
    """
    known = dict(start)
    frontier = {f.parent_ref for f in [*start.values(), *extra] if f.parent_ref}
    while frontier:
        wanted = {ref for ref in frontier if ref not in known}
        found = store.orders(wanted) if wanted else {}
        for ref, stored in found.items():
            known.setdefault(ref, stored.facts)
            if numbers is not None:
                numbers.setdefault(ref, stored.number)
        frontier = {
            stored.facts.parent_ref
            for stored in found.values()
            if stored.facts.parent_ref and stored.facts.parent_ref not in known
        }
    return known
