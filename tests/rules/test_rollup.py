"""Tests of the multimodal rollup, parent lookups and affected top-level orders."""

from __future__ import annotations

import itertools
from datetime import date
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.contract.enums import PaymentStatus
from exchange.rules.order_facts import DealValues, OrderFacts
from exchange.rules.rollup import OrderTree, affected_tops

if TYPE_CHECKING:
    import random

NOT = PaymentStatus.NOT_PAID
PART = PaymentStatus.PARTIALLY_PAID
FULL = PaymentStatus.FULLY_PAID

NOV_3 = date(2026, 11, 3)
NOV_5 = date(2026, 11, 5)


def make_order(
    ref: str,
    parent: str | None = None,
    status: PaymentStatus | None = None,
    day: date | None = None,
    *,
    deleted: bool = False,
    posted: bool = True,
    number: str | None = None,
) -> OrderFacts:
    return OrderFacts(
        ref=ref,
        parent_ref=parent,
        payment_status=status,
        realization_date=day,
        deletion_mark=deleted,
        posted=posted,
        document_number=number,
    )


def family_with(*children: tuple[PaymentStatus | None, date | None]) -> OrderTree:
    """Build a top-level order ``top`` with one sub-order per (status, date)."""
    orders = [make_order("top", number="N-1")]
    for index, (status, day) in enumerate(children):
        orders.append(make_order(f"sub{index}", "top", status, day))
    return OrderTree(orders)


# Each row: the sub-orders' (status, date) and the expected deal values.
ROLLUP_TABLE = [
    pytest.param([(NOT, None), (NOT, None)], DealValues(NOT, None), id="not+not"),
    pytest.param([(FULL, None), (FULL, None)], DealValues(FULL, None), id="full+full"),
    pytest.param([(NOT, None), (FULL, None)], DealValues(PART, None), id="not+full"),
    pytest.param([(PART, None), (PART, None)], DealValues(PART, None), id="part+part"),
    pytest.param([(PART, None), (FULL, None)], DealValues(PART, None), id="part+full"),
    pytest.param([(NOT, None), (PART, None)], DealValues(PART, None), id="not+part"),
    pytest.param(
        [(NOT, None), (NOT, None), (PART, None)],
        DealValues(PART, None),
        id="any-part-of-three",
    ),
    pytest.param([(None, None), (NOT, None)], DealValues(NOT, None), id="empty+not"),
    pytest.param([(None, None), (None, None)], DealValues(NOT, None), id="empty+empty"),
    pytest.param([(None, None), (FULL, None)], DealValues(PART, None), id="empty+full"),
    pytest.param(
        [(FULL, NOV_3), (FULL, NOV_5)], DealValues(FULL, NOV_5), id="max-date"
    ),
    pytest.param(
        [(FULL, NOV_5), (FULL, NOV_3)], DealValues(FULL, NOV_5), id="max-date-2"
    ),
    pytest.param(
        [(FULL, NOV_3), (FULL, NOV_3)], DealValues(FULL, NOV_3), id="same-date"
    ),
    pytest.param(
        [(FULL, NOV_3), (FULL, None)], DealValues(FULL, None), id="one-no-date"
    ),
    pytest.param([(NOT, None), (NOT, None)], DealValues(NOT, None), id="no-dates"),
    pytest.param([(PART, NOV_5)], DealValues(PART, NOV_5), id="single-sub-order"),
]


@pytest.mark.parametrize(("children", "expected"), ROLLUP_TABLE)
def test_rollup_table(
    children: list[tuple[PaymentStatus | None, date | None]], expected: DealValues
) -> None:
    """The parent's deal values follow the rollup rules for two-level families."""
    tree = family_with(*children)

    assert tree.rollup("top") == expected


def test_rollup_ignores_parents_own_values() -> None:
    """A parent with included sub-orders sends their values, not its own."""
    tree = OrderTree(
        [
            make_order("top", status=FULL, day=NOV_3),
            make_order("sub", "top", NOT, None),
        ]
    )

    assert tree.rollup("top") == DealValues(NOT, None)


def test_rollup_standalone_own_values() -> None:
    """An order without sub-orders sends its own status and date."""
    tree = OrderTree([make_order("top", status=PART, day=NOV_3)])

    assert tree.rollup("top") == DealValues(PART, NOV_3)


def test_rollup_standalone_empty_values() -> None:
    """A top-level order without sub-orders and no date clears the deal's date."""
    tree = OrderTree([make_order("top")])

    assert tree.rollup("top") == DealValues(NOT, None)


