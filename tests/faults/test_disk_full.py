"""A full outbox disk: no partial file under a final name, delivery once space is back.

The outbox is a real 64 KiB tmpfs where this machine lets the test mount
one (root on Linux). Elsewhere the daemon runs with ``os.write`` patched to
fail with ENOSPC while a flag file exists.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.daemon.harness import (
    SAMPLES,
    DaemonProcess,
    Workspace,
    read_json,
    wait_until,
)

TMPFS_BYTES = 64 * 1024
# Leaves one 4 KiB page free: less than the 6.7 KB receipt of orders_TMS_1.json.
FILLER_BYTES = TMPFS_BYTES - 4096

# Run as ``python -c``: the CLI with os.write failing while the flag exists.
ENOSPC_PRELUDE = """
import errno, os, pathlib, sys
flag = pathlib.Path(os.environ["DISK_FULL_FLAG"])
real_write = os.write
def write(fd, data):
    if flag.exists():
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return real_write(fd, data)
os.write = write
from exchange.cli.main import main
sys.argv[0] = "exchange"
main()
"""


@dataclass
class FullDisk:
    """Makes the outbox full and frees it again."""

    fill: Callable[[], None]
    free: Callable[[], None]
    start: Callable[[], DaemonProcess]


def _mount_tmpfs(folder: Path) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


@pytest.fixture
def full_disk(workspace: Workspace) -> Iterator[FullDisk]:
    """A way to fill the outbox's file system: a real tmpfs, else injected ENOSPC."""
    processes: list[DaemonProcess] = []
    filler = workspace.outbox / "filler.bin"
    flag = workspace.root / "disk-full.flag"
    mounted = os.name == "posix" and _mount_tmpfs(workspace.outbox)
    if mounted:
        python_args: tuple[str, ...] = ("-m", "exchange")
        disk_fill: Callable[[], None] = lambda: filler.write_bytes(b"\0" * FILLER_BYTES)  # noqa: E731
        disk_free: Callable[[], None] = filler.unlink
    else:
        os.environ["DISK_FULL_FLAG"] = str(flag)
        python_args = ("-c", ENOSPC_PRELUDE)
        disk_fill = flag.touch
        disk_free = flag.unlink

    def start() -> DaemonProcess:
        process = DaemonProcess(workspace, python_args=python_args).start()
        processes.append(process)
        return process

    try:
        yield FullDisk(fill=disk_fill, free=disk_free, start=start)
    finally:
        for process in processes:
            process.stop()
        if mounted:
            subprocess.run(["umount", str(workspace.outbox)], check=False)
        os.environ.pop("DISK_FULL_FLAG", None)


def final_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))


@pytest.mark.slow
def test_disk_full_outbox_loses_nothing(
    workspace: Workspace, full_disk: FullDisk
) -> None:
    """A receipt that does not fit waits in the state database, then is delivered."""
    workspace.outbox.mkdir(exist_ok=True)
    full_disk.fill()
    daemon = full_disk.start()
    daemon.wait_for_log("Watching")
    data = (SAMPLES / "orders_TMS_1.json").read_bytes()
    workspace.drop("orders_TMS_1.json", data)

    daemon.wait_for_log("No space left on the device", timeout=20)
    assert daemon.alive()
    assert final_names(workspace.outbox) == []
    assert [p.name for p in workspace.outbox.iterdir() if p.name != "filler.bin"] == []
    assert workspace.inbox_names() == ["orders_TMS_1.json"]
    # The next scan finds the receipt still queued and names the outbox.
    daemon.wait_for_log("the outbox cannot be written", timeout=20)
    assert "the inbox cannot be read" not in daemon.log_text()

    full_disk.free()

    wait_until(lambda: not workspace.inbox_names(), 30, "an empty inbox")
    receipts = final_names(workspace.outbox)
    assert receipts
    package_id = read_json(SAMPLES / "orders_TMS_1.json")["package_id"]
    statuses: dict[str, set[str]] = {}
    for name in receipts:
        receipt = read_json(workspace.outbox / name)
        assert receipt["in_reply_to"] == package_id
        assert receipt["count"] == len(receipt["results"])
        for row in receipt["results"]:
            statuses.setdefault(row["ref"], set()).add(row["status"])
    assert all(len(found) == 1 for found in statuses.values()), statuses
    assert daemon.signal(signal.SIGTERM) == 0
