"""Business checks of orders packages, reported per order."""

from __future__ import annotations

from exchange.contract.load import LoadedFile, load_package
from tests.contract.documents import encode, order, orders_package

REF_A = "aaaaaaaa-0000-4000-8000-000000000001"
REF_B = "bbbbbbbb-0000-4000-8000-000000000002"
REF_C = "cccccccc-0000-4000-8000-000000000003"
REF_D = "dddddddd-0000-4000-8000-000000000004"


def load(*orders: dict[str, object]) -> LoadedFile:
    """Load an orders package and check that it is not rejected."""
    result = load_package(encode(orders_package(*orders)), "orders.json")
    assert result.problems == []
    assert result.package is not None
    return result


def test_no_problems_for_distinct_orders() -> None:
    """Distinct orders with distinct numbers pass every check."""
    result = load(
        order(ref=REF_A, document_number="1"), order(ref=REF_B, document_number="2")
    )
    assert result.order_problems == []


def test_duplicate_ref_both_reported() -> None:
    """The same ref twice marks both occurrences, case ignored."""
    result = load(
        order(ref=REF_A, document_number="1"),
        order(ref=REF_B, document_number="2"),
        order(ref=REF_A.upper(), document_number="3"),
    )
    problems = result.order_problems
    assert [problem.index for problem in problems] == [0, 2]
    assert [problem.path for problem in problems] == ["/orders/0/ref", "/orders/2/ref"]
    assert all(problem.ref == REF_A for problem in problems)
    assert "appears 2 times" in problems[0].message
    assert "/orders/0, /orders/2" in problems[0].message


def test_own_parent() -> None:
    """An order that is its own parent is reported on its parent_ref."""
    result = load(order(ref=REF_A, parent_ref=REF_A))
    assert len(result.order_problems) == 1
    problem = result.order_problems[0]
    assert problem.path == "/orders/0/parent_ref"
    assert "its own parent" in problem.message


def test_cycle_of_three_all_listed() -> None:
    """Every order of a parent cycle is reported, and none outside it."""
    result = load(
        order(ref=REF_A, number="ТЛ-1", parent_ref=REF_B, document_number=None),
        order(ref=REF_B, number="ТЛ-2", parent_ref=REF_C, document_number=None),
        order(ref=REF_C, number="ТЛ-3", parent_ref=REF_A, document_number=None),
        order(ref=REF_D, number="ТЛ-4", parent_ref=REF_A, document_number=None),
    )
    problems = result.order_problems
    assert [problem.index for problem in problems] == [0, 1, 2]
    assert all(problem.path.endswith("/parent_ref") for problem in problems)
    assert "ТЛ-1 → ТЛ-2 → ТЛ-3 → ТЛ-1" in problems[0].message
    assert "ТЛ-2 → ТЛ-3 → ТЛ-1 → ТЛ-2" in problems[1].message


def test_parent_outside_package_no_cycle() -> None:
    """A chain that leaves the package is no cycle."""
    result = load(
        order(ref=REF_A, parent_ref=REF_B, document_number=None),
        order(ref=REF_B, parent_ref=REF_C, document_number=None),
    )
    assert result.order_problems == []


def test_shared_document_number_both() -> None:
    """Two top-level orders with one number (after trimming) are both errors."""
    result = load(
        order(ref=REF_A, number="ТЛ-1", document_number="Д-17"),
        order(ref=REF_B, number="ТЛ-2", document_number=" Д-17\u00a0"),
    )
    problems = result.order_problems
    assert [problem.index for problem in problems] == [0, 1]
    assert problems[0].path == "/orders/0/document_number"
    assert "ТЛ-2 (/orders/1)" in problems[0].message
    assert "ТЛ-1 (/orders/0)" in problems[1].message


def test_shared_number_ignores_deleted_unposted_and_suborders() -> None:
    """Deleted, unposted and sub-orders do not count for shared numbers."""
    result = load(
        order(ref=REF_A, document_number="Д-17"),
        order(ref=REF_B, document_number="Д-17", deletion_mark=True),
        order(ref=REF_C, document_number="Д-17", posted=False),
        order(ref=REF_D, document_number="Д-17", parent_ref=REF_A),
    )
    assert result.order_problems == []


def test_empty_numbers_not_shared() -> None:
    """Empty document numbers are not a shared number."""
    result = load(
        order(ref=REF_A, document_number=""),
        order(ref=REF_B, document_number="  "),
        order(ref=REF_C, document_number=None),
    )
    assert result.order_problems == []
