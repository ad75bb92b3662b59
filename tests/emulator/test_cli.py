"""The ``exchange emulator`` command."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from exchange.cli.emulator_cmd import command

# The command alone, so the test does not depend on the other subcommands.
RUN_COMMAND = "from exchange.cli.emulator_cmd import command; command()"
DEMO_SEED = Path(__file__).resolve().parents[2] / "samples" / "bitrix24" / "portal.json"


def test_every_option_has_help() -> None:
    """Every option of the command carries help text."""
    for parameter in command.params:
        assert getattr(parameter, "help", None), parameter.name


def test_help_lists_options() -> None:
    """--help names the limiter options with their units."""
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "--in-operator" in text
    assert "in requests per second" in text
    assert "in seconds" in text


def test_help_points_to_fault_switches() -> None:
    """--help names the control endpoint, its actions and the docs page."""
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "http://HOST:PORT/_emulator/" in text
    for action in ("faults", "outage", "clear", "stats", "stats/reset", "limits"):
        assert action in text, action
    assert "docs/emulator.md" in text


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serves_until_signal(http: httpx.Client, stop_signal: signal.Signals) -> None:
    """The command prints the webhook URL, serves, and stops on a signal."""
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_COMMAND, "--seed", str(DEMO_SEED), "--burst", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert first_line.startswith("Webhook URL: http://127.0.0.1:")
        webhook_url = first_line.removeprefix("Webhook URL: ").strip()
        response = http.post(webhook_url + "crm.deal.get", json={"id": 101})
        assert response.json()["result"]["UF_CRM_1700000001"] == "ТЛ-000101"
        second_line = process.stdout.readline()
        assert second_line.startswith("Fault switches: http://127.0.0.1:")
        control_url = second_line.removeprefix("Fault switches: ").split()[0]
        assert control_url == webhook_url.split("/rest/")[0] + "/_emulator/"
        stats = http.get(control_url + "stats").json()
        assert stats["by_method"] == {"crm.deal.get": 1}
        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "Emulator stopped." in output
