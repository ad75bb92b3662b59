"""The rows of an ``orders_receipt``: one per order of the package.

Sub-orders get their reports here too: rolled up into their top, left out
of its rollup, waiting for their parent, or in a parent cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from exchange.contract.enums import OrderStatus
from exchange.contract.models import Order
from exchange.orders.outcome import TopOutcome
from exchange.orders.reports import (
    ReceiptRow,
    left_out_message,
    rolled_up_message,
)
from exchange.rules.rollup import OrderTree
from exchange.state.orders_records import StoredOrder

SubOutcome = tuple[OrderStatus, int | None, str, bool, str]
"""A sub-order's outcome as an ``OutcomeRow``, with its ``OrderStatus``."""


def sub_order_outcomes(
    accepted: Mapping[str, Order],
    tree: OrderTree,
    numbers: Mapping[str, str],
    outcomes: Mapping[str, TopOutcome],
) -> dict[str, SubOutcome]:
    """Return the outcome of each accepted sub-order, by ref.

    A sub-order is rolled up into its top (status ``suborder``), waits for
    its parent (pending) or is in a parent cycle (error). Top-level
    outcomes are stored as they come; these are stored before the receipt
    rows are built, so that SQLite writes them meanwhile.
    """
    found: dict[str, SubOutcome] = {}
    # The included sub-orders below one top share its message.
    rolled_up: dict[str, str] = {}
    for ref, order in accepted.items():
        if order.parent_ref is not None:
            status, deal_id, message, recheck = _sub_outcome(
                order, tree, numbers, outcomes, rolled_up
            )
            found[ref] = (status, deal_id, message, recheck, ref)
    return found


def receipt_rows(
    orders: Sequence[Order],
    errors: Mapping[int, list[str]],
    older: Mapping[int, StoredOrder],
    outcomes: Mapping[str, TopOutcome],
    sub_outcomes: Mapping[str, SubOutcome],
    known_deals: Mapping[str, int | None],
) -> list[ReceiptRow]:
    """Return one receipt row per order of the package, in package order.

    ``sub_outcomes`` are those of ``sub_order_outcomes``. ``known_deals``
    gives the deal last reported for orders that are not applied (in error,
    or older than stored), whose rows name it too.
    """
    rows: list[ReceiptRow] = []
    append = rows.append
    not_applied = errors.keys() | older.keys()
    for index, order in enumerate(orders):
        ref = order.ref
        document_number = order.document_number or ""
        if index in not_applied:
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
            status, deal_id, message, _, _ = sub_outcomes[ref]
        append(
            {
                "ref": ref,
                "number": order.number,
                "document_number": document_number,
                "status": status,
                "deal_id": deal_id,
                "message": message,
                "rollup": False,
            }
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


def _sub_outcome(
    order: Order,
    tree: OrderTree,
    numbers: Mapping[str, str],
    outcomes: Mapping[str, TopOutcome],
    rolled_up: dict[str, str],
) -> tuple[OrderStatus, int | None, str, bool]:
    """Return a sub-order's status, deal, message and recheck.

    The sub-order is rolled up or left out, waits for its parent, or is in
    a parent cycle. ``rolled_up`` caches the message of each top's
    included sub-orders.
    """
    ref = order.ref
    top = tree.top_of(ref)
    if top is None:
        if tree.in_cycle(ref):
            return OrderStatus.ERROR, None, _CYCLE, False
        return OrderStatus.PENDING, None, _ORPHAN, True
    outcome = outcomes.get(top)
    message = left_out_message(ref, tree, numbers)
    if message is None:
        message = rolled_up.get(top)
        if message is None:
            message = rolled_up[top] = rolled_up_message(top, tree, numbers, outcome)
    return OrderStatus.SUBORDER, outcome.deal_id if outcome else None, message, False


_RETRIED = "the order is retried on the next run"
_CYCLE = (
    "the chain of parent orders (Головной заказ) leads back to this order; "
    "correct the parent in 1C and upload the order again"
)
_ORPHAN = (
    "the parent order (Головной заказ) is not known yet; upload it from 1C, "
    "the order is retried until then"
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
