"""`exchange check` against a real emulator: lines, fixes and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from exchange.cli.main import cli
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


def test_check_folder_from_environment_names_variable(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder set by its environment variable is to be fixed in that variable."""
    config = write_config(tmp_path)
    blocker = tmp_path / "elsewhere"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("EXCHANGE_PATHS__ARCHIVE", str(blocker))

    result = run_check(config, emulator.webhook_url)

    assert result.exit_code == 1
    (line,) = failed_lines(result.output)
    assert line.startswith("failed archive folder:")
    assert "set EXCHANGE_PATHS__ARCHIVE to another folder" in line


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


def test_check_outbox_is_file_names_setting(tmp_path: Path, emulator: Emulator) -> None:
    """An outbox path that is a file fails with the exact `[paths] outbox` key."""
    config = write_config(tmp_path)
    (tmp_path / "outbox").write_text("not a folder", encoding="utf-8")

    result = run_check(config, emulator.webhook_url)

    assert result.exit_code == 1
    lines = failed_lines(result.output)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("failed outbox folder:")
    assert "set [paths] outbox to another folder" in lines[0]


def test_check_state_folder_is_file_names_setting(
    tmp_path: Path, emulator: Emulator
) -> None:
    """A state folder that is a file fails naming `[paths] state`."""
    config = write_config(tmp_path)
    (tmp_path / "state").write_text("not a folder", encoding="utf-8")

    result = run_check(config, emulator.webhook_url)

    lines = failed_lines(result.output)
    assert result.exit_code == 1
    assert lines[0].startswith("failed state folder:")
    assert "[paths] state" in lines[0]


def test_check_wrong_item_id_lists_ids(tmp_path: Path, emulator: Emulator) -> None:
    """A configured item id that the list field lacks is to be corrected."""
    config = write_config(tmp_path)
    with config.open("a", encoding="utf-8") as stream:
        stream.write('[bitrix24.payment_status_items]\n"НеОплачен" = { id = 99 }\n')

    result = run_check(config, emulator.webhook_url)

    assert result.exit_code == 1
    lines = failed_lines(result.output)
    assert len(lines) == 1, result.output
    line = lines[0]
    assert line.startswith("failed payment status items:")
    assert "has no item with ID 99" in line
    assert "Correct id in [bitrix24.payment_status_items] НеОплачен" in line
    assert "Rename the item" not in line
    # The demo portal's payment status field has the items 45, 46 and 47.
    for item in ("45 ", "46 ", "47 "):
        assert item in line
    # The fields themselves passed, and their line is ok.
    assert "ok     deal fields:" in result.output


def test_check_malformed_webhook_names_source(tmp_path: Path) -> None:
    """A malformed webhook URL names its variable and form, never its code."""
    result = run_check(write_config(tmp_path), "https://portal.example/secretcode77")

    assert result.exit_code == 1
    line = failed_lines(result.output)[0]
    assert line.startswith("failed bitrix24 webhook:")
    assert "EXCHANGE_BITRIX24__WEBHOOK_URL" in line
    assert "https://<portal>/rest/<user>/<code>/" in line
    assert "secretcode77" not in result.output


def test_check_malformed_webhook_in_secrets_file(tmp_path: Path) -> None:
    """A malformed webhook URL from the secrets file names that file."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[bitrix24]\nwebhook_url = "ftp://x/code55"\n', "utf-8")
    secrets.chmod(0o600)
    env = {"EXCHANGE_SECRETS_FILE": str(secrets), "EXCHANGE_BITRIX24__WEBHOOK_URL": ""}

    result = CliRunner().invoke(
        cli, ["--config", str(write_config(tmp_path)), "check"], env=env
    )

    assert result.exit_code == 1
    line = failed_lines(result.output)[0]
    assert line.startswith("failed bitrix24 webhook:")
    assert f"the secrets file {secrets}" in line
    assert "code55" not in result.output


def test_check_failed_webhook_lists_skipped(tmp_path: Path) -> None:
    """A failed webhook prints the portal checks it prevents as skipped."""
    config = write_config(
        tmp_path, counterparties={"trigger_field": "UF_CRM_1799999999"}
    )

    result = run_check(config, "")

    assert result.exit_code == 1
    skipped = [
        line for line in result.output.splitlines() if line.startswith("skipped")
    ]
    assert skipped[:3] == [
        "skipped deal fields: needs a working webhook",
        "skipped payment status items: needs a working webhook",
        "skipped trigger field: needs a working webhook",
    ]
    assert len(failed_lines(result.output)) == 1


def test_check_secrets_file_readable_by_others(
    tmp_path: Path, emulator: Emulator
) -> None:
    """A secrets file with mode 644 fails the configuration line with chmod 600."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[bitrix24]\n", "utf-8")
    secrets.chmod(0o644)
    env = {
        "EXCHANGE_SECRETS_FILE": str(secrets),
        "EXCHANGE_BITRIX24__WEBHOOK_URL": emulator.webhook_url,
    }

    result = CliRunner().invoke(
        cli, ["--config", str(write_config(tmp_path)), "check"], env=env
    )

    assert result.exit_code == 1
    lines = failed_lines(result.output)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("failed configuration:")
    assert f"chmod 600 {secrets}" in lines[0]
    assert "ok     configuration" not in result.output
