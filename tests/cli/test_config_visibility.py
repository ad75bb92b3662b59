"""Commands name the configuration file they read, or report that none was found."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from exchange.cli.main import cli
from exchange.emulator import Emulator
from tests.cli.workspace import invoke, write_config


def invoke_without_config(emulator: Emulator, *args: str) -> tuple[int, str, str]:
    env = {
        "EXCHANGE_BITRIX24__WEBHOOK_URL": emulator.webhook_url,
        "EXCHANGE_CONFIG": None,
    }
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_check_without_file_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    """`check` in a folder without exchange.toml fails with how to create one."""
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = invoke_without_config(emulator, "check")
    assert code == 1
    default = tmp_path / "exchange.toml"
    expected = (
        f"failed configuration: no configuration file found at {default}; "
        "create one with `exchange config init` or pass --config"
    )
    assert expected in stdout
    assert "ok     configuration" not in stdout


def test_check_names_file_read(tmp_path: Path, emulator: Emulator) -> None:
    """`check` names the configuration file it read."""
    config = write_config(tmp_path)
    result = invoke(config, emulator.webhook_url, "check")
    assert f"ok     configuration: read {config}" in result.stdout


def test_check_finds_file_in_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    """`check` reads exchange.toml in the current folder without --config."""
    config = write_config(tmp_path)
    monkeypatch.chdir(tmp_path)
    _, stdout, _ = invoke_without_config(emulator, "check")
    assert f"ok     configuration: read {config}" in stdout


def test_run_without_file_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    """`run --once` without a file logs one warning naming where it looked."""
    monkeypatch.chdir(tmp_path)
    _, _, stderr = invoke_without_config(emulator, "run", "--once")
    warnings = [line for line in stderr.splitlines() if " WARNING " in line]
    assert len(warnings) == 1, stderr
    assert f"no configuration file at {tmp_path / 'exchange.toml'}" in warnings[0]
    assert "using the defaults and the EXCHANGE_* environment variables" in warnings[0]


def test_status_without_file_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    """`status` without a file warns before it reports that there is no state."""
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = invoke_without_config(emulator, "status")
    assert code == 0
    assert "no state yet" in stdout
    assert f"no configuration file at {tmp_path / 'exchange.toml'}" in stderr
