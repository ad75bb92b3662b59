"""``exchange run`` as a long-running process against the emulator."""

from __future__ import annotations

import logging
import signal
import time

import pytest

from exchange import jsonio
from exchange.config import Settings
from exchange.emulator import Emulator
from exchange.service import daemon as daemon_module
from exchange.service.daemon import Daemon
from exchange.service.signals import SecondSignal
from tests.daemon.conftest import DaemonFactory
from tests.daemon.harness import (
    PAYMENT_STATUS,
    REALIZATION_DATE,
    SAMPLES,
    Workspace,
    read_json,
    wait_until,
)

# List items of Статус оплаты in the demo seed.
PAID_IN_FULL = "47"
PARTLY_PAID = "46"
NOT_PAID = "45"
LOCK_MESSAGE = "another exchange process holds the lock"


def drop_samples(space: Workspace) -> None:
    for name in ("orders_TMS_1.json", "orders_TMS_2.json"):
        space.drop(name, (SAMPLES / name).read_bytes())


def test_daemon_applies_dropped_samples(
    workspace: Workspace, emulator: Emulator, daemon_factory: DaemonFactory
) -> None:
    """Files dropped into a running daemon's inbox are applied and answered."""
    daemon = daemon_factory(workspace)
    daemon.wait_for_log("Watching")
    drop_samples(workspace)

    wait_until(lambda: not workspace.inbox_names(), 20, "an empty inbox")
    wait_until(
        lambda: len(workspace.outbox_names("orders_receipt_")) >= 2, 10, "receipts"
    )

    receipts = [read_json(workspace.outbox / n) for n in workspace.outbox_names()]
    replies_to = {receipt["in_reply_to"] for receipt in receipts}
    assert replies_to == {
        read_json(SAMPLES / "orders_TMS_1.json")["package_id"],
        read_json(SAMPLES / "orders_TMS_2.json")["package_id"],
    }
    archived = sorted(p.name for p in workspace.archive.rglob("orders_TMS_*.json"))
    assert any(name.startswith("orders_TMS_1.") for name in archived)
    assert any(name.startswith("orders_TMS_2.") for name in archived)
    deals = emulator.portal.deals
    assert deals[102][PAYMENT_STATUS] == PAID_IN_FULL
    assert str(deals[102][REALIZATION_DATE]).startswith("2026-11-20")
    assert deals[105][PAYMENT_STATUS] == PARTLY_PAID
    assert deals[101][PAYMENT_STATUS] == NOT_PAID
    assert daemon.alive()


def test_second_instance_exits_with_lock_message(
    workspace: Workspace, daemon_factory: DaemonFactory
) -> None:
    """A second daemon on the same state exits 3 at once and says why."""
    first = daemon_factory(workspace, name="first")
    first.wait_for_log("Watching")

    second = daemon_factory(workspace, name="second")
    code = second._process().wait(timeout=15)

    assert code == 3
    assert LOCK_MESSAGE in second.log_text()
    assert first.alive()


def test_sigterm_stops_within_seconds(
    workspace: Workspace, daemon_factory: DaemonFactory
) -> None:
    """SIGTERM stops an idle daemon with exit code 0 within a few seconds."""
    daemon = daemon_factory(workspace)
    daemon.wait_for_log("Watching")

    started = time.monotonic()
    code = daemon.signal(signal.SIGTERM, timeout=5)
    elapsed = time.monotonic() - started

    assert code == 0
    assert elapsed < 3
    assert "SIGTERM received" in daemon.log_text()
    assert "stopped with exit code 0" in daemon.log_text()


def test_sigint_stops_during_backlog(
    workspace: Workspace, daemon_factory: DaemonFactory
) -> None:
    """SIGINT during a backlog of files stops with 0 and leaves the rest queued."""
    for index in range(300):
        workspace.drop(f"broken_{index:03d}.json", b"{not json")
    daemon = daemon_factory(workspace)
    wait_until(lambda: len(workspace.outbox_names("rejection_")) >= 5, 20, "rejections")

    started = time.monotonic()
    code = daemon.signal(signal.SIGINT, timeout=10)
    elapsed = time.monotonic() - started

    assert code == 0
    assert elapsed < 5
    left = len(workspace.inbox_names())
    rejected = len(workspace.outbox_names("rejection_"))
    assert left > 0
    assert left + rejected == 300


def test_json_log_lines(workspace: Workspace, daemon_factory: DaemonFactory) -> None:
    """With --log-format json every log line is a JSON object with a message."""
    daemon = daemon_factory(workspace, "--log-format", "json")
    daemon.wait_for_log("Watching")
    workspace.drop("orders_TMS_1.json", (SAMPLES / "orders_TMS_1.json").read_bytes())
    wait_until(lambda: not workspace.inbox_names(), 20, "an empty inbox")
    assert daemon.signal(signal.SIGTERM) == 0

    lines = daemon.log_text().splitlines()
    entries = [jsonio.loads(line) for line in lines]
    assert len(entries) > 3
    for entry in entries:
        assert set(entry) >= {"time", "level", "logger", "message"}
    messages = [entry["message"] for entry in entries]
    assert any(m.startswith("exchange 0.1.0 starting: inbox ") for m in messages)
    assert any(m.startswith("applied orders_TMS_1.json") for m in messages)
    assert any("stopped with exit code 0" in m for m in messages)


