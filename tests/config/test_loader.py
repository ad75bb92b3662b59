"""Loading the configuration: file, secrets file, environment, paths."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from exchange.config import load_settings
from exchange.config.example import EXAMPLE
from exchange.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove EXCHANGE_ variables of the developer's shell from each test."""
    import os

    for name in list(os.environ):
        if name.startswith("EXCHANGE_"):
            monkeypatch.delenv(name)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a file the documented defaults apply, paths under the current folder."""
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.paths.inbox == tmp_path / "inbox"
    assert settings.paths.state == tmp_path / "state" / "exchange.sqlite3"
    assert settings.onec.timezone == "Europe/Moscow"
    assert settings.onec.node == "B24"
    assert settings.bitrix24.requests_per_second == 2.0
    assert settings.bitrix24.burst == 50
    assert settings.inbox.settle_seconds == 5.0
    assert settings.inbox.max_file_mib == 256


def test_relative_paths_follow_the_file(tmp_path: Path) -> None:
    """Relative paths are taken from the configuration file's folder."""
    folder = tmp_path / "etc"
    folder.mkdir()
    config = write(folder / "exchange.toml", '[paths]\ninbox = "in"\n')
    settings = load_settings(config)
    assert settings.paths.inbox == folder / "in"


def test_environment_overrides_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EXCHANGE_<SECTION>__<KEY> wins over the file, nested levels too."""
    config = write(
        tmp_path / "exchange.toml",
        "[bitrix24]\nburst = 10\n"
        '[bitrix24.deal_fields]\ndocument_number = "UF_CRM_A"\n',
    )
    monkeypatch.setenv("EXCHANGE_BITRIX24__BURST", "250")
    monkeypatch.setenv("EXCHANGE_BITRIX24__DEAL_FIELDS__DOCUMENT_NUMBER", "UF_CRM_B")
    settings = load_settings(config)
    assert settings.bitrix24.burst == 250
    assert settings.bitrix24.deal_fields.document_number == "UF_CRM_B"


def test_empty_environment_value_hides_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty variable counts as unset, so the file's value stays."""
    config = write(tmp_path / "exchange.toml", '[onec]\nnode = "B24X"\n')
    monkeypatch.setenv("EXCHANGE_ONEC__NODE", "")
    assert load_settings(config).onec.node == "B24X"


def test_empty_file_value_hides_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty webhook URL in the file does not hide the secrets file's value."""
    config = write(tmp_path / "exchange.toml", '[bitrix24]\nwebhook_url = ""\n')
    secrets = write(
        tmp_path / "secrets.toml",
        '[bitrix24]\nwebhook_url = "https://portal.example/rest/1/abc123/"\n',
    )
    secrets.chmod(0o600)
    monkeypatch.setenv("EXCHANGE_SECRETS_FILE", str(secrets))
    settings = load_settings(config)
    url = settings.bitrix24.webhook_url.get_secret_value()
    assert url == "https://portal.example/rest/1/abc123/"


def test_missing_secrets_file_names_path_and_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secrets file that does not exist is named by its full path, with the fix."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXCHANGE_SECRETS_FILE", "nope.toml")
    config = write(tmp_path / "exchange.toml", "")

    with pytest.raises(ConfigError) as info:
        load_settings(config)

    message = str(info.value)
    assert str(tmp_path / "nope.toml") in message
    assert "create it" in message
    assert "correct EXCHANGE_SECRETS_FILE" in message


def test_secret_masked_in_repr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook URL never shows in the settings' text form."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(
        "EXCHANGE_BITRIX24__WEBHOOK_URL", "https://p.example/rest/1/s3cr3t/"
    )
    settings = load_settings()
    assert "s3cr3t" not in repr(settings)
    assert "s3cr3t" not in str(settings.model_dump())


def test_webhook_in_main_file_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A webhook URL written in the main file is accepted with a warning."""
    config = write(
        tmp_path / "exchange.toml",
        '[bitrix24]\nwebhook_url = "https://p.example/rest/1/s3cr3t/"\n',
    )
    with caplog.at_level(logging.WARNING):
        settings = load_settings(config)
    assert settings.bitrix24.webhook_url.get_secret_value().endswith("/s3cr3t/")
    assert "secret" in caplog.text
    assert "s3cr3t" not in caplog.text


def test_invalid_value_names_setting(tmp_path: Path) -> None:
    """An invalid value fails with the setting's name and its variable."""
    config = write(tmp_path / "exchange.toml", '[bitrix24]\nburst = "many"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert "[bitrix24] burst" in message
    assert "EXCHANGE_BITRIX24__BURST" in message


def test_unknown_setting_rejected(tmp_path: Path) -> None:
    """A misspelt key is an error, not silently ignored."""
    config = write(tmp_path / "exchange.toml", "[inbox]\nsettle_secs = 3\n")
    with pytest.raises(ConfigError, match=r"\[inbox\] settle_secs: unknown setting"):
        load_settings(config)


def test_unknown_time_zone_rejected(tmp_path: Path) -> None:
    """A time zone that is not an IANA name is named in the error."""
    config = write(tmp_path / "exchange.toml", '[onec]\ntimezone = "MSK"\n')
    with pytest.raises(ConfigError, match="unknown time zone 'MSK'"):
        load_settings(config)


def test_bad_field_code_rejected(tmp_path: Path) -> None:
    """A deal field code must look like UF_CRM_..."""
    config = write(
        tmp_path / "exchange.toml",
        '[bitrix24.deal_fields]\npayment_status = "Статус оплаты"\n',
    )
    with pytest.raises(ConfigError, match=r"\[bitrix24.deal_fields\] payment_status"):
        load_settings(config)


def test_payment_item_table(tmp_path: Path) -> None:
    """The payment status table takes id, xml_id or text per 1C value name."""
    config = write(
        tmp_path / "exchange.toml",
        "[bitrix24.payment_status_items]\n"
        '"НеОплачен" = { id = 1043 }\n'
        '"ОплаченЧастично" = { xml_id = "PART" }\n',
    )
    items = load_settings(config).bitrix24.payment_status_items
    assert items == {"НеОплачен": {"id": 1043}, "ОплаченЧастично": {"xml_id": "PART"}}


def test_payment_item_table_unknown_value(tmp_path: Path) -> None:
    """A key that is not a 1C value name of Статус оплаты is rejected."""
    config = write(
        tmp_path / "exchange.toml",
        '[bitrix24.payment_status_items]\n"Оплачено" = { id = 1 }\n',
    )
    with pytest.raises(ConfigError, match="not a value of Статус оплаты"):
        load_settings(config)


def test_missing_explicit_file(tmp_path: Path) -> None:
    """A --config path that does not exist is an error, not the defaults."""
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent.toml")


def test_example_loads(tmp_path: Path) -> None:
    """The example written by `config init` is valid once field codes are set."""
    text = EXAMPLE.replace('"UF_CRM_..."', '"UF_CRM_1"')
    config = write(tmp_path / "exchange.toml", text)
    settings = load_settings(config)
    assert settings.bitrix24.deal_fields.payment_status == "UF_CRM_1"
    assert settings.counterparties.trigger_entity == "deal"


def test_example_placeholders_rejected(tmp_path: Path) -> None:
    """The example's UF_CRM_... placeholders must be replaced before use."""
    config = write(tmp_path / "exchange.toml", EXAMPLE)
    with pytest.raises(ConfigError, match="document_number"):
        load_settings(config)
