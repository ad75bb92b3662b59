"""Business checks of an orders package that the schema cannot express.

A failed check marks only the orders involved (status ``error`` in the
receipt); the package's other orders are applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from operator import attrgetter

from exchange.contract.models import Order
from exchange.contract.problems import OrderProblem


def check_orders(orders: Sequence[Order]) -> list[OrderProblem]:
    """Run every business check and return the problems in order position."""
    # Most packages pass every check, so each check first screens the whole
    # package with a column that attrgetter reads at C speed, and searches
    # order by order only when the screen finds a candidate.
    problems: list[OrderProblem] = []
    if len(set(map(_REF, orders))) != len(orders):
        problems.extend(_duplicate_refs(orders))
    # Only sub-orders can be their own parent or sit in a cycle. Most orders
    # of a package are top-level, so these two checks skip them.
    if any(map(_PARENT_REF, orders)):
        suborders = [
            (index, order) for index, order in enumerate(orders) if order.parent_ref
        ]
        problems.extend(_own_parents(suborders))
        problems.extend(_parent_cycles(suborders))
    if _repeats_non_empty(list(map(_DOCUMENT_NUMBER, orders))):
        problems.extend(_shared_document_numbers(orders))
    problems.sort(key=lambda problem: problem.index)
    return problems


_REF = attrgetter("ref")
_PARENT_REF = attrgetter("parent_ref")
_DOCUMENT_NUMBER = attrgetter("document_number")


def _repeats_non_empty(values: list[str | None]) -> bool:
    """Tell whether a value other than ``None`` occurs more than once."""
    distinct = set(values)
    distinct.discard(None)
    return len(distinct) != len(values) - values.count(None)


def _positions(indexes: Sequence[int]) -> str:
    return ", ".join(f"/orders/{index}" for index in indexes)


def _duplicate_refs(orders: Sequence[Order]) -> list[OrderProblem]:
    refs = [order.ref for order in orders]
    if len(set(refs)) == len(refs):
        return []
    by_ref: defaultdict[str, list[int]] = defaultdict(list)
    for index, ref in enumerate(refs):
        by_ref[ref].append(index)
    problems: list[OrderProblem] = []
    for ref, indexes in by_ref.items():
        if len(indexes) < 2:
            continue
        message = (
            f"the order {ref} (Ссылка) appears {len(indexes)} times in this package, "
            f"at {_positions(indexes)}; an order may appear once per package, "
            "so send only its latest version"
        )
        problems.extend(
            OrderProblem(index, ref, f"/orders/{index}/ref", message)
            for index in indexes
        )
    return problems


def _own_parents(suborders: Sequence[tuple[int, Order]]) -> list[OrderProblem]:
    message = (
        "the order is its own parent (Головной заказ equals Ссылка); clear "
        "Головной заказ for a top-level order or set the real parent order"
    )
    return [
        OrderProblem(index, order.ref, f"/orders/{index}/parent_ref", message)
        for index, order in suborders
        if order.parent_ref == order.ref
    ]


def _parent_cycles(suborders: Sequence[tuple[int, Order]]) -> list[OrderProblem]:
    # Every order of a cycle is a sub-order whose parent is a sub-order of
    # the package. Most packages have none whose parent is a sub-order too.
    refs = {order.ref for _, order in suborders}
    if refs.isdisjoint(order.parent_ref for _, order in suborders):
        return []
    # With a duplicated ref the first occurrence's parent counts; duplicates
    # are reported on their own.
    parent_of: dict[str, str] = {}
    number_of: dict[str, str] = {}
    for _, order in suborders:
        if order.parent_ref is not None and order.ref not in parent_of:
            parent_of[order.ref] = order.parent_ref
            number_of.setdefault(order.ref, order.number)
    cycles: dict[str, list[str]] = {}
    finished: set[str] = set()
    for start in parent_of:
        trail: list[str] = []
        on_trail: set[str] = set()
        current: str | None = start
        while (
            current is not None and current not in finished and current not in on_trail
        ):
            trail.append(current)
            on_trail.add(current)
            current = parent_of.get(current)
        if current is not None and current in on_trail:
            cycle = trail[trail.index(current) :]
            if len(cycle) > 1:
                for ref in cycle:
                    cycles[ref] = cycle
        finished.update(trail)
    problems = []
    for index, order in suborders:
        members = cycles.get(order.ref)
        if members is None:
            continue
        position = members.index(order.ref)
        loop = [*members[position:], *members[:position], order.ref]
        chain = " → ".join(number_of.get(ref, ref) for ref in loop)
        message = (
            f"parent orders form a cycle: {chain} (each arrow leads to Головной "
            "заказ); a chain of parents must end at a top-level order with an "
            "empty Головной заказ, so correct the parent of one of these orders"
        )
        problems.append(
            OrderProblem(index, order.ref, f"/orders/{index}/parent_ref", message)
        )
    return problems


def _shared_document_numbers(orders: Sequence[Order]) -> list[OrderProblem]:
    counted = [
        (index, order.document_number)
        for index, order in enumerate(orders)
        if order.document_number is not None
        and order.parent_ref is None
        and order.posted
        and not order.deletion_mark
    ]
    if len({number for _, number in counted}) == len(counted):
        return []
    by_number: defaultdict[str, list[int]] = defaultdict(list)
    for index, number in counted:
        by_number[number].append(index)
    problems = []
    for number, indexes in by_number.items():
        if len(indexes) < 2 or len({orders[index].ref for index in indexes}) < 2:
            continue
        for index in indexes:
            others = [other for other in indexes if other != index]
            other_names = ", ".join(
                f"{orders[other].number} (/orders/{other})" for other in others
            )
            message = (
                f'Номер документа "{number}" is also used by the top-level order '
                f"{other_names} in this package; it selects the Bitrix24 deal, so "
                "two posted top-level orders cannot share it. Correct the number "
                "in one of them"
            )
            problems.append(
                OrderProblem(
                    index,
                    orders[index].ref,
                    f"/orders/{index}/document_number",
                    message,
                    keeps_order=True,
                )
            )
    return problems
