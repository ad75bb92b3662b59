"""`exchange check` against a real emulator: lines, fixes and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result

from exchange.emulator import Emulator
from tests.cli.workspace import invoke, write_config
from tests.fixtures.emulator import EmulatorFactory

# Words of the client's messages for runs, wrong for a check that runs nothing.
RUN_WORDING = ("run stopped", "next run", "is retried")


def run_check(config: Path, webhook_url: str) -> Result:
    """Run `exchange check` with the webhook URL in the environment."""
    return invoke(config, webhook_url, "check")


def failed_lines(output: str) -> list[str]:
    """Return the output lines of failed checks."""
    return [line for line in output.splitlines() if line.startswith("failed")]


def test_check_all_pass(tmp_path: Path, emulator: Emulator) -> None:
    """With the demo portal and writable folders every check passes, exit 0."""
    result = run_check(write_config(tmp_path), emulator.webhook_url)

    assert result.exit_code == 0, result.output
    assert failed_lines(result.output) == []
    assert "ok     configuration" in result.output
    assert "bitrix24 webhook" in result.output
    assert "payment status items" in result.output


def test_check_401_names_webhook_fix(tmp_path: Path, emulator: Emulator) -> None:
    """A webhook the portal rejects fails with the masked URL and the fix."""
    wrong = emulator.webhook_url.replace(emulator.webhook_code, "wrongcode77")

    result = run_check(write_config(tmp_path), wrong)

    assert result.exit_code == 1, result.output
    lines = failed_lines(result.output)
    assert len(lines) == 1, result.output
    line = lines[0]
    assert line.startswith("failed bitrix24 webhook:")
    assert "HTTP 401" in line
    assert "NO_AUTH_FOUND" in line
    assert "/rest/1/***/" in line
    assert "EXCHANGE_BITRIX24__WEBHOOK_URL" in line
    assert "wrongcode77" not in result.output
    for words in RUN_WORDING:
        assert words not in result.output


def test_check_overload_limit_fix(
    tmp_path: Path, emulator_factory: EmulatorFactory
) -> None:
    """OVERLOAD_LIMIT fails the webhook check with advice to lift the block."""
    emulator = emulator_factory()
    emulator.faults.add(
        status=503, error="OVERLOAD_LIMIT", description="blocked", times=None
    )

    result = run_check(write_config(tmp_path), emulator.webhook_url)

    assert result.exit_code == 1
    line = failed_lines(result.output)[0]
    assert "OVERLOAD_LIMIT" in line
    assert "lift the block" in line
    for words in RUN_WORDING:
        assert words not in result.output


def test_check_unreachable_portal(
    tmp_path: Path, emulator_factory: EmulatorFactory
) -> None:
    """A portal that is not listening fails with the network fix, not run text."""
    emulator = emulator_factory()
    url = emulator.webhook_url
    emulator.stop()

    result = run_check(write_config(tmp_path), url)

    assert result.exit_code == 1
    line = failed_lines(result.output)[0]
    assert line.startswith("failed bitrix24 webhook:")
    assert "could not be reached" in line
    assert "firewall" in line
    for words in RUN_WORDING:
        assert words not in result.output


def test_check_missing_webhook(tmp_path: Path) -> None:
    """An unset webhook URL fails the webhook check and names the variable."""
    result = run_check(write_config(tmp_path), "")

    assert result.exit_code == 1
    line = failed_lines(result.output)[0]
    assert "EXCHANGE_BITRIX24__WEBHOOK_URL" in line


def test_check_folder_is_file(tmp_path: Path, emulator: Emulator) -> None:
    """An archive path that is a file fails with what to change."""
    config = write_config(tmp_path)
    (tmp_path / "archive").write_text("not a folder", encoding="utf-8")

    result = run_check(config, emulator.webhook_url)

    assert result.exit_code == 1
    lines = failed_lines(result.output)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("failed archive folder:")
    assert "is not a folder" in lines[0]
    assert "[paths]" in lines[0]


def test_check_missing_deal_field(tmp_path: Path, emulator: Emulator) -> None:
    """A deal field code the portal lacks fails the deal fields check, exit 1."""
    config = write_config(
        tmp_path, bitrix24__deal_fields={"realization_date": "UF_CRM_404"}
    )

    result = run_check(config, emulator.webhook_url)

    assert result.exit_code == 1
    lines = failed_lines(result.output)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("failed deal fields:")
    assert "UF_CRM_404" in lines[0]
    assert "Check the field code" in lines[0]


def test_check_missing_trigger_field(tmp_path: Path, emulator: Emulator) -> None:
    """A trigger field absent from the portal fails with how to fix it."""
    config = write_config(
        tmp_path, counterparties={"trigger_field": "UF_CRM_1799999999"}
    )

    result = run_check(config, emulator.webhook_url)

    assert result.exit_code == 1
    lines = failed_lines(result.output)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("failed trigger field:")
    assert "Create the custom field" in lines[0]


@pytest.mark.parametrize(
    ("status", "code"),
    [(401, "INVALID_CREDENTIALS"), (403, "ACCESS_DENIED"), (403, "")],
)
def test_check_access_denied_kinds(
    tmp_path: Path, emulator_factory: EmulatorFactory, status: int, code: str
) -> None:
    """Every refusal of access fails the check without the run's wording."""
    emulator = emulator_factory()
    emulator.faults.add(status=status, error=code or None, description="x", times=None)

    result = run_check(write_config(tmp_path), emulator.webhook_url)

    assert result.exit_code == 1
    line = failed_lines(result.output)[0]
    assert f"HTTP {status}" in line
    assert "crm permission" in line
    for words in RUN_WORDING:
        assert words not in result.output


def test_check_asks_a_failing_portal_twice(
    tmp_path: Path, emulator_factory: EmulatorFactory
) -> None:
    """A portal that keeps returning 502 gets two requests, not six as in a run."""
    emulator = emulator_factory()
    emulator.faults.add(status=502, times=None)
    config = write_config(
        tmp_path, bitrix24={"max_attempts": 6, "max_retry_seconds": 30.0}
    )

    result = run_check(config, emulator.webhook_url)

    assert result.exit_code == 1
    assert failed_lines(result.output)[0].startswith("failed bitrix24 webhook:")
    assert emulator.stats.requests == 2
