"""The demo's work folder, and the journal it leaves behind verifying clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange.archive.verify import verify
from exchange.errors import ConfigError
from exchange.service.demo import MARKER, run_demo
from exchange.state.db import connect


def test_demo_statuses(tmp_path: Path) -> None:
    """The demo applies both samples and shows every receipt status."""
    report, _ = run_demo(tmp_path / "demo")
    assert [f.name for f in report.files] == ["orders_TMS_1.json", "orders_TMS_2.json"]
    statuses = {row["status"].value for f in report.files for row in f.rows}
    expected = {"updated", "unchanged", "pending", "suborder", "ignored", "error"}
    assert statuses == expected


def test_demo_archive_verifies(tmp_path: Path) -> None:
    """Every archived file and reply matches its journal entry after a run."""
    _, settings = run_demo(tmp_path / "demo")
    conn = connect(settings.paths.state)
    try:
        result = verify(conn, settings.paths.archive, settings.paths.errors)
    finally:
        conn.close()
    assert result.problems == []
    assert result.entries_checked == 4  # two files in, two receipts out
    assert result.files_checked == 6  # the files, their replies, the receipts


def test_demo_refuses_foreign_folder(tmp_path: Path) -> None:
    """A non-empty folder that the demo did not make is left untouched."""
    folder = tmp_path / "service"
    folder.mkdir()
    (folder / "exchange.toml").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not made by `exchange demo`"):
        run_demo(folder)
    assert (folder / "exchange.toml").read_text(encoding="utf-8") == "# mine\n"


def test_demo_reuses_own_folder(tmp_path: Path) -> None:
    """A folder made by an earlier demo is emptied and filled again."""
    folder = tmp_path / "demo"
    run_demo(folder)
    (folder / "leftover.txt").write_text("x", encoding="utf-8")
    report, _ = run_demo(folder)
    assert (folder / MARKER).exists()
    assert not (folder / "leftover.txt").exists()
    assert len(report.files) == 2
