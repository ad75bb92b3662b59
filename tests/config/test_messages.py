"""Configuration errors quote the bad value and name every source of a setting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exchange.config import load_settings
from exchange.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove EXCHANGE_ variables of the developer's shell from each test."""
    for name in list(os.environ):
        if name.startswith("EXCHANGE_"):
            monkeypatch.delenv(name)


def error_for(tmp_path: Path, text: str) -> str:
    config = tmp_path / "exchange.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    return str(caught.value)


def test_bad_value_quoted(tmp_path: Path) -> None:
    """A value of the wrong type is quoted, with both the file and the variable."""
    message = error_for(tmp_path, '[inbox]\nsettle_seconds = "five"\n')
    assert "[inbox] settle_seconds" in message
    assert "'five'" in message
    assert (
        "set in the configuration file or in EXCHANGE_INBOX__SETTLE_SECONDS" in message
    )
    assert "(environment:" not in message


def test_misspelled_key_quoted(tmp_path: Path) -> None:
    """A misspelled key is named with its value and the fix, with no variable."""
    message = error_for(tmp_path, "[inbox]\nsettle_secs = 3\n")
    assert "[inbox] settle_secs: unknown setting (value 3)" in message
    assert "fix its spelling" in message
    assert "EXCHANGE_INBOX__SETTLE_SECS" not in message


def test_placeholder_quoted(tmp_path: Path) -> None:
    """The UF_CRM_... placeholder is quoted once and both sources are named."""
    message = error_for(
        tmp_path, '[bitrix24.deal_fields]\ndocument_number = "UF_CRM_..."\n'
    )
    assert message.count("'UF_CRM_...'") == 1
    assert "Value error" not in message
    variable = "EXCHANGE_BITRIX24__DEAL_FIELDS__DOCUMENT_NUMBER"
    expected = f"set in the configuration file or in {variable}"
    assert expected in message


def test_secret_value_not_quoted(tmp_path: Path) -> None:
    """An invalid secret is reported without its value."""
    message = error_for(tmp_path, '[sftp]\npassword = ["hunter2-secret"]\n')
    assert "[sftp] password" in message
    assert "hunter2-secret" not in message


def test_missing_file_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Without a file, one warning names where it looked and that defaults apply."""
    monkeypatch.chdir(tmp_path)
    load_settings()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert str(tmp_path / "exchange.toml") in warnings[0]
    assert "using the defaults and the EXCHANGE_* environment variables" in warnings[0]


def test_found_file_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With a configuration file, loading logs no warning."""
    config = tmp_path / "exchange.toml"
    config.write_text('[onec]\nnode = "B24"\n', encoding="utf-8")
    load_settings(config)
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []
