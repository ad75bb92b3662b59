"""The daemon's start messages about Bitrix24 name the case and the fix."""

from __future__ import annotations

from pathlib import Path

from exchange.emulator import Emulator
from tests.daemon.conftest import DaemonFactory
from tests.daemon.harness import Workspace


def test_wrong_webhook_code_refused(
    tmp_path: Path, emulator: Emulator, daemon_factory: DaemonFactory
) -> None:
    """A wrong webhook code reads as refused access with its fix; the daemon runs on."""
    wrong = emulator.webhook_url.replace(emulator.webhook_code, "wrongcode77")
    space = Workspace(tmp_path, wrong)
    space.write_config()
    daemon = daemon_factory(space)

    daemon.wait_for_log("Bitrix24 refused access at start")

    text = daemon.log_text()
    line = next(x for x in text.splitlines() if "refused access at start" in x)
    assert "HTTP 401" in line
    assert "check that the webhook in EXCHANGE_BITRIX24__WEBHOOK_URL" in line
    assert "The service keeps running" in line
    assert "not available" not in line
    assert "The run stopped" not in line
    assert ".;" not in line
    assert "wrongcode77" not in text
    assert daemon.alive()


def test_outage_reads_unreachable(
    workspace: Workspace, emulator: Emulator, daemon_factory: DaemonFactory
) -> None:
    """A portal outage at start reads as unreachable, without the run's wording."""
    workspace.write_config({"bitrix24": {"max_attempts": 1}})
    emulator.faults.outage(on=True)
    daemon = daemon_factory(workspace)

    daemon.wait_for_log("Bitrix24 is unreachable at start")

    line = next(
        x for x in daemon.log_text().splitlines() if "unreachable at start" in x
    )
    assert "The service keeps running" in line
    assert "The run stopped" not in line
    assert "retried on the next run" not in line
    assert ".;" not in line
    assert daemon.alive()