def test_rollup_deleted_subtree_excluded() -> None:
    """A deleted sub-order and everything below it take no part."""
    tree = OrderTree(
        [
            make_order("top"),
            make_order("kept", "top", FULL, NOV_3),
            make_order("deleted", "top", NOT, None, deleted=True),
            make_order("below-deleted", "deleted", PART, None),
        ]
    )

    assert tree.rollup("top") == DealValues(FULL, NOV_3)


def test_rollup_unposted_subtree_excluded() -> None:
    """An unposted sub-order and everything below it take no part."""
    tree = OrderTree(
        [
            make_order("top"),
            make_order("kept", "top", FULL, NOV_5),
            make_order("draft", "top", NOT, None, posted=False),
            make_order("below-draft", "draft", PART, None),
        ]
    )

    assert tree.rollup("top") == DealValues(FULL, NOV_5)


def test_rollup_all_sub_orders_excluded() -> None:
    """A parent whose sub-orders are all excluded sends its own values."""
    tree = OrderTree(
        [
            make_order("top", status=PART, day=NOV_3),
            make_order("deleted", "top", FULL, NOV_5, deleted=True),
            make_order("draft", "top", NOT, None, posted=False),
        ]
    )

    assert tree.rollup("top") == DealValues(PART, NOV_3)


def test_rollup_all_excluded_empty_parent() -> None:
    """A parent whose sub-orders are all excluded and with empty values clears."""
    tree = OrderTree(
        [
            make_order("top"),
            make_order("deleted", "top", FULL, NOV_5, deleted=True),
        ]
    )

    assert tree.rollup("top") == DealValues(NOT, None)


def test_rollup_three_levels() -> None:
    """A sub-order with its own sub-orders contributes their rolled-up values."""
    tree = OrderTree(
        [
            make_order("top"),
            make_order("leg", "top", FULL, NOV_3),
            # The middle order's own values are ignored: its sub-orders are
            # not paid + fully paid, so it counts as partially paid, NOV_5.
            make_order("middle", "top", FULL, date(2026, 1, 1)),
            make_order("middle-a", "middle", NOT, NOV_3),
            make_order("middle-b", "middle", FULL, NOV_5),
        ]
    )

    assert tree.rollup("middle") == DealValues(PART, NOV_5)
    assert tree.rollup("top") == DealValues(PART, NOV_5)


def test_rollup_three_levels_missing_date() -> None:
    """A date missing two levels down clears the top's date."""
    tree = OrderTree(
        [
            make_order("top"),
            make_order("leg", "top", FULL, NOV_3),
            make_order("middle", "top", FULL, NOV_5),
            make_order("middle-a", "middle", FULL, None),
        ]
    )

    assert tree.rollup("top") == DealValues(FULL, None)


def test_rollup_middle_all_excluded() -> None:
    """A middle order whose sub-orders are all excluded contributes its own."""
    tree = OrderTree(
        [
            make_order("top"),
            make_order("leg", "top", FULL, NOV_3),
            make_order("middle", "top", FULL, NOV_5),
            make_order("middle-a", "middle", NOT, None, deleted=True),
        ]
    )

    assert tree.rollup("top") == DealValues(FULL, NOV_5)


def test_rollup_unknown_order_raises() -> None:
    """Asking for the rollup of an order not in the tree raises KeyError."""
    tree = OrderTree([make_order("top")])

    with pytest.raises(KeyError):
        tree.rollup("missing")


def test_rollup_cycle_raises() -> None:
    """A rollup that runs into a parent cycle raises ValueError."""
    tree = OrderTree([make_order("a", "b"), make_order("b", "a")])

    with pytest.raises(ValueError, match="cycle"):
        tree.rollup("a")


def test_rollup_deep_chain() -> None:
    """A chain deeper than Python's recursion limit still rolls up."""
    depth = 5000
    orders = [make_order("o0")]
    orders += [make_order(f"o{i}", f"o{i - 1}") for i in range(1, depth)]
    orders.append(make_order("leaf", f"o{depth - 1}", FULL, NOV_5))
    tree = OrderTree(orders)

    assert tree.rollup("o0") == DealValues(FULL, NOV_5)
    assert tree.top_of("leaf") == "o0"


def test_tree_duplicate_ref_raises() -> None:
    """Building a tree with the same ref twice raises ValueError."""
    with pytest.raises(ValueError, match="dup"):
        OrderTree([make_order("dup"), make_order("dup")])


