"""``exchange audit`` through click's runner, with real files and database."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from exchange import jsonio
from exchange.archive import Archive, Journal, JournalEntry, RecordedEntry
from exchange.cli.audit_cmd import command
from exchange.cli.context import AppContext
from exchange.state.db import connect
from tests.archive.conftest import FixedClock, Roots, record_package

PACKAGE_1 = "0b7e5a3c-1d2e-4f60-8a9b-000000000001"


@pytest.fixture
def cli_clock() -> FixedClock:
    """A clock 40 days in the past, so that pruning by the real date applies."""
    start = datetime.now(UTC) - timedelta(days=40)
    return FixedClock(start.replace(hour=10, minute=0, second=0, microsecond=0))


@pytest.fixture
def populated(roots: Roots, cli_clock: FixedClock) -> list[RecordedEntry]:
    """Entries 1-3 as in a running service, plus a follow-up receipt for package 1."""
    archive = Archive(roots.archive, roots.errors, clock=cli_clock)
    conn = connect(roots.state)
    journal = Journal(conn, clock=cli_clock)
    entries = [
        record_package(archive, journal, 1),
        record_package(archive, journal, 2, outcome="rejected", name="bad\x07.json"),
    ]
    cli_clock.advance(days=30)
    follow_up = b'{"kind":"orders_receipt","in_reply_to":"1"}'
    path = archive.store_outgoing(
        "orders_receipt_B24_7.json", follow_up, hashlib.sha256(follow_up).hexdigest()
    )
    entries.append(
        journal.record(
            JournalEntry(
                direction="out",
                file_name="orders_receipt_B24_7.json",
                outcome="written",
                size=len(follow_up),
                sha256=hashlib.sha256(follow_up).hexdigest(),
                package_id="cccccccc-0000-4000-8000-000000000007",
                kind="orders_receipt",
                sender="B24",
                number=7,
                counts={"updated": 1},
                archive_path=archive.relative(path),
                details=[
                    {
                        "ref": "6f1e4c2a-0000-4000-8000-000000000002",
                        "number": "ТЛ-000124",
                        "document_number": "Д-78",
                        "deal_id": 4712,
                        "status": "updated",
                        "message": "",
                        "rollup": False,
                    }
                ],
            ),
            [
                ("package_id", PACKAGE_1),
                ("order_number", "ТЛ-000124"),
                ("deal_id", "4712"),
                ("inn", "7707083893"),
            ],
        )
    )
    conn.close()
    return entries


def audit(roots: Roots, *args: str) -> Result:
    """Run ``exchange audit`` with explicit paths, as an auditor on a copy would."""
    runner = CliRunner(env={"COLUMNS": "240"})
    return runner.invoke(
        command,
        [
            "--state",
            str(roots.state),
            "--archive",
            str(roots.archive),
            "--errors",
            str(roots.errors),
            *args,
        ],
        obj=AppContext(config_path=None),
    )


def with_config(config: Path, *args: str) -> Result:
    """Run ``exchange --config CONFIG audit ARGS``."""
    return CliRunner().invoke(command, list(args), obj=AppContext(str(config)))


def test_list_table(roots: Roots, populated: list[RecordedEntry]) -> None:
    """list prints one row per entry with outcome and counts."""
    result = audit(roots, "list")
    assert result.exit_code == 0, result.output
    assert "orders_TMS_1.json" in result.stdout
    assert "bad%07.json" in result.stdout
    assert "\x07" not in result.stdout
    assert "pending 1, updated 1" in result.stdout
    assert result.stdout.rstrip().endswith("3 entries")


def test_list_json_filters(roots: Roots, populated: list[RecordedEntry]) -> None:
    """list --json honours --outcome, --direction, --sender and --kind."""
    cases = {
        ("--outcome", "rejected"): [2],
        ("--direction", "out"): [3],
        ("--sender", "TMS"): [1, 2],
        ("--kind", "orders_receipt"): [3],
    }
    for option, expected in cases.items():
        result = audit(roots, "list", "--json", *option)
        assert result.exit_code == 0, result.output
        assert [row["id"] for row in jsonio.loads(result.stdout)] == expected, option


def test_list_date_range(
    roots: Roots, populated: list[RecordedEntry], cli_clock: FixedClock
) -> None:
    """--since and --until select by the UTC processing date, inclusive."""
    last_day = f"{cli_clock.now:%Y-%m-%d}"
    first_day = f"{cli_clock.now - timedelta(days=30):%Y-%m-%d}"
    since = audit(roots, "list", "--json", "--since", last_day)
    until = audit(roots, "list", "--json", "--until", first_day)
    assert [row["id"] for row in jsonio.loads(since.stdout)] == [3]
    assert [row["id"] for row in jsonio.loads(until.stdout)] == [1, 2]


def test_list_bad_date(roots: Roots, populated: list[RecordedEntry]) -> None:
    """A date that is not YYYY-MM-DD is a usage error."""
    result = audit(roots, "list", "--since", "14.03.2026")
    assert result.exit_code == 2


def test_show_by_id(roots: Roots, populated: list[RecordedEntry]) -> None:
    """show ID prints the entry, its per-order results and its archived receipt."""
    result = audit(roots, "show", "1")
    assert result.exit_code == 0, result.output
    assert "Entry 1" in result.stdout
    assert PACKAGE_1 in result.stdout
    assert "ТЛ-000123" in result.stdout
    assert "no deal has this document number yet" in result.stdout
    assert '"kind":"orders_receipt"' in result.stdout
    assert "Entry 3" not in result.stdout


def test_show_by_package_id(roots: Roots, populated: list[RecordedEntry]) -> None:
    """show PACKAGE_ID prints the package and the follow-up receipt for it."""
    result = audit(roots, "show", PACKAGE_1.upper())
    assert result.exit_code == 0, result.output
    assert "Entry 1" in result.stdout
    assert "Entry 3" in result.stdout
    assert "Entry 2" not in result.stdout


def test_show_by_file_name(roots: Roots, populated: list[RecordedEntry]) -> None:
    """show FILE_NAME finds a file by its received name, control characters too."""
    result = audit(roots, "show", "--json", "bad\x07.json")
    assert result.exit_code == 0, result.output
    rows = jsonio.loads(result.stdout)
    assert [row["id"] for row in rows] == [2]
    assert rows[0]["reply"] == '{"kind":"rejection","in_reply_to":2}'


def test_show_rejected_names_error_folder(
    roots: Roots, populated: list[RecordedEntry]
) -> None:
    """show of a rejected file names the error folder for its copy."""
    result = audit(roots, "show", "2")
    assert result.exit_code == 0, result.output
    assert "In the error folder as" in result.stdout
    assert "Archived as" not in result.stdout

    applied = audit(roots, "show", "1")
    assert "Archived as" in applied.stdout
    assert "In the error folder as" not in applied.stdout


def test_show_unknown(roots: Roots, populated: list[RecordedEntry]) -> None:
    """show with a token that matches nothing exits 1 with an error."""
    result = audit(roots, "show", "nothing.json")
    assert result.exit_code == 1
    assert "no journal entry has the id, package id or file name" in result.stderr


def test_find_order(roots: Roots, populated: list[RecordedEntry]) -> None:
    """find --order lists each entry with the status the order got there."""
    result = audit(roots, "find", "--json", "--order", "ТЛ-000124")
    assert result.exit_code == 0, result.output
    rows = jsonio.loads(result.stdout)
    assert [row["id"] for row in rows] == [1, 3]
    assert [r["status"] for r in rows[0]["matched_results"]] == ["pending"]
    assert [r["status"] for r in rows[1]["matched_results"]] == ["updated"]


def test_find_table_statuses(roots: Roots, populated: list[RecordedEntry]) -> None:
    """find prints each status after the order number it belongs to."""
    result = audit(roots, "find", "--deal", "4711")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "orders_TMS_1" in line]
    assert len(lines) == 1
    assert lines[0].rstrip().endswith("ТЛ-000123 updated")


def test_find_deal_names_each_order(roots: Roots, cli_clock: FixedClock) -> None:
    """find --deal shows which order each of several statuses belongs to."""
    rows = [
        {
            "ref": f"6f1e4c2a-0000-4000-8000-00000000010{index}",
            "number": number,
            "document_number": "Д-103",
            "deal_id": 103,
            "status": status,
            "message": "",
            "rollup": index > 0,
        }
        for index, (number, status) in enumerate(
            [("ТЛ-000201", "updated"), ("ТЛ-000202", "suborder")]
        )
    ]
    archive = Archive(roots.archive, roots.errors, clock=cli_clock)
    conn = connect(roots.state)
    record_package(archive, Journal(conn, clock=cli_clock), 5, results=rows)
    conn.close()

    result = audit(roots, "find", "--deal", "103")

    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "ТЛ-000201 updated, ТЛ-000202 suborder" in text


def test_find_other_keys(roots: Roots, populated: list[RecordedEntry]) -> None:
    """find works by document number, INN and package id."""
    for option, value, expected in [
        ("--document-number", "Д-77", [1]),
        ("--inn", "7707 083893", [3]),
        ("--package-id", PACKAGE_1, [1, 3]),
        ("--ref", "6F1E4C2A-0000-4000-8000-000000000001", [1]),
    ]:
        result = audit(roots, "find", "--json", option, value)
        assert result.exit_code == 0, result.output
        assert [row["id"] for row in jsonio.loads(result.stdout)] == expected, option


def test_find_nothing(roots: Roots, populated: list[RecordedEntry]) -> None:
    """find with no match exits 1, as show does, and reports that nothing matched."""
    result = audit(roots, "find", "--order", "ТЛ-999")
    assert result.exit_code == 1
    assert "no journal entry mentions 'ТЛ-999'" in result.stderr
    assert result.stdout == ""
    as_json = audit(roots, "find", "--json", "--order", "ТЛ-999")
    assert as_json.exit_code == 1


def test_find_needs_one_key(roots: Roots, populated: list[RecordedEntry]) -> None:
    """find without a key, or with two, is a usage error."""
    assert audit(roots, "find").exit_code == 2
    assert audit(roots, "find", "--order", "1", "--deal", "2").exit_code == 2


def test_verify_intact(roots: Roots, populated: list[RecordedEntry]) -> None:
    """verify on an intact archive exits 0, prints the head and records it."""
    result = audit(roots, "verify")
    assert result.exit_code == 0, result.output
    head = f"3:{populated[-1].entry_hash}"
    assert f"Head: {head}" in result.stdout
    assert "Checked 3 entries and 5 files" in result.stdout
    heads = list((roots.archive / "chain-heads").glob("*.txt"))
    assert len(heads) == 1
    assert heads[0].read_text().split()[1:] == ["3", populated[-1].entry_hash]


def test_verify_tampered(roots: Roots, populated: list[RecordedEntry]) -> None:
    """verify exits 1 and names each mismatch; no head is recorded."""
    (roots.archive / populated[0].archive_path).write_bytes(b"{}")
    raw = sqlite3.connect(roots.state, isolation_level=None)
    raw.execute("UPDATE journal_entries SET number = 99 WHERE id = 3")
    raw.close()
    result = audit(roots, "verify")
    assert result.exit_code == 1
    assert f"MISMATCH entry 1, {populated[0].archive_path}: hash changed" in (
        result.stdout
    )
    assert "MISMATCH entry 3: entry altered" in result.stdout
    assert "2 mismatches found." in result.stderr
    assert not (roots.archive / "chain-heads").exists()


def test_counts_of_one_singular(roots: Roots, cli_clock: FixedClock) -> None:
    """list, verify and prune write a count of one with a singular noun."""
    archive = Archive(roots.archive, roots.errors, clock=cli_clock)
    conn = connect(roots.state)
    entry = record_package(archive, Journal(conn, clock=cli_clock), 1)
    conn.close()
    (roots.archive / entry.archive_path).write_bytes(b"{}")

    listed = audit(roots, "list")
    checked = audit(roots, "verify")
    pruned = audit(roots, "prune", "--older-than-days", "20")

    assert listed.stdout.rstrip().endswith("\n1 entry")
    assert "Checked 1 entry and 2 files (0 pruned files skipped)." in checked.stdout
    assert "1 mismatch found." in checked.stderr
    assert "of 1 entry processed before" in pruned.stdout


def test_verify_head_option(roots: Roots, populated: list[RecordedEntry]) -> None:
    """--head passes for a kept head and fails for another hash."""
    good = audit(roots, "verify", "--head", f"2:{populated[1].entry_hash}")
    bad = audit(roots, "verify", "--head", f"2:{'0' * 64}")
    assert good.exit_code == 0, good.output
    assert bad.exit_code == 1
    assert "the expected head had hash" in bad.stdout


def test_verify_head_as_written(roots: Roots, populated: list[RecordedEntry]) -> None:
    """--head takes a chain-heads line as written, and the ID HASH form."""
    assert audit(roots, "verify").exit_code == 0
    (heads_file,) = (roots.archive / "chain-heads").glob("*.txt")
    line = heads_file.read_text(encoding="utf-8").splitlines()[-1]
    entry_hash = populated[-1].entry_hash

    as_written = audit(roots, "verify", "--head", line)
    id_and_hash = audit(roots, "verify", "--head", f" 3  {entry_hash.upper()}\n")
    other_hash = audit(roots, "verify", "--head", line.replace(entry_hash, "0" * 64))

    assert line.split()[1:] == ["3", entry_hash]
    assert as_written.exit_code == 0, as_written.output
    assert id_and_hash.exit_code == 0, id_and_hash.output
    assert other_hash.exit_code == 1
    assert "the expected head had hash" in other_hash.stdout


def test_verify_malformed_head(roots: Roots, populated: list[RecordedEntry]) -> None:
    """A malformed --head is a usage error (exit 2)."""
    for head in ["latest", f"yesterday 3 {'a' * 64}", f"3 {'a' * 63}", "3:4:5"]:
        result = audit(roots, "verify", "--head", head)
        assert result.exit_code == 2, head
        assert "invalid head" in result.stderr, head
        assert "a line of <archive>/chain-heads/" in result.stderr, head


def test_prune_and_verify(roots: Roots, populated: list[RecordedEntry]) -> None:
    """prune removes files older than N days and verify still passes."""
    result = audit(roots, "prune", "--older-than-days", "20")
    assert result.exit_code == 0, result.output
    assert "Pruned 4 files" in result.stdout
    assert "of 2 entries" in result.stdout
    assert "Marker entry: 4" in result.stdout
    checked = audit(roots, "verify")
    assert checked.exit_code == 0, checked.output
    assert "(4 pruned files skipped)" in checked.stdout


def test_prune_retention_from_config(
    roots: Roots, populated: list[RecordedEntry], tmp_path: Path
) -> None:
    """Without --older-than-days, the configured archive.retention_days applies."""
    config = tmp_path / "exchange.toml"
    config.write_text(
        f'[paths]\nstate = "{roots.state}"\narchive = "{roots.archive}"\n'
        f'errors = "{roots.errors}"\n\n[archive]\nretention_days = 20\n',
        encoding="utf-8",
    )
    result = with_config(config, "prune")
    assert result.exit_code == 0, result.output
    assert "Pruned 4 files" in result.stdout


def test_prune_retention_off(
    roots: Roots, populated: list[RecordedEntry], tmp_path: Path
) -> None:
    """With retention 0 (the default) prune deletes nothing."""
    config = tmp_path / "exchange.toml"
    config.write_text(f'[paths]\nstate = "{roots.state}"\n', encoding="utf-8")
    result = with_config(config, "prune")
    assert result.exit_code == 0, result.output
    assert "nothing pruned" in result.stdout
    assert (roots.archive / populated[0].archive_path).exists()


def test_paths_from_config(
    roots: Roots, populated: list[RecordedEntry], tmp_path: Path
) -> None:
    """Without path options the configured paths are used."""
    config = tmp_path / "exchange.toml"
    config.write_text(
        f'[paths]\nstate = "{roots.state}"\narchive = "{roots.archive}"\n'
        f'errors = "{roots.errors}"\n',
        encoding="utf-8",
    )
    result = with_config(config, "verify")
    assert result.exit_code == 0, result.output
    assert f"Head: 3:{populated[-1].entry_hash}" in result.stdout


def test_missing_state_database(roots: Roots) -> None:
    """A state database that does not exist is a usage error, not a new file."""
    result = audit(roots, "list")
    assert result.exit_code == 2
    assert "state database" in result.stderr
    assert not roots.state.exists()


def test_every_option_has_help() -> None:
    """Every audit command and option carries help text."""
    assert isinstance(command, click.Group)
    assert all(
        param.help for param in command.params if isinstance(param, click.Option)
    )
    for name, sub in command.commands.items():
        assert sub.help, name
        for param in sub.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.name}"
