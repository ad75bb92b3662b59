"""Rollup of multimodal orders: the deal values of an order with sub-orders.

An order without a parent is a top-level order and has a deal in Bitrix24.
Its sub-orders have no deal. The values sent to the deal of an order with
sub-orders are rolled up from its included sub-orders, recursively:

- realization date: the maximum of the sub-orders' dates when every one has a
  date, else None, which clears the deal's date.
- payment status: the sub-orders' common status when they all have the same
  one, else partially paid. An empty status counts as not paid.

A sub-order with the deletion mark set, or not posted, is excluded together
with everything below it. An order whose sub-orders are all excluded sends
its own values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchange.contract.enums import PaymentStatus
from exchange.rules.order_facts import DealValues, Facts

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import date


class OrderTree:
    """Known orders indexed by ref and by parent, with memoized results.

    The tree is immutable once built, so ``top_of`` and ``rollup`` cache
    their results for the lifetime of the object.
    """

    __slots__ = ("_children", "_included", "_orders", "_rollups", "_tops", "_values")

    def __init__(self, orders: Iterable[Facts]) -> None:
        """Index the orders. Raise ValueError when a ref occurs twice."""
        self._orders: dict[str, Facts] = {}
        # Sub-orders by parent ref. ``_included`` lists only those that take
        # part in rollups.
        self._children: dict[str, list[Facts]] = {}
        self._included: dict[str, list[Facts]] = {}
        self._tops: dict[str, str | None] = {}
        self._rollups: dict[str, DealValues] = {}
        self._values: dict[tuple[PaymentStatus, date | None], DealValues] = {}

        for order in orders:
            if order.ref in self._orders:
                raise ValueError(f"order {order.ref} is given twice")
            self._orders[order.ref] = order
            if order.parent_ref is not None:
                self._children.setdefault(order.parent_ref, []).append(order)
                # Inline ``is_included``: this loop runs once per order.
                if order.posted and not order.deletion_mark:
                    self._included.setdefault(order.parent_ref, []).append(order)

    def __contains__(self, ref: object) -> bool:
        return ref in self._orders

    def __len__(self) -> int:
        return len(self._orders)

    def get(self, ref: str) -> Facts | None:
        """Return the facts of the order, or None when it is not in the tree."""
        return self._orders.get(ref)

    def is_top(self, ref: str) -> bool:
        """Tell whether the order is in the tree and has no parent."""
        order = self._orders.get(ref)
        return order is not None and order.parent_ref is None

    def top_of(self, ref: str) -> str | None:
        """Return the ref of the top-level ancestor of the order.

        A top-level order is its own top. None means the order or one of its
        ancestors is not in the tree (a sub-order whose parent is not known
        yet is ``pending``), or the parent chain runs into a cycle.
        """
        order = self._orders.get(ref)
        if order is not None:
            parent = order.parent_ref
            if parent is None:
                return ref
            # Most sub-orders hang right below their top: no walk needed.
            above = self._orders.get(parent)
            if above is not None and above.parent_ref is None:
                return parent

        path: list[str] = []
        on_path: set[str] = set()
        current = ref
        result: str | None = None

        while True:
            if current in self._tops:
                result = self._tops[current]
                break
            order = self._orders.get(current)
            if order is None or current in on_path:
                result = None
                break
            path.append(current)
            on_path.add(current)
            if order.parent_ref is None:
                result = current
                break
            current = order.parent_ref

        for visited in path:
            self._tops[visited] = result
        return result

    def in_cycle(self, ref: str) -> bool:
        """Tell whether the parent chain of the order leads back to it.

        An order that only hangs below a cycle is not in it: its ``top_of`` is
        None, but this returns False.
        """
        seen: set[str] = set()
        order = self._orders.get(ref)
        while order is not None and order.parent_ref is not None:
            parent = order.parent_ref
            if parent == ref:
                return True
            if parent in seen:
                return False
            seen.add(parent)
            order = self._orders.get(parent)
        return False

    def left_out_by(self, ref: str) -> Facts | None:
        """Return the order that keeps a sub-order out of its top's rollup.

        That is the sub-order itself when it is marked for deletion or not
        posted, else its nearest such ancestor below the top. None means the
        sub-order takes part in the rollup, or is not below a known top.
        """
        top = self.top_of(ref)
        current = self._orders.get(ref)
        while current is not None and top is not None and current.ref != top:
            if current.deletion_mark or not current.posted:
                return current
            parent = current.parent_ref
            current = self._orders.get(parent) if parent is not None else None
        return None

    def family(self, ref: str) -> set[str]:
        """Return the order and all its descendants, excluded ones included."""
        found = {ref}
        stack = [ref]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                if child.ref not in found:
                    found.add(child.ref)
                    stack.append(child.ref)
        return found

    def rollup(self, ref: str) -> DealValues:
        """Compute the values to send to the deal of the order.

        Raise KeyError when the order is not in the tree, and ValueError when
        its sub-orders run into a parent cycle (never the case below a
        top-level order).
        """
        cached = self._rollups.get(ref)
        if cached is not None:
            return cached

        order = self._orders[ref]
        if ref not in self._included:
            # Most orders have no included sub-orders: skip the walk.
            values = self._own_values(order)
            self._rollups[ref] = values
            return values

        # Post-order walk without recursion. An order stays on the stack until
        # all its included sub-orders have their values in the memo. Sub-orders
        # without included sub-orders of their own are computed on the spot.
        stack = [order]
        entered = {ref}
        while stack:
            current = stack[-1]
            waiting: list[Facts] = []
            for child in self._included[current.ref]:
                if child.ref in self._rollups:
                    continue
                if child.ref not in self._included:
                    self._rollups[child.ref] = self._own_values(child)
                    continue
                if child.ref in entered:
                    raise ValueError(f"order {child.ref} is in a parent cycle")
                entered.add(child.ref)
                waiting.append(child)

            if waiting:
                stack.extend(waiting)
            else:
                stack.pop()
                self._rollups[current.ref] = self._combine(current.ref)

        return self._rollups[ref]

    def _own_values(self, order: Facts) -> DealValues:
        """Return the values an order sends by itself: its status and date.

        Orders share a few statuses and dates, so equal values are one
        object, built once per tree (``_interned``), rolled-up ones too.
        """
        # ``_interned`` inlined: this runs once per top-level order.
        key = (order.payment_status or PaymentStatus.NOT_PAID, order.realization_date)
        values = self._values.get(key)
        if values is None:
            values = self._values[key] = DealValues(*key)
        return values

    def _interned(self, status: PaymentStatus, day: date | None) -> DealValues:
        """Return the one ``DealValues`` object of this tree with these values."""
        key = (status, day)
        values = self._values.get(key)
        if values is None:
            values = self._values[key] = DealValues(status, day)
        return values

    def _combine(self, ref: str) -> DealValues:
        values = [self._rollups[child.ref] for child in self._included[ref]]

        statuses = {value.payment_status for value in values}
        status = statuses.pop() if len(statuses) == 1 else PaymentStatus.PARTIALLY_PAID

        dates = [value.realization_date for value in values]
        known_dates = [day for day in dates if day is not None]
        latest = max(known_dates) if len(known_dates) == len(dates) else None

        return self._interned(status, latest)


def affected_tops(tree: OrderTree, previous: Mapping[str, Facts | None]) -> set[str]:
    """Return the top-level orders whose rollup may change with these orders.

    ``tree`` contains the new state, changed orders included. ``previous`` maps
    the ref of every changed order to its facts before the change, or to None
    when the order was not known before. A changed order affects its new top
    and, when it was re-parented, its previous top too: the previous top may
    have lost a sub-order. Only refs that are top-level orders of ``tree``
    are returned, so a former top that became a sub-order is left out (its
    new top is returned instead).

    The tree must hold the ancestors of the changed orders' previous parents
    as well as of their new ones. A previous ancestor missing from both
    ``previous`` and ``tree`` is taken as unknown at the time, so it adds no
    top.
    """
    tops: set[str] = set()
    for ref, before in previous.items():
        if before is None and tree.is_top(ref):
            # A new top-level order: the common case of a large package.
            tops.add(ref)
            continue
        new_top = tree.top_of(ref)
        if new_top is not None:
            tops.add(new_top)
        if before is None:
            continue
        old_top = _previous_top(tree, previous, before)
        if old_top is not None and tree.is_top(old_top):
            tops.add(old_top)
    return tops


def _previous_top(
    tree: OrderTree, previous: Mapping[str, Facts | None], order: Facts
) -> str | None:
    # Orders that did not change have the same parent before and after, so the
    # previous chain reads ``previous`` first and the tree for the rest.
    seen: set[str] = set()
    current: Facts | None = order
    while current is not None and current.parent_ref is not None:
        parent = current.parent_ref
        if parent in seen:
            return None
        seen.add(parent)
        current = previous[parent] if parent in previous else tree.get(parent)
    return None if current is None else current.ref
