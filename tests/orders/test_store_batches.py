"""Batch writes of the orders store and the journal's key normalization."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from exchange.archive.entry import KEY_TYPES, normalize_key, normalize_keys
from exchange.contract.enums import PaymentStatus
from exchange.orders.batch_log import encode_results, record_logged_batches
from exchange.orders.port import UpdateFailure
from exchange.orders.reports import ReportBook
from exchange.rules.order_facts import OrderFacts
from exchange.state.db import connect, migrate
from exchange.state.deal_tables import cache_statement, reads_statement
from exchange.state.orders_records import DealState, PackageRecord
from exchange.state.orders_schema import MIGRATIONS
from exchange.state.orders_store import OrdersStore


def test_remember_sent_replaces_read_values(tmp_path: Path) -> None:
    """Values sent replace those read, and a later read keeps the sent ones."""
    store = OrdersStore(connect(tmp_path / "state.sqlite3"))
    with store.transaction():
        store.execute_all(
            [
                reads_statement(
                    {
                        1: DealState("45", "2026-11-01", "read"),
                        2: DealState("45", "2026-11-01", "read"),
                    }
                )
            ]
        )
        store.remember_sent(
            {
                1: DealState("47", "2026-11-01", "sent"),
                3: DealState(None, "2026-12-01", "sent"),
            }
        )
        store.execute_all(
            [
                reads_statement(
                    {
                        1: DealState("43", None, "read"),
                        2: DealState("43", None, "read"),
                    }
                )
            ]
        )
    states = store.deal_states([1, 2, 3])
    assert states[1] == DealState("47", "2026-11-01", "sent")
    assert states[2] == DealState("43", None, "read")
    assert states[3] == DealState(None, "2026-12-01", "sent")


def _staged_store(tmp_path: Path) -> OrdersStore:
    store = OrdersStore(connect(tmp_path / "state.sqlite3"))
    record = PackageRecord("p-1", "0" * 64, "orders", "TMS", 1, "orders_TMS_1.json", "")
    store.save_versions(
        record,
        "2026-12-04T10:00:00+00:00",
        {
            ref: (None, number, f"ТЛ-{number}", None, None, False, True, None)
            for ref, number in (("a", "1"), ("b", "2"), ("c", "3"))
        },
    )
    store.wait_for_writes()
    return store


def test_logged_batches_are_recorded_by_the_next_run(tmp_path: Path) -> None:
    """Results logged before a crash become outcomes and deal values on restart."""
    store = _staged_store(tmp_path)
    store.log_batch(
        encode_results(
            [
                ("a", 11, DealState("47", "2026-11-20", "sent"), None),
                ("b", 12, None, UpdateFailure("Access denied", not_found=False)),
            ]
        )
    )
    store.log_batch(
        encode_results([("c", 13, None, UpdateFailure("Not found", not_found=True))])
    )
    with store.transaction():
        store.execute_all([cache_statement({"ТЛ-3": 13})])

    book = ReportBook(store, "p-1")
    assert record_logged_batches(store, book.settle) == 3

    assert store.logged_batches() == []
    assert store.deal_states([11, 12, 13]) == {
        11: DealState("47", "2026-11-20", "sent")
    }
    assert store.cached_deals(["ТЛ-3"]) == {}
    reports = store.reports(["a", "b", "c"])
    assert (reports["a"].status, reports["a"].deal_id) == ("updated", 11)
    assert (reports["b"].status, reports["b"].deal_id) == ("error", 12)
    assert "Access denied" in reports["b"].message
    assert (reports["c"].status, reports["c"].recheck) == ("pending", True)
    assert book.followups == {}
    assert record_logged_batches(store, book.settle) == 0


def test_logged_temporary_failure_stays_pending(tmp_path: Path) -> None:
    """A temporary failure logged before a crash leaves its order pending."""
    store = _staged_store(tmp_path)
    failure = UpdateFailure("QUERY_LIMIT_EXCEEDED", not_found=False, transient=True)
    store.log_batch(encode_results([("a", 11, None, failure)]))
    # A log written before the transient mark existed has four items per row.
    store.log_batch('[["b", 12, "Access denied", false]]')

    assert record_logged_batches(store, ReportBook(store, "p-1").settle) == 2

    reports = store.reports(["a", "b"])
    assert (reports["a"].status, reports["a"].recheck) == ("pending", True)
    assert reports["a"].deal_id == 11
    assert (reports["b"].status, reports["b"].recheck) == ("error", False)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(KEY_TYPES),
            st.text(alphabet=" \tAaBbТЛ-0129", max_size=6),
        ),
        max_size=40,
    )
)
def test_normalize_keys_matches_single_keys(keys: list[tuple[str, str]]) -> None:
    """Bulk normalization gives the sorted distinct non-empty single-key forms."""
    expected = sorted(
        {
            (key_type, normalize_key(key_type, value))
            for key_type, value in keys
            if normalize_key(key_type, value)
        }
    )
    assert normalize_keys(keys) == tuple(expected)


def test_migration_keeps_reports(tmp_path: Path) -> None:
    """A database of the first schema keeps every order and its report."""
    conn = connect(tmp_path / "state.sqlite3")
    migrate(conn, "orders", MIGRATIONS[:2])
    conn.execute(
        "INSERT INTO orders VALUES ('a', NULL, '1', 'ТЛ-1', 'НеОплачен', NULL,"
        " 0, 1, NULL, 'TMS', 1, 'p-1')"
    )
    conn.execute(
        "INSERT INTO orders VALUES ('b', 'a', '2', NULL, NULL, '2026-11-20',"
        " 0, 1, NULL, 'TMS', 1, 'p-1')"
    )
    conn.execute(
        "INSERT INTO order_reports VALUES ('a', 'p-1', '1', 'ТЛ-1', 'pending',"
        " NULL, 'no deal yet', 0, 1)"
    )

    store = OrdersStore(conn)

    reports = store.reports(["a", "b"])
    assert (reports["a"].status, reports["a"].message) == ("pending", "no deal yet")
    assert reports["a"].recheck
    # An order without a report (none is written so) is checked again.
    assert (reports["b"].status, reports["b"].recheck) == ("pending", True)
    assert [r.ref for r in store.reports_to_recheck()] == ["a", "b"]
    assert store.orders(["b"])["b"].facts.parent_ref == "a"
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "order_reports" not in tables


def test_migration_moves_fields_into_one_array(tmp_path: Path) -> None:
    """Versions stored in columns keep every field once they become one array."""
    conn = connect(tmp_path / "state.sqlite3")
    migrate(conn, "orders", MIGRATIONS[:5])
    conn.execute(
        "INSERT INTO orders VALUES ('a', NULL, '1', 'ТЛ-1', 'НеОплачен', NULL,"
        " 1, 1, '2026-11-27T18:00:00+03:00', 'TMS', 4, 'p-4')"
    )
    conn.execute(
        "INSERT INTO orders VALUES ('b', 'a', '2', NULL, NULL, '2026-11-20',"
        " 0, 0, NULL, 'TMS', 5, 'p-5')"
    )
    conn.execute(
        "INSERT INTO orders VALUES ('c', NULL, '3', 'ТЛ-1', NULL, NULL,"
        " 0, 1, NULL, 'TMS', 5, 'p-5')"
    )

    store = OrdersStore(conn)

    stored = store.orders(["a", "b", "c"])
    a, b = stored["a"], stored["b"]
    assert (a.number, a.modified_at, a.sender, a.package_number, a.package_id) == (
        "1",
        "2026-11-27T18:00:00+03:00",
        "TMS",
        4,
        "p-4",
    )
    assert a.facts == OrderFacts(
        ref="a",
        parent_ref=None,
        payment_status=PaymentStatus.NOT_PAID,
        realization_date=None,
        deletion_mark=True,
        posted=True,
        document_number="ТЛ-1",
    )
    assert b.facts == OrderFacts(
        ref="b",
        parent_ref="a",
        payment_status=None,
        realization_date=date(2026, 11, 20),
        deletion_mark=False,
        posted=False,
        document_number=None,
    )
    assert (b.number, b.modified_at, b.package_number) == ("2", None, 5)
    # ``a`` is marked for deletion, so only ``c`` counts for the number.
    assert store.counting_tops_with_numbers(["ТЛ-1"]) == {"ТЛ-1": ["c"]}
    assert store.reports(["b"])["b"].number == "2"
