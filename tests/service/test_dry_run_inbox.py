"""A dry run reads the inbox as a real run does, waiting for files being written."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from exchange.config.loader import load_settings
from exchange.service.dry_run import inbox_files
from tests.cli.workspace import write_config


def test_dry_run_waits_for_file_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file changed just now is read once it has settled, not left out."""
    monkeypatch.setenv("EXCHANGE_BITRIX24__WEBHOOK_URL", "http://127.0.0.1:9/rest/1/x/")
    config = write_config(tmp_path, inbox={"settle_seconds": 0.5})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "orders_TMS_1.json").write_bytes(b"{}")

    started = time.monotonic()
    files, waiting = inbox_files(load_settings(config))

    assert files == [("orders_TMS_1.json", b"{}")]
    assert waiting == []
    assert time.monotonic() - started >= 0.5


def test_dry_run_names_file_still_changing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that grows for longer than the settle time is named, not read."""
    monkeypatch.setenv("EXCHANGE_BITRIX24__WEBHOOK_URL", "http://127.0.0.1:9/rest/1/x/")
    config = write_config(tmp_path, inbox={"settle_seconds": 0.3})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    growing = inbox / "orders_TMS_2.json"
    growing.write_bytes(b"{")
    done = threading.Event()

    def keep_writing() -> None:
        while not done.wait(0.05):
            with growing.open("ab") as file:
                file.write(b" ")

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        files, waiting = inbox_files(load_settings(config))
    finally:
        done.set()
        writer.join()

    assert files == []
    assert waiting == ["orders_TMS_2.json"]