def test_top_of_levels() -> None:
    """Every order of a family has the top-level order as its top."""
    tree = OrderTree(
        [
            make_order("top"),
            make_order("sub", "top"),
            make_order("subsub", "sub"),
        ]
    )

    assert tree.top_of("top") == "top"
    assert tree.top_of("sub") == "top"
    assert tree.top_of("subsub") == "top"


def test_top_of_unknown_parent() -> None:
    """A sub-order whose ancestor is not known has no top yet."""
    tree = OrderTree([make_order("sub", "absent"), make_order("subsub", "sub")])

    assert tree.top_of("sub") is None
    assert tree.top_of("subsub") is None
    assert tree.top_of("absent") is None


def test_top_of_cycle() -> None:
    """Orders in or below a parent cycle have no top."""
    tree = OrderTree(
        [
            make_order("a", "b"),
            make_order("b", "a"),
            make_order("below", "a"),
            make_order("self", "self"),
        ]
    )

    assert tree.top_of("a") is None
    assert tree.top_of("b") is None
    assert tree.top_of("below") is None
    assert tree.top_of("self") is None


def test_in_cycle() -> None:
    """Only orders whose chain returns to themselves are in a cycle."""
    tree = OrderTree(
        [
            make_order("a", "b"),
            make_order("b", "a"),
            make_order("below", "a"),
            make_order("self", "self"),
            make_order("top"),
            make_order("sub", "top"),
        ]
    )

    assert tree.in_cycle("a")
    assert tree.in_cycle("b")
    assert tree.in_cycle("self")
    assert not tree.in_cycle("below")
    assert not tree.in_cycle("top")
    assert not tree.in_cycle("sub")


def test_family_includes_excluded() -> None:
    """The family contains the order and all descendants, excluded ones too."""
    tree = OrderTree(
        [
            make_order("top"),
            make_order("sub", "top"),
            make_order("deleted", "top", deleted=True),
            make_order("below-deleted", "deleted"),
            make_order("other"),
        ]
    )

    assert tree.family("top") == {"top", "sub", "deleted", "below-deleted"}
    assert tree.family("deleted") == {"deleted", "below-deleted"}
    assert tree.family("other") == {"other"}


def test_left_out_by_nearest_excluded_order() -> None:
    """A sub-order is left out by itself or by its nearest excluded ancestor."""
    tree = OrderTree(
        [
            make_order("top"),
            make_order("kept", "top"),
            make_order("deleted", "top", deleted=True),
            make_order("below-deleted", "deleted"),
            make_order("unposted", "deleted", posted=False),
            make_order("below-unposted", "unposted"),
            make_order("orphan", "missing", deleted=True),
        ]
    )

    def ref_of(ref: str) -> str | None:
        order = tree.left_out_by(ref)
        return order.ref if order else None

    assert ref_of("kept") is None
    assert ref_of("top") is None
    assert ref_of("deleted") == "deleted"
    assert ref_of("below-deleted") == "deleted"
    assert ref_of("unposted") == "unposted"
    assert ref_of("below-unposted") == "unposted"
    assert ref_of("orphan") is None


def test_affected_tops_reparented_sub_order() -> None:
    """A re-parented sub-order affects both its old and its new top."""
    before = make_order("sub", "old-parent", FULL, NOV_3)
    after = make_order("sub", "new-parent", FULL, NOV_3)
    tree = OrderTree(
        [
            make_order("old-top"),
            make_order("old-parent", "old-top", NOT, NOV_5),
            make_order("new-top"),
            make_order("new-parent", "new-top"),
            after,
            make_order("unrelated"),
        ]
    )

    assert affected_tops(tree, {"sub": before}) == {"old-top", "new-top"}
    # The old family now rolls up without the sub-order: only old-parent left.
    assert tree.rollup("old-top") == DealValues(NOT, NOV_5)
    assert tree.rollup("new-top") == DealValues(FULL, NOV_3)


def test_affected_tops_new_order() -> None:
    """A new sub-order affects only its top."""
    tree = OrderTree([make_order("top"), make_order("sub", "top")])

    assert affected_tops(tree, {"sub": None}) == {"top"}


def test_affected_tops_top_itself() -> None:
    """A changed top-level order affects itself."""
    tree = OrderTree([make_order("top", status=FULL)])

    assert affected_tops(tree, {"top": make_order("top")}) == {"top"}


