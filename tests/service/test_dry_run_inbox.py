"""A dry run reads the inbox as a real run does, waiting for files being written."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from exchange.config import Settings
from exchange.config.loader import load_settings
from exchange.service.dry_run import inbox_files
from tests.cli.workspace import write_config


def _settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settle_seconds: float
) -> Settings:
    """Return settings whose inbox, created here, settles after ``settle_seconds``."""
    monkeypatch.setenv("EXCHANGE_BITRIX24__WEBHOOK_URL", "http://127.0.0.1:9/rest/1/x/")
    config = write_config(tmp_path, inbox={"settle_seconds": settle_seconds})
    (tmp_path / "inbox").mkdir()
    return load_settings(config)


def test_dry_run_waits_for_file_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file changed just now is read once it has settled, not left out."""
    settings = _settings(tmp_path, monkeypatch, 0.5)
    (tmp_path / "inbox" / "orders_TMS_1.json").write_bytes(b"{}")

    started = time.monotonic()
    files, waiting = inbox_files(settings)

    assert files == [("orders_TMS_1.json", b"{}")]
    assert waiting == []
    assert time.monotonic() - started >= 0.5


def test_dry_run_names_file_still_changing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that grows for longer than the settle time is named, not read."""
    settings = _settings(tmp_path, monkeypatch, 0.3)
    growing = tmp_path / "inbox" / "orders_TMS_2.json"
    growing.write_bytes(b"{")
    done = threading.Event()

    def keep_writing() -> None:
        while not done.wait(0.05):
            with growing.open("ab") as file:
                file.write(b" ")

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        files, waiting = inbox_files(settings)
    finally:
        done.set()
        writer.join()

    assert files == []
    assert waiting == ["orders_TMS_2.json"]
