"""Log records of a dry run carry a marker, so they never read like real work."""

from __future__ import annotations

from pathlib import Path

from exchange import jsonio
from exchange.emulator import Emulator
from tests.cli.workspace import run_exchange, write_config

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "orders_TMS_1.json"


def test_dry_run_text_lines_marked(tmp_path: Path, emulator: Emulator) -> None:
    """Every log message of `process FILE --dry-run` starts with "dry run: "."""
    config = write_config(tmp_path, paths={"dry_run": str(tmp_path / "plans")})

    result = run_exchange(
        config, emulator.webhook_url, "process", str(SAMPLE), "--dry-run"
    )

    lines = result.stderr.splitlines()
    assert any("Wrote orders_receipt_B24_1.json" in line for line in lines), (
        result.stderr
    )
    assert any("archived orders_TMS_1.json" in line for line in lines)
    assert any("applied orders_TMS_1.json" in line for line in lines)
    for line in lines:
        _, separator, message = line.partition(": ")
        assert separator, line
        assert message.startswith("dry run: "), line
        assert "dry run: dry run:" not in line


def test_dry_run_json_lines_marked(tmp_path: Path, emulator: Emulator) -> None:
    """JSON log lines of a dry run have the prefix and "dry_run": true."""
    config = write_config(tmp_path, paths={"dry_run": str(tmp_path / "plans")})

    result = run_exchange(
        config,
        emulator.webhook_url,
        "--log-format",
        "json",
        "process",
        str(SAMPLE),
        "--dry-run",
    )

    entries = [jsonio.loads(line) for line in result.stderr.splitlines()]
    assert entries, result.stderr
    for entry in entries:
        assert entry["message"].startswith("dry run: "), entry
        assert entry["dry_run"] is True


def test_real_run_lines_unmarked(tmp_path: Path, emulator: Emulator) -> None:
    """A real `process FILE` logs its work without the dry-run marker."""
    config = write_config(tmp_path)

    result = run_exchange(config, emulator.webhook_url, "process", str(SAMPLE))

    assert "applied orders_TMS_1.json" in result.stderr
    assert "dry run" not in result.stderr
