"""Bad files and portal faults: rejections, outages, refusals, crashes."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from exchange.archive.query import find_touches
from exchange.emulator import Emulator
from exchange.orders import apply, evaluate
from exchange.orders.bitrix_port import BitrixDealPort
from exchange.orders.port import BatchCallback, PlannedUpdate, UpdateFailure
from exchange.service.files import FileProcessor
from exchange.state.background import BackgroundWrite
from exchange.state.orders_store import OrdersStore
from tests.orders.conftest import (
    FULLY_PAID,
    NUMBER_FIELD,
    PARTLY_PAID,
    SAMPLES,
    ExchangeFactory,
    order,
    package,
    ref_of,
    rows_by_number,
    stored_copies,
)

PortalFactory = Callable[..., Emulator]

# 120 deals: three update batches of 50, 50 and 20.
MANY = {200 + index: f"ТЛ-{200 + index}" for index in range(120)}


def _many_orders(number: int) -> dict[str, object]:
    return package(
        number,
        [
            order(f"O{deal_id}", doc, status="ОплаченПолностью")
            for deal_id, doc in MANY.items()
        ],
    )


def test_invalid_file_to_error_folder(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """An invalid file moves unchanged to the error folder with a rejection."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    name = service.put_sample("invalid/bad_date.json")
    data = (SAMPLES / "invalid" / "bad_date.json").read_bytes()

    report = service.run()

    assert report.exit_code == 1
    assert list(service.inbox.glob("*.json")) == []
    assert stored_copies(service.errors, name) == [data]
    (rejection,) = service.receipts()
    assert rejection["kind"] == "rejection"
    assert rejection["source_file"] == name
    assert "/realization_date" in rejection["errors"][0]["path"]
    assert service.update_calls() == 0


def test_outage_mid_run_resumes(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """An outage after the first update batch leaves the rest for the next run."""
    emulator = small_portal(MANY)
    service = exchange_factory(emulator)
    first = _many_orders(1)
    service.put(first)
    original = OrdersStore.log_batch

    def outage_after_first(store: OrdersStore, data: str) -> int:
        # The first batch's results are committed, and every later batch fails.
        seq = original(store, data)
        emulator.faults.add(
            method="batch", status=503, error="QUERY_LIMIT_EXCEEDED", times=100
        )
        return seq

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(OrdersStore, "log_batch", outage_after_first)
        report = service.run()

    assert report.exit_code == 3
    # The run names the file and the cause, for the daemon's log line; the
    # retry of pending orders adds its own failure after it.
    problem = report.problems[0]
    assert problem.startswith("orders_TMS_1.json was applied with orders left pending")
    assert "QUERY_LIMIT_EXCEEDED" in problem
    rows = rows_by_number(service.new_receipts()[0])
    statuses = [rows[f"O{deal_id}"]["status"] for deal_id in MANY]
    assert statuses.count("updated") == 50
    assert statuses.count("pending") == 70
    assert sum(service.updates.values()) == 50

    emulator.faults.clear()
    report = service.run()

    assert report.exit_code == 0
    assert all(service.deal(deal_id) == (FULLY_PAID, None) for deal_id in MANY)
    assert all(count == 1 for count in service.updates.values())
    assert len(service.updates) == 120
    (followup,) = service.new_receipts()
    assert followup["in_reply_to"] == first["package_id"]
    assert len(followup["results"]) == 70
    assert {row["status"] for row in followup["results"]} == {"updated"}


class _Killed(BaseException):
    """Stands for the process dying: nothing after it runs in this process."""


def test_batches_logged_before_a_crash_are_recorded_once(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """Results logged before a crash are recorded on restart, not sent again."""
    emulator = small_portal(MANY)
    service = exchange_factory(emulator)
    first = _many_orders(1)
    service.put(first)
    original = OrdersStore.log_batch
    logged = 0

    def crash_after_second(store: OrdersStore, data: str) -> int:
        nonlocal logged
        seq = original(store, data)
        logged += 1
        if logged == 2:
            raise _Killed
        return seq

    def skipped(*args: object) -> dict[str, object]:
        # The process died before the results were recorded.
        return {}

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(OrdersStore, "log_batch", crash_after_second)
        patch.setattr(evaluate, "record_batches", skipped)
        with pytest.raises(_Killed):
            service.run()

    assert sum(service.updates.values()) == 100
    assert service.new_receipts() == []

    report = service.run()

    assert report.exit_code == 0
    assert all(count == 1 for count in service.updates.values())
    assert len(service.updates) == 120
    (receipt,) = service.new_receipts()
    assert receipt["in_reply_to"] == first["package_id"]
    rows = rows_by_number(receipt)
    assert {rows[f"O{deal_id}"]["status"] for deal_id in MANY} == {"updated"}


def test_crash_while_answering_gives_one_receipt(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A crash as the receipt is queued leaves no receipt; the restart writes one."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    first = package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")])
    service.put(first)
    original = OrdersStore.set_package_state

    def crash_when_answered(store: OrdersStore, package_id: str, state: str) -> None:
        original(store, package_id, state)
        if state == "answered":
            raise _Killed

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(OrdersStore, "set_package_state", crash_when_answered)
        with pytest.raises(_Killed):
            service.run()

    report = service.run()

    assert report.exit_code == 0
    (receipt,) = service.new_receipts()
    assert receipt["in_reply_to"] == first["package_id"]
    assert rows_by_number(receipt)["A"]["status"] == "updated"
    assert service.deal(201) == (FULLY_PAID, None)


