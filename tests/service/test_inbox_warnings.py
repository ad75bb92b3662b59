"""Warnings about inbox names that look meant for the service but are not taken."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from exchange.emulator import Emulator
from exchange.service import run_once
from tests.cli.workspace import run_exchange, write_config


def test_run_once_warns_about_ignored_names(tmp_path: Path, emulator: Emulator) -> None:
    """`run --once` names a hidden exchange file and a marker without its file."""
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / ".orders_TMS_1.json").write_bytes(b"{}")
    (inbox / "orders_TMS_2.json.ready").write_bytes(b"")

    result = run_exchange(config, emulator.webhook_url, "run", "--once")

    assert result.returncode == 0, result.stderr
    assert ".orders_TMS_1.json is not taken: a name that starts with a dot" in (
        result.stderr
    )
    assert "orders_TMS_2.json.ready has no file orders_TMS_2.json beside it" in (
        result.stderr
    )
    assert (inbox / ".orders_TMS_1.json").exists()


def test_each_ignored_name_warned_once(caplog: pytest.LogCaptureFixture) -> None:
    """A name still there on the next poll is not warned about again."""
    caplog.set_level(logging.WARNING, logger=run_once.__name__)

    run_once._log_ignored([".a.json", "b.json.ready"])
    run_once._log_ignored([".a.json", "b.json.ready"])
    run_once._log_ignored([])
    run_once._log_ignored([".a.json"])

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 3
    assert messages[0].startswith(".a.json is not taken")
    assert messages[1].startswith("b.json.ready has no file b.json")
    assert messages[2].startswith(".a.json is not taken")
