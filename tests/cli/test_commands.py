"""The command line: help texts, version, configuration commands."""

from __future__ import annotations

import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from exchange import __version__
from exchange.cli.main import cli
from exchange.config.loader import load_settings
from exchange.service.runtime import Runtime
from exchange.state.db import connect, migrate
from exchange.state.orders_records import PackageRecord
from exchange.state.orders_schema import MIGRATIONS
from exchange.state.orders_store import OrdersStore
from tests.cli.workspace import invoke, write_config


def all_commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, path))
    return found


def test_expected_commands_exist() -> None:
    """The commands the README promises are all registered."""
    names = set(cli.commands)
    expected = {"run", "process", "validate", "status", "check", "demo"}
    assert expected | {"audit", "config", "emulator", "counterparties"} <= names


@pytest.mark.parametrize(
    ("path", "command"),
    all_commands(cli),
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_every_command_documented(
    path: tuple[str, ...], command: click.Command
) -> None:
    """Every command has help text, and every option says what it sets."""
    assert command.help, f"exchange {' '.join(path)} has no help text"
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            assert parameter.help, f"{' '.join(path)} {parameter.opts} has no help"


@pytest.mark.parametrize(("path", "command"), all_commands(cli))
def test_every_help_runs(path: tuple[str, ...], command: click.Command) -> None:
    """`--help` of every command exits 0 and prints its usage."""
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert command.name in result.output


def test_version() -> None:
    """`exchange --version` prints the package version."""
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_unknown_command_is_usage_error() -> None:
    """A usage error exits 2."""
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2


def test_config_init_and_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`config show` prints the written example as TOML with secrets masked."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["config", "init"])
    assert result.exit_code == 0
    text = (tmp_path / "exchange.toml").read_text(encoding="utf-8")
    text = text.replace('"UF_CRM_..."', '"UF_CRM_7"')
    text = text.replace('# "НеОплачен" = { id = 45 }', '"НеОплачен" = { id = 5 }')
    (tmp_path / "exchange.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv(
        "EXCHANGE_BITRIX24__WEBHOOK_URL", "https://p.example/rest/1/s3cr3t/"
    )
    result = runner.invoke(cli, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "s3cr3t" not in result.output
    shown = tomllib.loads(result.output)
    assert shown["bitrix24"]["webhook_url"] == "***"
    assert shown["bitrix24"]["deal_fields"]["payment_status"] == "UF_CRM_7"
    assert shown["bitrix24"]["payment_status_items"] == {"НеОплачен": {"id": 5}}
    assert shown["paths"]["inbox"] == str(tmp_path / "inbox")


def test_config_init_keeps_existing(tmp_path: Path) -> None:
    """`config init` does not overwrite a file without --force."""
    target = tmp_path / "exchange.toml"
    target.write_text("# mine\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "init", str(target)])
    assert result.exit_code == 2
    assert target.read_text(encoding="utf-8") == "# mine\n"


def test_config_init_missing_folder(tmp_path: Path) -> None:
    """`config init` into a missing folder reports it in one line, no traceback."""
    target = tmp_path / "missing" / "exchange.toml"
    result = CliRunner().invoke(cli, ["config", "init", str(target)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"cannot write {target}: No such file or directory" in result.output
    assert "create its folder first" in result.output


def test_invalid_config_exits_2(tmp_path: Path) -> None:
    """A command that needs settings exits 2 and names the bad setting."""
    config = tmp_path / "exchange.toml"
    config.write_text("[inbox]\nsettle_seconds = -1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "status"])
    assert result.exit_code == 2
    assert "[inbox] settle_seconds" in result.output


def test_check_reports_bad_config(tmp_path: Path) -> None:
    """`exchange check` exits 1 with a failed configuration line."""
    config = tmp_path / "exchange.toml"
    config.write_text("[onec]\ntimezone = 'Nowhere/City'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "check"])
    assert result.exit_code == 1
    assert "failed configuration" in result.output


def test_status_shows_unfinished_package(tmp_path: Path) -> None:
    """`status` names a package left in progress and why its orders are pending."""
    config = write_config(tmp_path)
    store = OrdersStore(connect(tmp_path / "state" / "exchange.sqlite3"))
    record = PackageRecord(
        "p-7", "0" * 64, "orders", "TMS", 7, "orders_TMS_7.json", "applying"
    )
    # What a run killed after storing the versions leaves behind.
    store.save_versions(
        record,
        "2026-12-04T10:00:00+00:00",
        {"a": (None, "ТЛ-7", "Д-7", None, None, False, True, None)},
    )
    store.wait_for_writes()
    store.conn.close()

    result = invoke(config, "http://127.0.0.1:9/rest/1/x/", "status")

    assert result.exit_code == 0, result.output
    assert "not finished: orders_TMS_7.json (TMS no. 7) is applying" in result.output
    assert "the next run resumes it" in result.output
    assert "not evaluated yet: its package is not finished" in result.output


def test_status_empty_sections_one_line(tmp_path: Path) -> None:
    """`status` on a state with nothing in it prints one line per section."""
    config = write_config(tmp_path)
    connect(tmp_path / "state" / "exchange.sqlite3").close()

    result = invoke(config, "http://127.0.0.1:9/rest/1/x/", "status")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "no pending orders" in lines
    assert "no orders in error" in lines
    assert "no package taken yet" in lines
    assert "no rejected files" in lines
    assert "number" not in result.stdout
    assert "sender" not in result.stdout
    assert "shown" not in result.stdout


def test_status_leaves_older_schema_to_lock_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`status` refuses to upgrade an older state; a run under the lock does."""
    config = write_config(tmp_path)
    state = tmp_path / "state" / "exchange.sqlite3"
    conn = connect(state)
    migrate(conn, "orders", MIGRATIONS[:5])
    conn.close()

    result = invoke(config, "http://127.0.0.1:9/rest/1/x/", "status")

    assert result.exit_code == 3, result.output
    assert "orders schema version 5, from an older release" in result.output
    assert "this command does not upgrade it" in result.output
    assert _orders_version(state) == 5

    monkeypatch.setenv("EXCHANGE_BITRIX24__WEBHOOK_URL", "http://127.0.0.1:9/rest/1/x/")
    with Runtime(load_settings(config)) as runtime:
        runtime.orders.count_reports()
    assert _orders_version(state) == len(MIGRATIONS)


def _orders_version(state: Path) -> int:
    conn = connect(state)
    try:
        row = conn.execute(
            "SELECT version FROM schema_versions WHERE component = 'orders'"
        ).fetchone()
    finally:
        conn.close()
    return int(row[0])


def test_outbox_path_that_is_a_file(tmp_path: Path) -> None:
    """An outbox setting naming a file gives a one-line problem and code 3."""
    config = write_config(tmp_path)
    (tmp_path / "outbox").write_text("not a folder")

    result = invoke(config, "http://127.0.0.1:9/rest/1/x/", "run", "--once")

    assert result.exit_code == 3, result.output
    assert f"cannot use the folder {tmp_path / 'outbox'} ([paths] outbox)" in (
        result.output
    )
    assert "Traceback" not in result.output