def test_crash_before_followup_keeps_it_queued(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A follow-up owed when a run stops is written by the next run."""
    service = exchange_factory(small_portal({202: ""}))
    first = package(1, [order("A", "ТЛ-202", status="ОплаченПолностью")])
    service.put(first)
    service.run()
    assert rows_by_number(service.new_receipts()[0])["A"]["status"] == "pending"
    service.edit_deal(202, **{NUMBER_FIELD: "ТЛ-202"})

    def killed(*args: object) -> tuple[int, int]:
        raise _Killed

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FileProcessor, "write_followups", killed)
        with pytest.raises(_Killed):
            service.run()

    assert service.new_receipts() == []
    assert service.deal(202) == (FULLY_PAID, None)

    report = service.run()

    assert report.exit_code == 0
    (followup,) = service.new_receipts()
    assert followup["in_reply_to"] == first["package_id"]
    assert followup["results"][0]["status"] == "updated"
    assert followup["results"][0]["deal_id"] == 202
    assert service.run().exit_code == 0
    assert service.new_receipts() == []


def test_outage_before_lookup_pending(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A portal that is down from the start leaves every order pending, exit 3."""
    emulator = small_portal({201: "ТЛ-201"})
    service = exchange_factory(emulator)
    service.put(package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")]))
    emulator.faults.outage(on=True)

    report = service.run()

    assert report.exit_code == 3
    emulator.faults.clear()
    assert service.deal(201) == (None, None)
    receipts = service.new_receipts()
    assert rows_by_number(receipts[0])["A"]["status"] == "pending"

    report = service.run()

    assert report.exit_code == 0
    assert service.deal(201) == (FULLY_PAID, None)
    (followup,) = service.new_receipts()
    assert followup["results"][0]["status"] == "updated"


REFUSALS = [(401, "NO_AUTH_FOUND"), (503, "OVERLOAD_LIMIT")]


@pytest.mark.parametrize(("status", "error"), REFUSALS)
def test_refusal_on_updates_stops_run(
    small_portal: PortalFactory,
    exchange_factory: ExchangeFactory,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    error: str,
) -> None:
    """401 and OVERLOAD_LIMIT on updates stop the run with exit 3, orders pending."""
    emulator = small_portal({201: "ТЛ-201", 202: "ТЛ-202"})
    service = exchange_factory(emulator)
    original = evaluate.TopEvaluator._send

    def refused_send(
        self: evaluate.TopEvaluator,
        planned: dict[str, PlannedUpdate],
        result: evaluate.Evaluation,
    ) -> None:
        emulator.faults.add(status=status, error=error, times=None)
        original(self, planned, result)

    monkeypatch.setattr(evaluate.TopEvaluator, "_send", refused_send)
    service.put(
        package(
            1,
            [
                order("A", "ТЛ-201", status="ОплаченПолностью"),
                order("B", "ТЛ-202", status="ОплаченПолностью"),
            ],
        )
    )

    report = service.run()

    assert report.exit_code == 3
    rows = rows_by_number(service.new_receipts()[0])
    assert rows["A"]["status"] == "pending"
    assert rows["B"]["status"] == "pending"
    assert service.update_calls() == 0

    monkeypatch.setattr(evaluate.TopEvaluator, "_send", original)
    emulator.faults.clear()
    report = service.run()

    assert report.exit_code == 0
    assert service.deal(201) == (FULLY_PAID, None)
    assert service.deal(202) == (FULLY_PAID, None)
    (followup,) = service.new_receipts()
    assert {row["status"] for row in followup["results"]} == {"updated"}


@pytest.mark.parametrize(("status", "error"), REFUSALS)
def test_refusal_at_start_keeps_file(
    small_portal: PortalFactory,
    exchange_factory: ExchangeFactory,
    status: int,
    error: str,
) -> None:
    """A refusal before any lookup stops with exit 3 and sends no update."""
    emulator = small_portal({201: "ТЛ-201"})
    service = exchange_factory(emulator)
    service.put(package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")]))
    emulator.faults.add(status=status, error=error, times=None)

    report = service.run()

    assert report.exit_code == 3
    # Refusals are not retried: one request, the field check.
    assert emulator.stats.requests == 1
    assert service.update_calls() == 0
    for receipt in service.receipts():
        assert rows_by_number(receipt)["A"]["status"] == "pending"

    emulator.faults.clear()
    report = service.run()

    assert report.exit_code == 0
    assert service.deal(201) == (FULLY_PAID, None)


def test_command_error_marks_one_order(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A 400 for one command of a batch is an error for that order only."""
    emulator = small_portal({201: "ТЛ-201", 202: "ТЛ-202", 203: "ТЛ-203"})
    service = exchange_factory(emulator)
    emulator.faults.add(
        method="crm.deal.update",
        status=400,
        error="ERROR_CORE",
        description="Field value is invalid",
        times=1,
    )
    service.put(
        package(
            1,
            [
                order("A", "ТЛ-201", status="ОплаченПолностью"),
                order("B", "ТЛ-202", status="ОплаченПолностью"),
                order("C", "ТЛ-203", status="ОплаченПолностью"),
            ],
        )
    )

    report = service.run()

    assert report.exit_code == 1
    rows = rows_by_number(service.receipts()[0])
    statuses = sorted(row["status"] for row in rows.values())
    assert statuses == ["error", "updated", "updated"]
    failed = next(row for row in rows.values() if row["status"] == "error")
    assert "Field value is invalid" in failed["message"]
    assert failed["deal_id"] in {201, 202, 203}
    assert sum(service.updates.values()) == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, "INTERNAL_SERVER_ERROR"), (503, "QUERY_LIMIT_EXCEEDED")],
)
def test_temporary_command_error_retried(
    small_portal: PortalFactory,
    exchange_factory: ExchangeFactory,
    status: int,
    error: str,
) -> None:
    """A temporary error for one command leaves its order pending until the retry."""
    emulator = small_portal({201: "ТЛ-201", 202: "ТЛ-202"})
    service = exchange_factory(emulator)
    emulator.faults.add(method="crm.deal.update", status=status, error=error, times=1)
    service.put(
        package(
            1,
            [
                order("A", "ТЛ-201", status="ОплаченПолностью"),
                order("B", "ТЛ-202", status="ОплаченПолностью"),
            ],
        )
    )

    # The run retries pending orders after the files, so the follow-up
    # receipt comes in the same run.
    assert service.run().exit_code == 0
    receipt, followup = service.receipts()
    rows = rows_by_number(receipt)
    failed = next(row for row in rows.values() if row["status"] != "updated")
    assert failed["status"] == "pending"
    assert error in failed["message"]
    assert "retried on the next run" in failed["message"]
    assert [(row["ref"], row["status"]) for row in followup["results"]] == [
        (failed["ref"], "updated")
    ]
    assert service.deal(201) == (FULLY_PAID, None)
    assert service.deal(202) == (FULLY_PAID, None)


def test_crash_between_batches_reprocessed(
    small_portal: PortalFactory,
    exchange_factory: ExchangeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crash after one batch, then reprocessing, sends nothing twice."""
    emulator = small_portal(MANY)
    service = exchange_factory(emulator)
    service.put(_many_orders(1))

    _crash_at_second_batch(service, monkeypatch, logged=True)

    assert sum(service.updates.values()) == 100
    assert list(service.outbox.glob("*.json")) == []

    report = service.run()

    assert report.exit_code == 0
    assert len(service.updates) == 120
    repeated = sorted(deal for deal, count in service.updates.items() if count != 1)
    assert repeated == []
    (receipt,) = service.receipts()
    rows = rows_by_number(receipt)
    assert len(rows) == 120
    assert {row["status"] for row in rows.values()} == {"updated"}


def test_pending_rollup_row_followed_up(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A parent's rollup row left pending by an outage gets a follow-up later."""
    emulator = small_portal({201: "ТЛ-201"})
    service = exchange_factory(emulator)
    service.put(
        package(
            1,
            [
                order("P", "ТЛ-201", status=""),
                order("S1", parent="P", status="ОплаченПолностью"),
                order("S2", parent="P", status="ОплаченПолностью"),
            ],
        )
    )
    assert service.run().exit_code == 0
    first = rows_by_number(service.new_receipts()[0])
    assert first["P"]["status"] == "updated"
    assert service.deal(201) == (FULLY_PAID, None)

    second = package(2, [order("S2", parent="P", status="НеОплачен")])
    service.put(second)
    emulator.faults.outage(on=True)
    assert service.run().exit_code == 3
    emulator.faults.clear()
    (receipt,) = service.new_receipts()
    rows = rows_by_number(receipt)
    assert rows["P"]["rollup"] is True
    assert rows["P"]["status"] == "pending"

    assert service.run().exit_code == 0
    (followup,) = service.new_receipts()
    assert followup["in_reply_to"] == second["package_id"]
    assert followup["results"] == [
        {
            "ref": ref_of("P"),
            "number": "P",
            "document_number": "ТЛ-201",
            "status": "updated",
            "deal_id": 201,
            "message": "",
            "rollup": True,
        }
    ]
    assert followup["count"] == 1
    assert service.deal(201)[0] == PARTLY_PAID


def test_failure_after_staging_resumes_file(
    small_portal: PortalFactory,
    exchange_factory: ExchangeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug met after the versions are stored keeps the file, with no rejection."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    name = service.put(package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")]))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(apply, "receipt_rows", broken)
        report = service.run()
        # A second run meets the same bug: one more error line, no traceback.
        with caplog.at_level(logging.ERROR):
            assert service.run().exit_code == 1

    # The line that carries the traceback, and the one-line errors of both runs.
    messages = [record.getMessage() for record in caplog.records]
    assert messages.count(f"applying {name} failed unexpectedly") == 1
    assert sum("failed after its orders were stored" in m for m in messages) == 2
    assert report.exit_code == 1
    assert any("failed after its orders were stored" in p for p in report.problems)
    assert service.new_receipts() == []
    assert (service.inbox / name).exists()
    # The deal was updated before the failure.
    assert service.deal(201) == (FULLY_PAID, None)
    assert service.update_calls() == 1

    report = service.run()

    assert report.exit_code == 0
    (receipt,) = service.new_receipts()
    assert rows_by_number(receipt)["A"]["status"] == "updated"
    assert not (service.inbox / name).exists()
    assert service.update_calls() == 1


def test_failure_before_sending_leaves_connection_usable(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A bug met while writes are still queued keeps the file; the next file goes on."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    # No deal has ТЛ-999, so nothing is sent and no request waits for the writes.
    first = service.put(package(1, [order("A", "ТЛ-999")]))
    service.put(package(2, [order("B", "ТЛ-201", status="ОплаченПолностью")]))
    calls = 0
    real = apply.receipt_rows

    def broken_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug")
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(apply, "receipt_rows", broken_once)
        report = service.run()

    assert report.exit_code == 1
    assert (service.inbox / first).exists()
    (receipt,) = service.new_receipts()
    assert rows_by_number(receipt)["B"]["status"] == "updated"
    assert service.deal(201) == (FULLY_PAID, None)


def test_long_package_logs_progress(
    small_portal: PortalFactory,
    exchange_factory: ExchangeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The log names the file taken, then how many deal updates have returned."""
    service = exchange_factory(small_portal(MANY))
    name = service.put(_many_orders(1))
    caplog.set_level(logging.INFO)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evaluate, "PROGRESS_SECONDS", 0.0)
        assert service.run().exit_code == 0

    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith(f"processing {name} (") for m in messages)
    progress = [m for m in messages if m.startswith("deal updates:")]
    assert progress == [
        "deal updates: 50 of 120 returned",
        "deal updates: 100 of 120 returned",
    ]


def test_batch_lost_in_crash_reported_unchanged(
    small_portal: PortalFactory,
    exchange_factory: ExchangeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows of a batch whose response a crash lost note the update may be theirs."""
    service = exchange_factory(small_portal(MANY))
    service.put(_many_orders(1))

    # The portal takes the second batch, but its response is never logged.
    _crash_at_second_batch(service, monkeypatch, logged=False)

    assert service.run().exit_code == 0

    (receipt,) = service.receipts()
    rows = list(rows_by_number(receipt).values())
    assert sum(1 for row in rows if row["status"] == "updated") == 70
    lost = [row for row in rows if row["status"] == "unchanged"]
    assert len(lost) == 50
    for row in lost:
        assert (
            "an update sent before the service restarted may have set them"
            in (row["message"])
        )


def test_find_shows_order_result_in_followup(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """`audit find` gives an order's status in a follow-up receipt, read from it."""
    service = exchange_factory(small_portal({202: ""}))
    service.put(package(1, [order("A", "ТЛ-202", status="ОплаченПолностью")]))
    service.run()
    service.edit_deal(202, **{NUMBER_FIELD: "ТЛ-202"})
    service.run()

    with service.runtime() as runtime:
        touches = find_touches(runtime.journal, "order_number", "A", runtime.archive)

    by_kind = {(t.entry.direction, t.entry.kind): t.statuses for t in touches}
    assert by_kind[("in", "orders")] == ["pending"]
    assert by_kind[("out", "orders_receipt")] == ["updated"]


def _crash_at_second_batch(
    service: Any, monkeypatch: pytest.MonkeyPatch, *, logged: bool
) -> None:
    """Run the service until its second update batch returns, then crash.

    With ``logged`` the batch's results are committed to the batch log
    first; without it they are lost with the process.
    """
    original = BitrixDealPort.send

    def crashing_send(
        self: BitrixDealPort,
        updates: Sequence[PlannedUpdate],
        on_batch: BatchCallback,
        *,
        before_sending: Callable[[], None],
    ) -> None:
        batches = 0

        def returned(results: dict[int, UpdateFailure | None]) -> None:
            nonlocal batches
            batches += 1
            if batches == 2 and not logged:
                raise _Killed
            on_batch(results)
            if batches == 2:
                raise _Killed

        original(self, updates, returned, before_sending=before_sending)

    monkeypatch.setattr(BitrixDealPort, "send", crashing_send)
    with pytest.raises(_Killed):
        service.run()
    monkeypatch.setattr(BitrixDealPort, "send", original)


def test_no_update_before_state_committed(
    small_portal: PortalFactory,
    exchange_factory: ExchangeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first deal update waits for the versions and the deal cache to commit."""
    emulator = small_portal({201: "ТЛ-201", 202: "ТЛ-202"})
    service = exchange_factory(emulator)
    service.put(
        package(
            1, [order("A", "ТЛ-201", status="ОплаченПолностью"), order("B", "ТЛ-202")]
        )
    )
    # A slow disk: each background transaction starts half a second late.
    slow_start = BackgroundWrite._run

    def late_run(self: BackgroundWrite) -> None:
        time.sleep(0.5)
        slow_start(self)

    monkeypatch.setattr(BackgroundWrite, "_run", late_run)
    seen: list[tuple[int, int]] = []
    portal_update = emulator.portal.update

    def checking_update(entity: str, row_id: int, fields: Mapping[str, Any]) -> bool:
        if not seen:
            with sqlite3.connect(service.settings.paths.state) as conn:
                orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
                cached = conn.execute("SELECT count(*) FROM deal_cache").fetchone()[0]
            seen.append((orders, cached))
        return portal_update(entity, row_id, fields)

    monkeypatch.setattr(emulator.portal, "update", checking_update)

    assert service.run().exit_code == 0
    assert seen == [(2, 2)]


def test_state_database_failure_keeps_file(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A failing state database leaves the file in the inbox, with no rejection."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    name = service.put(package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")]))

    def failing(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(OrdersStore, "save_versions", failing)
        report = service.run()

    assert report.exit_code == 3
    assert any(
        "the state database failed (disk I/O error)" in p for p in report.problems
    )
    assert (service.inbox / name).exists()
    assert service.receipts() == []
    assert service.update_calls() == 0

    assert service.run().exit_code == 0
    (receipt,) = service.new_receipts()
    assert rows_by_number(receipt)["A"]["status"] == "updated"
    assert not (service.inbox / name).exists()
