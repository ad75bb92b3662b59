"""File names with control characters reach logs and printed lines escaped."""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.testing import CliRunner

from exchange import jsonio
from exchange.cli.main import cli
from exchange.emulator import Emulator
from tests.cli.workspace import run_exchange, write_config

NEWLINE_NAME = "evil\nname.json"
ESCAPE_NAME = "red\x1b[31mname.json"
# The text log format: "2026-01-31 12:00:00,123 LEVEL logger: message".
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
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


def test_run_once_rejects_non_utf8_name(tmp_path: Path, emulator: Emulator) -> None:
    """A name that is not UTF-8 gets a rejection and blocks no other file."""
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # Python decodes the bytes FF FE of such a name as surrogate escapes.
    (inbox / os.fsdecode(b"bad\xff\xfe.json")).write_bytes(b"{}")
    sample = SAMPLES / "orders_TMS_1.json"
    (inbox / sample.name).write_bytes(sample.read_bytes())

    result = run_exchange(config, emulator.webhook_url, "run", "--once")

    assert "Traceback" not in result.stderr
    assert list(inbox.iterdir()) == []
    rejected = sorted(path.name for path in (tmp_path / "errors").rglob("*.json"))
    assert len(rejected) == 2
    assert rejected[0].startswith("bad%FF%FE.")
    assert ".reply.rejection_" in rejected[1]
    replies = {
        path.name: jsonio.loads(path.read_bytes())
        for path in (tmp_path / "outbox").glob("*.json")
    }
    kinds = sorted(reply["kind"] for reply in replies.values())
    assert kinds == ["orders_receipt", "rejection"]
    rejection = next(r for r in replies.values() if r["kind"] == "rejection")
    assert rejection["source_file"] == "bad%FF%FE.json"


def test_validate_json_encodes_non_utf8_name(tmp_path: Path) -> None:
    """`validate --json` writes the bytes of a non-UTF-8 name as %XX."""
    path = tmp_path / os.fsdecode(b"bad\xff.json")
    path.write_bytes(b"{}")

    result = CliRunner().invoke(cli, ["validate", "--json", str(path)])

    assert result.exit_code == 1, result.output
    document = jsonio.loads(result.stdout)
    assert document["files"][0]["file"] == "bad%FF.json"


def test_status_names_rejected_file_once(tmp_path: Path, emulator: Emulator) -> None:
    """`status` lists a rejected file with a line feed in its name once per line."""
    config = write_config(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / NEWLINE_NAME).write_text("{}", encoding="utf-8")
    run_exchange(config, emulator.webhook_url, "run", "--once")

    result = run_exchange(config, emulator.webhook_url, "status")

    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "name.json" in line]
    assert len(lines) == 1
    assert lines[0].count("name.json") == 1
    assert "evil%0Aname.json: /format: " in lines[0]
