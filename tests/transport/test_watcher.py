"""Inbox watcher: native and polling observers as hints."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from exchange.transport.watcher import InboxWatcher, WatchMode

if TYPE_CHECKING:
    from collections.abc import Iterator


class Hints:
    """Collects hints from the observer thread."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bool]] = []
        self.arrived = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, path: Path, *, renamed: bool) -> None:
        with self._lock:
            self.items.append((path.name, renamed))
        self.arrived.set()

    def wait_for(self, name: str, *, renamed: bool, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if (name, renamed) in self.items:
                    return True
            time.sleep(0.02)
        return False


@pytest.fixture(params=["native", "polling"])
def watched(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hints]:
    """A running watcher on ``tmp_path`` in each mode."""
    mode: WatchMode = request.param
    hints = Hints()
    watcher = InboxWatcher(tmp_path, mode=mode, poll_interval=0.1, on_hint=hints)
    watcher.start()
    try:
        yield hints
    finally:
        watcher.stop()


def test_new_file_hinted(watched: Hints, tmp_path: Path) -> None:
    """A new ``.json`` file produces a hint that is not a rename."""
    (tmp_path / "orders_A_1.json").write_bytes(b"{}")

    assert watched.wait_for("orders_A_1.json", renamed=False)


def test_rename_into_json_hinted(watched: Hints, tmp_path: Path) -> None:
    """A rename from a temporary name into ``.json`` is reported as renamed."""
    temporary = tmp_path / "orders_A_2.json.tmp"
    temporary.write_bytes(b"{}")
    time.sleep(0.3)  # let the polling observer see the temporary file first

    temporary.rename(tmp_path / "orders_A_2.json")

    assert watched.wait_for("orders_A_2.json", renamed=True)


def test_other_files_not_hinted(watched: Hints, tmp_path: Path) -> None:
    """Files that are not exchange files or markers produce no hint."""
    (tmp_path / "notes.txt").write_bytes(b"x")
    (tmp_path / ".hidden.json").write_bytes(b"x")
    (tmp_path / "orders_A_3.json").write_bytes(b"{}")

    assert watched.wait_for("orders_A_3.json", renamed=False)
    names = {name for name, _ in watched.items}
    assert "notes.txt" not in names
    assert ".hidden.json" not in names


def test_handler_error_keeps_watching(tmp_path: Path) -> None:
    """An exception in the hint callback is logged and later events still arrive."""
    seen: list[str] = []

    def flaky(path: Path, *, renamed: bool) -> None:
        seen.append(path.name)
        if len(seen) == 1:
            raise RuntimeError("callback failed")

    watcher = InboxWatcher(tmp_path, mode="native", poll_interval=0.1, on_hint=flaky)
    watcher.start()
    try:
        (tmp_path / "orders_A_1.json").write_bytes(b"{}")
        time.sleep(0.3)
        (tmp_path / "orders_A_2.json").write_bytes(b"{}")
        deadline = time.monotonic() + 5
        while "orders_A_2.json" not in seen and time.monotonic() < deadline:
            time.sleep(0.02)
        assert watcher.is_alive()
    finally:
        watcher.stop()

    assert "orders_A_2.json" in seen


def test_dead_observer_restarted(tmp_path: Path) -> None:
    """The supervisor restarts an observer whose thread ended."""
    hints = Hints()
    watcher = InboxWatcher(
        tmp_path,
        mode="polling",
        poll_interval=0.1,
        on_hint=hints,
        supervise_interval=0.05,
    )
    watcher.start()
    try:
        observer = watcher._observer
        assert observer is not None
        observer.stop()
        observer.join()

        deadline = time.monotonic() + 5
        while watcher.restarts == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert watcher.restarts == 1
        assert watcher.is_alive()

        (tmp_path / "orders_A_1.json").write_bytes(b"{}")
        assert hints.wait_for("orders_A_1.json", renamed=False)
    finally:
        watcher.stop()
