"""Local inbox and outbox: completeness, ordering, delivery and errors."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from exchange.archive import Archive, Journal
from exchange.errors import TransportError
from exchange.outbox.delivery import Outbox
from exchange.state import outgoing_store
from exchange.state.db import connect, migrate
from exchange.state.outgoing_store import OutgoingStore
from exchange.transport.local import LocalInbox, LocalOutbox

if TYPE_CHECKING:
    from pathlib import Path


class FakeClock:
    """A wall clock that tests move by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _write(path: Path, data: bytes, mtime: float) -> None:
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))


def _names(inbox: LocalInbox) -> list[str]:
    return [item.name for item in inbox.poll().ready]


def test_fresh_file_waits_for_settle(tmp_path: Path) -> None:
    """A file just written is waiting until it stays unchanged for the settle time."""
    clock = FakeClock(1_000_000.0)
    inbox = LocalInbox(tmp_path, settle_seconds=5, clock=clock)
    _write(tmp_path / "orders_A_1.json", b"{}", mtime=clock.now)

    first = inbox.poll()
    assert first.ready == []
    assert first.waiting == ["orders_A_1.json"]

    clock.now += 4.9
    assert _names(inbox) == []

    clock.now += 0.2
    assert _names(inbox) == ["orders_A_1.json"]


def test_change_restarts_settle(tmp_path: Path) -> None:
    """A size or mtime change restarts the settle time."""
    clock = FakeClock(1_000_000.0)
    inbox = LocalInbox(tmp_path, settle_seconds=5, clock=clock)
    path = tmp_path / "orders_A_1.json"
    _write(path, b"{", mtime=clock.now)
    inbox.poll()

    clock.now += 4
    _write(path, b"{}", mtime=clock.now)
    assert _names(inbox) == []

    clock.now += 4
    assert _names(inbox) == []

    clock.now += 1.5
    assert _names(inbox) == ["orders_A_1.json"]


def test_old_file_taken_at_once(tmp_path: Path) -> None:
    """A file whose mtime is older than the settle time is taken at the first poll."""
    clock = FakeClock(1_000_000.0)
    inbox = LocalInbox(tmp_path, settle_seconds=5, clock=clock)
    _write(tmp_path / "orders_A_1.json", b"{}", mtime=clock.now - 60)

    assert _names(inbox) == ["orders_A_1.json"]


def test_ready_marker_takes_at_once(tmp_path: Path) -> None:
    """A ``.ready`` marker makes a fresh file complete immediately."""
    clock = FakeClock(1_000_000.0)
    inbox = LocalInbox(tmp_path, settle_seconds=5, clock=clock)
    _write(tmp_path / "orders_A_1.json", b"{}", mtime=clock.now)
    _write(tmp_path / "orders_A_1.json.ready", b"", mtime=clock.now)

    assert _names(inbox) == ["orders_A_1.json"]


def test_marker_without_file_ignored(tmp_path: Path) -> None:
    """A marker whose file is missing yields nothing."""
    inbox = LocalInbox(tmp_path, settle_seconds=0)
    (tmp_path / "orders_A_9.json.ready").write_bytes(b"")

    result = inbox.poll()

    assert result.ready == []
    assert result.waiting == []
    assert result.ignored == ["orders_A_9.json.ready"]


def test_zero_byte_needs_full_settle(tmp_path: Path) -> None:
    """An empty file is taken only after the settle time, however old its mtime."""
    clock = FakeClock(1_000_000.0)
    inbox = LocalInbox(tmp_path, settle_seconds=5, clock=clock)
    _write(tmp_path / "orders_A_1.json", b"", mtime=clock.now - 600)

    assert inbox.poll().waiting == ["orders_A_1.json"]

    clock.now += 5
    assert _names(inbox) == ["orders_A_1.json"]


