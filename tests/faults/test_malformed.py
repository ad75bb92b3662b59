"""A thousand malformed files, each rejected while the daemon keeps running."""

from __future__ import annotations

import signal

import pytest

from tests.daemon.conftest import DaemonFactory
from tests.daemon.harness import Workspace, read_json, wait_until
from tests.faults.generate import malformed_files

SEED = 20261205
COUNT = 1000
BATCH = 100


@pytest.mark.slow
def test_thousand_malformed_files_rejected(
    workspace: Workspace, daemon_factory: DaemonFactory
) -> None:
    """Each of 1,000 malformed files gets a rejection and lands in the error folder."""
    workspace.write_config({"inbox": {"max_file_mib": 1}})
    files = malformed_files(SEED, COUNT)
    daemon = daemon_factory(workspace)
    daemon.wait_for_log("Watching")

    for start in range(0, COUNT, BATCH):
        for name, data in files[start : start + BATCH]:
            workspace.drop(name, data)
        wait_until(
            lambda: len(workspace.inbox_names()) < BATCH // 2, 30, "the batch to drain"
        )
        assert daemon.alive()
    wait_until(lambda: not workspace.inbox_names(), 60, "an empty inbox")
    wait_until(
        lambda: len(workspace.outbox_names("rejection_")) >= COUNT, 30, "rejections"
    )

    assert daemon.alive()
    rejections = workspace.outbox_names("rejection_")
    assert len(rejections) == COUNT
    assert workspace.outbox_names("orders_receipt_") == []
    sources = {read_json(workspace.outbox / n)["source_file"] for n in rejections}
    assert sources == {name for name, _ in files}
    kept = [
        path for path in workspace.errors.rglob("bad_*") if ".reply." not in path.name
    ]
    assert len(kept) == COUNT
    assert daemon.signal(signal.SIGTERM) == 0
