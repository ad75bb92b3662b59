"""File names with control characters reach logs and printed lines escaped."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from exchange.cli.main import cli
from exchange.emulator import Emulator
from tests.cli.workspace import run_exchange, write_config

NEWLINE_NAME = "evil\nname.json"
ESCAPE_NAME = "red\x1b[31mname.json"
# The text log format: "2026-01-31 12:00:00,123 LEVEL logger: message".
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+: ")


def test_run_once_escapes_names(tmp_path: Path, emulator: Emulator) -> None:
    """`run --once` writes a line feed and an ESC in a file name as \\xNN."""
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / NEWLINE_NAME).write_text("{}", encoding="utf-8")
    (inbox / ESCAPE_NAME).write_text("{}", encoding="utf-8")

    result = run_exchange(config, emulator.webhook_url, "run", "--once")

    assert result.returncode == 1, result.stderr
    assert "\x1b" not in result.stderr
    assert "\x1b" not in result.stdout
    for line in result.stderr.splitlines():
        assert LOG_LINE.match(line), f"a log record was split: {line!r}"
    assert "file evil\\x0aname.json rejected" in result.stderr
    assert "file red\\x1b[31mname.json rejected" in result.stderr
    stdout_lines = result.stdout.splitlines()
    assert any(line.startswith("evil\\x0aname.json: rejected") for line in stdout_lines)
    assert any(
        line.startswith("red\\x1b[31mname.json: rejected") for line in stdout_lines
    )
    assert not any(line.startswith("name.json") for line in stdout_lines)


def test_validate_escapes_names(tmp_path: Path) -> None:
    """`validate` prints names with a line feed or an ESC escaped, on one line."""
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / NEWLINE_NAME).write_text("{}", encoding="utf-8")
    (folder / ESCAPE_NAME).write_text("{}", encoding="utf-8")

    result = CliRunner().invoke(
        cli, ["validate", str(folder / NEWLINE_NAME), str(folder / ESCAPE_NAME)]
    )

    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert "evil\\x0aname.json: rejected" in result.output
    assert "red\\x1b[31mname.json: rejected" in result.output
    assert not any(line.startswith("name.json") for line in result.output.splitlines())