def test_ignores_other_names(tmp_path: Path) -> None:
    """Hidden, temporary, marker and non-JSON files are never taken."""
    clock = FakeClock(1_000_000.0)
    inbox = LocalInbox(tmp_path, settle_seconds=5, clock=clock)
    for name in [
        ".orders_A_1.json",
        "orders_A_2.json.tmp",
        ".orders_A_3.json.1234.tmp",
        "orders_A_4.xml",
        "notes.txt",
        "orders_A_5.json.ready",
    ]:
        _write(tmp_path / name, b"{}", mtime=clock.now - 60)
    (tmp_path / "folder.json").mkdir()
    _write(tmp_path / "ORDERS_A_6.JSON", b"{}", mtime=clock.now - 60)

    result = inbox.poll()

    assert [item.name for item in result.ready] == ["ORDERS_A_6.JSON"]
    assert result.waiting == []
    # Listed to be logged: a hidden exchange file and a marker without its file.
    assert result.ignored == [".orders_A_1.json", "orders_A_5.json.ready"]


def test_order_by_sender_and_number(tmp_path: Path) -> None:
    """Suggested names sort by sender and number; others follow by mtime."""
    clock = FakeClock(1_000_000.0)
    inbox = LocalInbox(tmp_path, settle_seconds=5, clock=clock)
    files = {
        "orders_B_2.json": 10,
        "orders_A_10.json": 20,
        "orders_A_9.json": 30,
        "counterparties_B_1.json": 40,
        "zzz.json": 50,
        "aaa.json": 60,
    }
    for name, age in files.items():
        _write(tmp_path / name, b"{}", mtime=clock.now - 100 - age)

    assert _names(inbox) == [
        "orders_A_9.json",
        "orders_A_10.json",
        "counterparties_B_1.json",
        "orders_B_2.json",
        "aaa.json",
        "zzz.json",
    ]


def test_mark_complete_takes_at_once(tmp_path: Path) -> None:
    """A file named by a rename hint is taken without the settle time."""
    clock = FakeClock(1_000_000.0)
    inbox = LocalInbox(tmp_path, settle_seconds=5, clock=clock)
    _write(tmp_path / "orders_A_1.json", b"{}", mtime=clock.now)

    inbox.mark_complete("orders_A_1.json")

    assert _names(inbox) == ["orders_A_1.json"]


def test_missing_folder_raises(tmp_path: Path) -> None:
    """A missing inbox folder is an error, never an empty inbox."""
    inbox = LocalInbox(tmp_path / "gone")

    with pytest.raises(TransportError, match="unreachable"):
        inbox.poll()


def test_unreadable_folder_raises(tmp_path: Path) -> None:
    """A folder that cannot be listed is an error (a file in its place here)."""
    not_a_folder = tmp_path / "inbox"
    not_a_folder.write_bytes(b"")
    inbox = LocalInbox(not_a_folder)

    with pytest.raises(TransportError, match="unreachable"):
        inbox.poll()


def test_finish_removes_file_and_marker(tmp_path: Path) -> None:
    """``finish`` removes the file and its marker and nothing else."""
    inbox = LocalInbox(tmp_path, settle_seconds=0)
    (tmp_path / "orders_A_1.json").write_bytes(b"{}")
    (tmp_path / "orders_A_1.json.ready").write_bytes(b"")
    (tmp_path / "orders_A_2.json.tmp").write_bytes(b"{")
    [item] = inbox.poll().ready

    assert inbox.read(item) == b"{}"
    inbox.finish(item, accepted=True)

    assert [p.name for p in tmp_path.iterdir()] == ["orders_A_2.json.tmp"]


def test_read_detects_change(tmp_path: Path) -> None:
    """A file that grew after it was found complete is not returned half-read."""
    clock = FakeClock(1_000_000.0)
    inbox = LocalInbox(tmp_path, settle_seconds=5, clock=clock)
    path = tmp_path / "orders_A_1.json"
    _write(path, b"{}", mtime=clock.now - 60)
    [item] = inbox.poll().ready

    path.write_bytes(b'{"more": 1}')

    with pytest.raises(TransportError, match="changed"):
        inbox.read(item)


def test_slow_writer_never_taken_early(tmp_path: Path) -> None:
    """A file written in chunks is only taken after its last chunk, whole."""
    inbox = LocalInbox(tmp_path, settle_seconds=0.3)
    path = tmp_path / "orders_A_1.json"
    chunks = [b'{"orders": [', b"1, ", b"2, ", b"3", b"]}"]
    finished = threading.Event()

    def writer() -> None:
        with path.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
                handle.flush()
                time.sleep(0.15)
        finished.set()

    thread = threading.Thread(target=writer)
    thread.start()
    taken: list[tuple[bool, bytes]] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not taken:
        taken.extend((finished.is_set(), inbox.read(i)) for i in inbox.poll().ready)
        time.sleep(0.02)
    thread.join()

    assert taken == [(True, b"".join(chunks))]


