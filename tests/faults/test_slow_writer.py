"""Files written slowly in chunks are taken only once they are complete."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from tests.daemon.conftest import DaemonFactory
from tests.daemon.harness import SAMPLES, Workspace, wait_until

SETTLE_SECONDS = 1.0
CHUNKS = 12
# Shorter than the settle time, so the file never looks settled while written.
PAUSE_SECONDS = 0.3


def write_slowly(space: Workspace, name: str, data: bytes) -> threading.Thread:
    def write() -> None:
        size = -(-len(data) // CHUNKS)
        with (space.inbox / name).open("wb") as file:
            for start in range(0, len(data), size):
                file.write(data[start : start + size])
                file.flush()
                time.sleep(PAUSE_SECONDS)

    writer = threading.Thread(target=write, name="slow-writer")
    writer.start()
    return writer


@pytest.mark.slow
@pytest.mark.parametrize("observer", ["native", "polling"])
def test_slow_writer_not_taken_early(
    workspace: Workspace, daemon_factory: DaemonFactory, observer: str
) -> None:
    """A file appended in chunks with pauses under the settle time is applied whole."""
    workspace.write_config(
        {"inbox": {"observer": observer, "settle_seconds": SETTLE_SECONDS}}
    )
    daemon = daemon_factory(workspace)
    daemon.wait_for_log("Watching")
    data = (SAMPLES / "orders_TMS_1.json").read_bytes()

    writer = write_slowly(workspace, "orders_TMS_1.json", data)
    writer.join(timeout=30)
    wait_until(lambda: not workspace.inbox_names(), 20, "an empty inbox")
    assert daemon.signal(signal.SIGTERM) == 0

    assert workspace.outbox_names("rejection_") == []
    assert workspace.outbox_names("orders_receipt_") == ["orders_receipt_B24_1.json"]
    archived = list(workspace.archive.rglob("orders_TMS_1.*.json"))
    archived = [path for path in archived if ".reply." not in path.name]
    assert len(archived) == 1
    assert archived[0].read_bytes() == data
    assert "is still being written" in daemon.log_text()