def test_affected_tops_pending_sub_order() -> None:
    """A sub-order whose parent is unknown affects no top."""
    tree = OrderTree([make_order("sub", "absent")])

    assert affected_tops(tree, {"sub": None}) == set()


def test_affected_tops_parent_arrives_late() -> None:
    """A parent arriving after its sub-order affects the top above both."""
    tree = OrderTree([make_order("sub", "top"), make_order("top")])

    assert affected_tops(tree, {"top": None}) == {"top"}


def test_affected_tops_former_top_demoted() -> None:
    """A top that becomes a sub-order is replaced by its new top."""
    before = make_order("was-top")
    tree = OrderTree(
        [
            make_order("new-top"),
            make_order("was-top", "new-top"),
            make_order("child", "was-top"),
        ]
    )

    assert affected_tops(tree, {"was-top": before}) == {"new-top"}


def test_affected_tops_reparented_chain() -> None:
    """Two orders of one chain re-parented together affect all three tops."""
    tree = OrderTree(
        [
            make_order("t1"),
            make_order("t2"),
            make_order("t3"),
            make_order("p", "t2"),
            make_order("x", "t3"),
        ]
    )
    previous = {"p": make_order("p", "t1"), "x": make_order("x", "p")}

    assert affected_tops(tree, previous) == {"t1", "t2", "t3"}


def test_affected_tops_sub_order_leaves_count() -> None:
    """A sub-order that becomes deleted still affects its top."""
    tree = OrderTree(
        [make_order("top"), make_order("sub", "top", FULL, NOV_3, deleted=True)]
    )

    assert affected_tops(tree, {"sub": make_order("sub", "top", FULL, NOV_3)}) == {
        "top"
    }


# --- Property tests -----------------------------------------------------------

STATUSES = st.sampled_from([None, NOT, PART, FULL])
DATES = st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2026, 12, 31)))
MAX_DEPTH = 4


@st.composite
def forests(draw: st.DrawFn) -> list[OrderFacts]:
    """Draw several families of up to ``MAX_DEPTH`` levels with random facts."""
    orders: list[OrderFacts] = []
    counter = itertools.count()

    def grow(parent: str | None, depth: int) -> None:
        ref = f"o{next(counter)}"
        orders.append(
            OrderFacts(
                ref=ref,
                parent_ref=parent,
                payment_status=draw(STATUSES),
                realization_date=draw(DATES),
                deletion_mark=draw(st.booleans()),
                posted=draw(st.booleans()),
                document_number=None,
            )
        )
        if depth < MAX_DEPTH:
            for _ in range(draw(st.integers(0, 3))):
                grow(ref, depth + 1)

    for _ in range(draw(st.integers(1, 3))):
        grow(None, 1)
    return orders


def expected_rollup(
    ref: str, records: dict[str, dict[str, object]]
) -> tuple[PaymentStatus, date | None]:
    """Restate the rollup rules directly on plain dictionaries."""
    record = records[ref]
    counted = [
        key
        for key, other in records.items()
        if other["parent"] == ref and other["posted"] and not other["deleted"]
    ]
    if not counted:
        own_status = record["status"]
        own_date = record["date"]
        assert own_status is None or isinstance(own_status, PaymentStatus)
        assert own_date is None or isinstance(own_date, date)
        return (own_status if own_status is not None else NOT, own_date)

    pairs = [expected_rollup(key, records) for key in counted]
    statuses = [status for status, _ in pairs]
    if all(status == NOT for status in statuses):
        status = NOT
    elif all(status == FULL for status in statuses):
        status = FULL
    else:
        status = PART

    dates = [day for _, day in pairs]
    if any(day is None for day in dates):
        return (status, None)
    return (status, sorted(day for day in dates if day is not None)[-1])


def as_records(orders: list[OrderFacts]) -> dict[str, dict[str, object]]:
    return {
        order.ref: {
            "parent": order.parent_ref,
            "status": order.payment_status,
            "date": order.realization_date,
            "deleted": order.deletion_mark,
            "posted": order.posted,
        }
        for order in orders
    }


def all_rollups(orders: list[OrderFacts]) -> dict[str, DealValues]:
    tree = OrderTree(orders)
    return {order.ref: tree.rollup(order.ref) for order in orders}


@given(forests())
@settings(max_examples=300)
def test_rollup_matches_restatement(orders: list[OrderFacts]) -> None:
    """Every order's rollup equals the direct restatement of the rules."""
    tree = OrderTree(orders)
    records = as_records(orders)

    for order in orders:
        status, day = expected_rollup(order.ref, records)
        assert tree.rollup(order.ref) == DealValues(status, day)


