"""Tests of document-number conflicts between top-level orders."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from exchange.rules.conflicts import (
    ConflictChanges,
    conflict_changes,
    document_number_conflicts,
)
from exchange.rules.order_facts import OrderFacts


def make_order(
    ref: str,
    number: str | None,
    *,
    parent: str | None = None,
    deleted: bool = False,
    posted: bool = True,
) -> OrderFacts:
    return OrderFacts(
        ref=ref,
        parent_ref=parent,
        payment_status=None,
        realization_date=None,
        deletion_mark=deleted,
        posted=posted,
        document_number=number,
    )


def test_conflicts_two_top_level_orders() -> None:
    """Two counted top-level orders with one number conflict, both listed."""
    orders = [make_order("b", "42"), make_order("a", "42"), make_order("c", "43")]

    assert document_number_conflicts(orders) == {"42": ["a", "b"]}


def test_conflicts_three_orders() -> None:
    """Every order sharing the number is listed, in sorted order."""
    orders = [make_order("c", "7"), make_order("a", "7"), make_order("b", "7")]

    assert document_number_conflicts(orders) == {"7": ["a", "b", "c"]}


def test_conflicts_skip_uncounted_orders() -> None:
    """Sub-orders, deleted, unposted and unnumbered orders never conflict."""
    orders = [
        make_order("top", "42"),
        make_order("sub", "42", parent="top"),
        make_order("deleted", "42", deleted=True),
        make_order("draft", "42", posted=False),
        make_order("none-1", None),
        make_order("none-2", None),
        make_order("empty-1", ""),
        make_order("empty-2", "  "),
    ]

    assert document_number_conflicts(orders) == {}


def test_conflicts_compare_trimmed_numbers() -> None:
    """Numbers that differ only in surrounding white space conflict."""
    orders = [make_order("a", " 42 "), make_order("b", "42")]

    assert document_number_conflicts(orders) == {"42": ["a", "b"]}


def test_conflicts_compare_exactly() -> None:
    """Numbers that differ in case, inner spaces or zeros do not conflict."""
    orders = [
        make_order("a", "A-1"),
        make_order("b", "a-1"),
        make_order("c", "A -1"),
        make_order("d", "42"),
        make_order("e", "042"),
    ]

    assert document_number_conflicts(orders) == {}


def test_conflicts_same_ref_counts_once() -> None:
    """An order given twice does not conflict with itself."""
    orders = [make_order("a", "42"), make_order("a", "42")]

    assert document_number_conflicts(orders) == {}


def test_conflict_changes_number_changed() -> None:
    """When one order leaves a conflict, both orders leave it."""
    before = document_number_conflicts([make_order("a", "42"), make_order("b", "42")])
    after = document_number_conflicts([make_order("a", "43"), make_order("b", "42")])

    assert conflict_changes(before, after) == ConflictChanges(
        entered=frozenset(), left=frozenset({"a", "b"})
    )


def test_conflict_changes_order_deleted() -> None:
    """An order marked for deletion clears the conflict of the remaining one."""
    before = document_number_conflicts([make_order("a", "42"), make_order("b", "42")])
    after = document_number_conflicts(
        [make_order("a", "42", deleted=True), make_order("b", "42")]
    )

    assert conflict_changes(before, after).left == {"a", "b"}


def test_conflict_changes_new_order_joins() -> None:
    """A new order with a taken number puts both orders into a conflict."""
    before = document_number_conflicts([make_order("a", "42")])
    after = document_number_conflicts([make_order("a", "42"), make_order("b", "42")])

    assert conflict_changes(before, after) == ConflictChanges(
        entered=frozenset({"a", "b"}), left=frozenset()
    )


def test_conflict_changes_third_order_joins() -> None:
    """A third order joining an existing conflict is the only one entering."""
    before = {"42": ["a", "b"]}
    after = {"42": ["a", "b", "c"]}

    assert conflict_changes(before, after) == ConflictChanges(
        entered=frozenset({"c"}), left=frozenset()
    )


def test_conflict_changes_order_moved() -> None:
    """An order moving from one conflict into another stays in conflict."""
    before = {"42": ["a", "b"], "43": ["c", "d"]}
    after = {"43": ["a", "c", "d"]}

    assert conflict_changes(before, after) == ConflictChanges(
        entered=frozenset(), left=frozenset({"b"})
    )


NUMBERS = st.sampled_from([None, "", " ", "1", " 1", "1 ", "2", "02", "x"])


@st.composite
def order_lists(draw: st.DrawFn) -> list[OrderFacts]:
    count = draw(st.integers(0, 8))
    return [
        make_order(
            f"o{index}",
            draw(NUMBERS),
            parent=draw(st.sampled_from([None, None, "p"])),
            deleted=draw(st.booleans()),
            posted=draw(st.booleans()),
        )
        for index in range(count)
    ]


@given(order_lists())
def test_conflicts_pairwise_definition(orders: list[OrderFacts]) -> None:
    """Two orders are in one conflict exactly when both count and numbers match."""
    conflicts = document_number_conflicts(orders)
    conflict_of = {ref: number for number, refs in conflicts.items() for ref in refs}

    def counted_number(order: OrderFacts) -> str | None:
        if order.parent_ref is not None or order.deletion_mark or not order.posted:
            return None
        number = (order.document_number or "").strip()
        return number or None

    for first in orders:
        partners = [
            second
            for second in orders
            if second.ref != first.ref
            and counted_number(first) is not None
            and counted_number(first) == counted_number(second)
        ]
        if partners:
            assert conflict_of.get(first.ref) == counted_number(first)
        else:
            assert first.ref not in conflict_of
