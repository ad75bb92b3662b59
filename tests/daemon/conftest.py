"""Fixtures of the daemon tests: a work folder and daemons stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exchange.emulator import Emulator
from tests.daemon.harness import DaemonProcess, Workspace

DaemonFactory = Callable[..., DaemonProcess]


@pytest.fixture
def workspace(tmp_path: Path, emulator: Emulator) -> Workspace:
    """A work folder configured for the demo emulator, with short intervals."""
    space = Workspace(tmp_path, emulator.webhook_url)
    space.write_config()
    return space


@pytest.fixture
def daemon_factory() -> Iterator[DaemonFactory]:
    """Start ``exchange run`` processes; each is stopped after the test."""
    started: list[DaemonProcess] = []

    def start(
        space: Workspace, *global_args: str, name: str = "daemon"
    ) -> DaemonProcess:
        process = DaemonProcess(space, *global_args, name=name).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