def test_webhook_code_never_logged(
    workspace: Workspace, emulator: Emulator, daemon_factory: DaemonFactory
) -> None:
    """The webhook code appears nowhere in a debug log, outage retries included."""
    daemon = daemon_factory(workspace, "--log-level", "debug")
    daemon.wait_for_log("Watching")
    drop_samples(workspace)
    wait_until(lambda: not workspace.inbox_names(), 20, "an empty inbox")
    emulator.faults.outage(on=True)
    workspace.drop("orders_TMS_1.json", (SAMPLES / "orders_TMS_1.json").read_bytes())
    wait_until(lambda: "Bitrix24" in daemon.log_text(), 20, "a portal error")
    time.sleep(1)
    emulator.faults.outage(on=False)
    assert daemon.signal(signal.SIGTERM) == 0

    text = daemon.log_text()
    assert emulator.webhook_code not in text
    assert "/rest/1/***" in text or "rest/1/" not in text


def test_control_character_escaped_in_log(
    workspace: Workspace, daemon_factory: DaemonFactory
) -> None:
    """A file name with a control character is logged with it escaped."""
    daemon = daemon_factory(workspace)
    daemon.wait_for_log("Watching")
    workspace.drop("bad\x07name\x1b.json", b"not json at all")
    wait_until(lambda: not workspace.inbox_names(), 20, "an empty inbox")
    assert daemon.signal(signal.SIGTERM) == 0

    text = daemon.log_text()
    assert "bad\\x07name\\x1b.json" in text
    assert "\x07" not in text
    assert "\x1b" not in text


def test_config_error_exits_2(
    workspace: Workspace, daemon_factory: DaemonFactory
) -> None:
    """A missing deal field setting ends the daemon at start with exit code 2."""
    workspace.write_config({"bitrix24.deal_fields": {"payment_status": ""}})
    daemon = daemon_factory(workspace)

    code = daemon._process().wait(timeout=15)

    assert code == 2
    assert "payment_status is not set" in daemon.log_text()


def test_pending_retry_outage_named(
    workspace: Workspace, emulator: Emulator, daemon_factory: DaemonFactory
) -> None:
    """A portal outage during the retry of pending orders names that task."""
    workspace.write_config({"bitrix24": {"max_attempts": 1}})
    daemon = daemon_factory(workspace)
    workspace.drop("orders_TMS_1.json", (SAMPLES / "orders_TMS_1.json").read_bytes())
    # The sample leaves ТЛ00-000199 pending: no deal has its number.
    wait_until(lambda: not workspace.inbox_names(), 20, "an empty inbox")
    daemon.wait_for_log("orders_TMS_1.json", timeout=20)
    emulator.faults.outage(on=True)

    daemon.wait_for_log("pending orders retry stopped: ", timeout=20)
    emulator.faults.outage(on=False)
    assert daemon.signal(signal.SIGTERM) == 0


def test_portal_outage_retried_with_backoff(
    workspace: Workspace, emulator: Emulator, daemon_factory: DaemonFactory
) -> None:
    """A portal outage keeps the daemon running; orders apply once it is back."""
    workspace.write_config({"bitrix24": {"max_attempts": 1}})
    emulator.faults.outage(on=True)
    daemon = daemon_factory(workspace)
    daemon.wait_for_log("Bitrix24 is unreachable at start")
    workspace.drop("orders_TMS_1.json", (SAMPLES / "orders_TMS_1.json").read_bytes())
    daemon.wait_for_log("retrying in", timeout=20)
    assert daemon.alive()
    assert emulator.portal.deals[102][PAYMENT_STATUS] is None
    # The line before the retry gives the cause.
    assert "inbox scan stopped: " in daemon.log_text()

    emulator.faults.outage(on=False)

    wait_until(
        lambda: emulator.portal.deals[102][PAYMENT_STATUS] == PAID_IN_FULL,
        30,
        "deal 102 to be updated after the outage",
    )
    daemon.wait_for_log("inbox scan succeeded again", timeout=15)
    assert daemon.alive()


def test_second_signal_logs_exit_code_zero(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    """A second signal stops at once, and the log gives the code returned, 0."""

    def second_signal(self: Daemon) -> int:
        raise SecondSignal("SIGINT")

    settings = Settings(
        paths={
            "inbox": workspace.inbox,
            "outbox": workspace.outbox,
            "archive": workspace.archive,
            "errors": workspace.errors,
            "state": workspace.state,
        },
    )
    caplog.set_level(logging.INFO, logger=daemon_module.__name__)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Daemon, "run", second_signal)
        code = daemon_module.run_daemon(settings)

    assert code == 0
    messages = [record.getMessage() for record in caplog.records]
    assert any("stopped with exit code 0" in message for message in messages)
    assert not any("stopped with exit code 1" in message for message in messages)
