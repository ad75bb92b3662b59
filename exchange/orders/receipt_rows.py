"""The rows of an ``orders_receipt``: one per order of the package.

Sub-orders get their reports here too: rolled up into their top, left out
of its rollup, waiting for their parent, or in a parent cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from exchange.contract.enums import OrderStatus
from exchange.contract.models import Order
from exchange.orders.outcome import TopOutcome
from exchange.orders.reports import ReceiptRow, suborder_message
from exchange.rules.rollup import OrderTree
from exchange.state.orders_records import OrderReport, StoredOrder


def receipt_rows(
    orders: Sequence[Order],
    errors: Mapping[int, list[str]],
    older: Mapping[int, StoredOrder],
    accepted: Mapping[str, Order],
    tree: OrderTree,
    numbers: Mapping[str, str],
    outcomes: Mapping[str, TopOutcome],
    sub_reports: list[OrderReport],
    known_deals: Mapping[str, int | None],
) -> list[ReceiptRow]:
    """Return one receipt row per order of the package, in package order.

    Sub-orders get their report (status ``suborder``, pending or error) in
    ``sub_reports``; top-level reports were stored as their outcomes came.
    ``known_deals`` gives the deal last reported for orders that are not
    applied (in error, or older than stored), whose rows name it too.
    """
    rows: list[ReceiptRow] = []
    append = rows.append
    for index, order in enumerate(orders):
        ref = order.ref
        document_number = order.document_number or ""
        if index in errors or index in older:
            status, message = _not_applied(index, errors, older)
            deal_id = known_deals.get(ref)
        elif order.parent_ref is None:
            outcome = outcomes.get(ref)
            if outcome is None:
                status, deal_id, message = OrderStatus.PENDING, None, _RETRIED
            else:
                status, deal_id, message = (
                    outcome.status,
                    outcome.deal_id,
                    outcome.message,
                )
        else:
            report = _sub_report(accepted[ref], tree, numbers, outcomes)
            sub_reports.append(report)
            status, deal_id, message = (
                OrderStatus(report.status),
                report.deal_id,
                report.message,
            )
        append(
            ReceiptRow(
                ref,
                order.number,
                document_number,
                status,
                deal_id,
                message,
                rollup=False,
            )
        )
    return rows


def _not_applied(
    index: int, errors: Mapping[int, list[str]], older: Mapping[int, StoredOrder]
) -> tuple[OrderStatus, str]:
    """Return the status and message of an order in error or older than stored."""
    if index in errors:
        return OrderStatus.ERROR, "; ".join(errors[index])
    current = older[index]
    return (
        OrderStatus.IGNORED,
        (
            # A later version is one changed later in 1C or, with the same
            # time of change, one sent in a package with a higher number.
            f"a later version of this order (package {current.sender} "
            f"no. {current.package_number}) is already applied"
        ),
    )


def _sub_report(
    order: Order,
    tree: OrderTree,
    numbers: Mapping[str, str],
    outcomes: Mapping[str, TopOutcome],
) -> OrderReport:
    """Return the report of a sub-order: rolled up, waiting, or in a cycle."""
    ref = order.ref
    top = tree.top_of(ref)
    if top is None:
        cycle = tree.in_cycle(ref)
        return _report(
            order,
            OrderStatus.ERROR if cycle else OrderStatus.PENDING,
            None,
            _CYCLE if cycle else _ORPHAN,
            recheck=not cycle,
        )
    outcome = outcomes.get(top)
    message = suborder_message(ref, tree, numbers, outcome)
    return _report(
        order,
        OrderStatus.SUBORDER,
        outcome.deal_id if outcome else None,
        message,
        recheck=False,
    )


_RETRIED = "the order is retried on the next run"
_CYCLE = (
    "the chain of parent orders (Головной заказ) leads back to this order; "
    "correct the parent in 1C and upload the order again"
)
_ORPHAN = (
    "the parent order (Головной заказ) is not known yet; upload it from 1C, "
    "the order is retried until then"
)


def _report(
    order: Order,
    status: OrderStatus,
    deal_id: int | None,
    message: str,
    *,
    recheck: bool,
) -> OrderReport:
    # Only the outcome is stored (``update_outcomes``); the package and
    # numbers are those of the order's stored version.
    return OrderReport(
        ref=order.ref,
        package_id="",
        number=order.number,
        document_number=order.document_number or "",
        status=status.value,
        deal_id=deal_id,
        message=message,
        rollup=False,
        recheck=recheck,
    )


def rollup_row(
    top: str, numbers: dict[str, str], tree: OrderTree, outcome: TopOutcome
) -> ReceiptRow:
    facts = tree.get(top)
    return ReceiptRow(
        ref=top,
        number=numbers.get(top, ""),
        document_number=(facts.document_number if facts else None) or "",
        status=outcome.status,
        deal_id=outcome.deal_id,
        message=outcome.message,
        rollup=True,
    )