def test_wait_settled_takes_fresh_file(tmp_path: Path) -> None:
    """``wait_settled`` waits for a fresh file and returns it within the settle time."""
    inbox = LocalInbox(tmp_path, settle_seconds=0.3)
    (tmp_path / "orders_A_1.json").write_bytes(b"{}")

    started = time.monotonic()
    result = inbox.wait_settled()

    assert [item.name for item in result.ready] == ["orders_A_1.json"]
    assert result.waiting == []
    assert time.monotonic() - started < 1.0


def test_outbox_writes_atomically(tmp_path: Path) -> None:
    """The outbox writes the file under its name and rejects path tricks."""
    outbox = LocalOutbox(tmp_path)

    outbox.write("receipt_A_1.json", b"{}")

    assert (tmp_path / "receipt_A_1.json").read_bytes() == b"{}"
    with pytest.raises(ValueError, match="invalid file name"):
        outbox.write("../escape.json", b"{}")


def test_outbox_missing_folder_raises(tmp_path: Path) -> None:
    """A missing outbox folder is a transport error."""
    outbox = LocalOutbox(tmp_path / "gone")

    with pytest.raises(TransportError, match="unreachable"):
        outbox.write("receipt_A_1.json", b"{}")


def _outbox(tmp_path: Path) -> tuple[Outbox, sqlite3.Connection]:
    conn = connect(tmp_path / "state.sqlite3")
    (tmp_path / "out").mkdir(exist_ok=True)
    outbox = Outbox(
        OutgoingStore(conn),
        LocalOutbox(tmp_path / "out"),
        Archive(tmp_path / "archive", tmp_path / "errors"),
        Journal(conn),
        node="B24",
        zone=ZoneInfo("Europe/Moscow"),
    )
    return outbox, conn


def test_delivery_mark_leaves_package_row(tmp_path: Path) -> None:
    """Delivering marks the narrow status row and never rewrites the bytes' row."""
    outbox, conn = _outbox(tmp_path)
    package = outbox.compose("rejection", {"count": 0, "errors": []})
    conn.execute(
        "CREATE TRIGGER no_update BEFORE UPDATE ON outgoing"
        " BEGIN SELECT RAISE(ABORT, 'outgoing row rewritten'); END"
    )

    written = outbox.deliver()

    assert [p.name for p in written] == [package.name]
    assert (tmp_path / "out" / package.name).read_bytes() == package.data
    assert outbox.store.undelivered_numbers() == []
    conn.close()


def test_queued_package_delivered_after_restart(tmp_path: Path) -> None:
    """A package stored before a crash is delivered later with the same bytes."""
    outbox, conn = _outbox(tmp_path)
    package = outbox.compose("rejection", {"count": 0, "errors": []})
    conn.close()

    restarted, conn = _outbox(tmp_path)
    written = restarted.deliver()

    assert [p.data for p in written] == [package.data]
    assert (tmp_path / "out" / package.name).read_bytes() == package.data
    assert restarted.deliver() == []
    conn.close()


def test_old_delivery_marks_migrated(tmp_path: Path) -> None:
    """Packages marked delivered in the first schema stay delivered."""
    conn = connect(tmp_path / "state.sqlite3")
    migrate(conn, "outgoing", outgoing_store.MIGRATIONS[:1])
    for number, delivered in ((1, "2026-03-14T09:00:00+00:00"), (2, None)):
        conn.execute(
            "INSERT INTO outgoing VALUES ('B24', ?, 'rejection', ?, ?, '', x'7b7d',"
            " '2026-03-14T08:00:00+00:00', ?)",
            (number, f"rejection_B24_{number}.json", f"id-{number}", delivered),
        )

    store = OutgoingStore(conn)

    assert store.undelivered_numbers() == [("B24", 2)]
    assert [package.number for package in store.undelivered()] == [2]
    conn.close()