@given(forests(), st.randoms(use_true_random=False))
def test_rollup_ignores_input_order(
    orders: list[OrderFacts], shuffler: random.Random
) -> None:
    """The order in which sub-orders are given does not change any rollup."""
    shuffled = list(orders)
    shuffler.shuffle(shuffled)

    assert all_rollups(shuffled) == all_rollups(orders)


@given(forests(), st.data())
def test_rollup_excluded_sub_order_inert(
    orders: list[OrderFacts], data: st.DataObject
) -> None:
    """Adding an excluded sub-order, with orders below it, changes no rollup."""
    parent = data.draw(st.sampled_from(orders))
    deleted = data.draw(st.booleans())
    excluded = make_order(
        "excluded",
        parent.ref,
        data.draw(STATUSES),
        data.draw(DATES),
        deleted=deleted,
        # A sub-order that is not deleted is excluded only when unposted.
        posted=deleted and data.draw(st.booleans()),
    )
    below = make_order("below-excluded", "excluded", FULL, None)

    extended = all_rollups([*orders, excluded, below])

    for ref, values in all_rollups(orders).items():
        assert extended[ref] == values


def tops_of(orders: list[OrderFacts]) -> list[str]:
    return [order.ref for order in orders if order.parent_ref is None]


@given(forests(), st.data())
def test_rollup_packages_match_whole(
    orders: list[OrderFacts], data: st.DataObject
) -> None:
    """Families sent in parts, in any package order, give the one-package result.

    Each package is applied to a store of known orders, and only the deals of
    the affected top-level orders are recomputed, as the pipeline does.
    """
    package_of = [data.draw(st.integers(0, 3)) for _ in orders]
    package_order = data.draw(st.permutations(range(4)))

    known: dict[str, OrderFacts] = {}
    deals: dict[str, DealValues] = {}
    for package in package_order:
        arriving = [o for o, p in zip(orders, package_of, strict=True) if p == package]
        previous = {order.ref: known.get(order.ref) for order in arriving}
        known.update((order.ref, order) for order in arriving)
        tree = OrderTree(known.values())
        for top in affected_tops(tree, previous):
            deals[top] = tree.rollup(top)

    whole = OrderTree(orders)
    for top in tops_of(orders):
        assert deals[top] == whole.rollup(top)


@st.composite
def changes(draw: st.DrawFn, orders: list[OrderFacts]) -> list[OrderFacts]:
    """Draw new versions of some orders: new facts or a new parent."""
    refs = [order.ref for order in orders]
    changed = draw(st.lists(st.sampled_from(refs), min_size=1, max_size=4, unique=True))
    parents: dict[str, str | None] = {o.ref: o.parent_ref for o in orders}
    versions = []
    for ref in changed:
        # A new parent must not be the order itself or below it, so that no
        # cycle forms; None makes the order a top-level one.
        below = {ref}
        grew = True
        while grew:
            extra = {r for r, p in parents.items() if p in below} - below
            below |= extra
            grew = bool(extra)
        candidates = [None, *[r for r in refs if r not in below]]
        parent = draw(st.sampled_from(candidates))
        parents[ref] = parent
        versions.append(
            OrderFacts(
                ref=ref,
                parent_ref=parent,
                payment_status=draw(STATUSES),
                realization_date=draw(DATES),
                deletion_mark=draw(st.booleans()),
                posted=draw(st.booleans()),
                document_number=None,
            )
        )
    return versions


@given(forests(), st.data())
@settings(max_examples=150)
def test_affected_tops_cover_changed_deals(
    orders: list[OrderFacts], data: st.DataObject
) -> None:
    """Recomputing only the affected tops keeps every deal equal to a full run."""
    known = {order.ref: order for order in orders}
    tree = OrderTree(known.values())
    deals = {top: tree.rollup(top) for top in tops_of(orders)}

    for _ in range(3):
        versions = data.draw(changes(list(known.values())))
        previous: dict[str, OrderFacts | None] = {v.ref: known[v.ref] for v in versions}
        known.update((version.ref, version) for version in versions)
        tree = OrderTree(known.values())

        for top in affected_tops(tree, previous):
            deals[top] = tree.rollup(top)

        for top in tops_of(list(known.values())):
            assert deals[top] == tree.rollup(top)
