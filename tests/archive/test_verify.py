"""verify: the chain, the archived files, kept heads and files no entry names."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

import exchange.archive.unreferenced as unreferenced_module
from exchange import jsonio
from exchange.archive import (
    Archive,
    Journal,
    JournalEntry,
    RecordedEntry,
    compute_entry_hash,
    prune,
    verify,
)
from exchange.archive.names import archive_name
from exchange.archive.unreferenced import Unreferenced, is_temporary_name
from exchange.archive.verify import VerifyReport
from exchange.cli.audit_cmd import command
from exchange.cli.context import AppContext
from exchange.transport.names import temporary_name
from tests.archive.conftest import FixedClock, Roots, package_bytes, record_package


@pytest.fixture
def recorded(archive: Archive, journal: Journal) -> list[RecordedEntry]:
    """Three archived packages, the second one rejected, their keys indexed."""
    entries = [
        record_package(archive, journal, 1),
        record_package(archive, journal, 2, outcome="rejected"),
        record_package(archive, journal, 3),
    ]
    journal.index_pending()
    return entries


@pytest.fixture
def raw(roots: Roots) -> Iterator[sqlite3.Connection]:
    """A plain connection, as someone editing the database by hand would use."""
    connection = sqlite3.connect(roots.state, isolation_level=None)
    yield connection
    connection.close()


def run(
    conn: sqlite3.Connection, roots: Roots, head: str | None = None
) -> VerifyReport:
    return verify(conn, roots.archive, roots.errors, expected_head=head)


def messages(report: VerifyReport) -> list[str]:
    return [str(problem) for problem in report.problems]


def test_intact_archive_passes(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """An untouched archive has no problems, and every file is checked."""
    report = run(conn, roots)
    assert report.ok, messages(report)
    assert report.entries_checked == 3
    assert report.files_checked == 6
    assert (report.head_id, report.head_hash) == (3, recorded[-1].entry_hash)


def test_empty_journal_passes(conn: sqlite3.Connection, roots: Roots) -> None:
    """An empty journal verifies with head 0."""
    report = run(conn, roots)
    assert report.ok
    assert report.head_id == 0


def test_changed_byte_named(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """A changed byte in an archived file is reported with entry and path."""
    path = roots.archive / recorded[0].archive_path
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [1]
    assert report.problems[0].path == recorded[0].archive_path
    assert "hash changed" in report.problems[0].message


def test_changed_rejected_file_named(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """A changed file in the error folder is reported for its entry."""
    (roots.errors / recorded[1].archive_path).write_bytes(b"{}")
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [2]
    assert "hash changed" in report.problems[0].message


def test_deleted_file_named(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """A deleted archived file is reported as missing."""
    (roots.archive / recorded[2].archive_path).unlink()
    report = run(conn, roots)
    assert len(report.problems) == 1
    assert report.problems[0].entry_id == 3
    assert "file missing" in report.problems[0].message


def test_changed_reply_named(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """An altered receipt beside its file is reported with the reply's path."""
    (roots.archive / recorded[0].reply_path).write_bytes(b'{"kind":"forged"}')
    report = run(conn, roots)
    assert [(p.entry_id, p.path) for p in report.problems] == [
        (1, recorded[0].reply_path)
    ]


def test_edited_row_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A row edited in SQLite is reported as altered."""
    raw.execute("UPDATE journal_entries SET counts = '{\"updated\":2}' WHERE id = 1")
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [1]
    assert "entry altered" in report.problems[0].message


def test_edited_key_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A search key changed in SQLite is reported as an altered entry."""
    raw.execute(
        "UPDATE journal_keys SET key_value = '9999' WHERE entry_id = 3"
        " AND key_type = 'deal_id'"
    )
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [3]
    assert "entry altered" in report.problems[0].message


def test_deleted_key_row_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A search key removed from the lookup table is reported as altered."""
    raw.execute("DELETE FROM journal_keys WHERE entry_id = 3 AND key_type = 'deal_id'")
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [3]
    assert "entry altered" in report.problems[0].message


def test_added_key_row_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A search key slipped into the lookup table is reported as altered."""
    raw.execute(
        "INSERT INTO journal_keys (entry_id, key_type, key_value)"
        " VALUES (1, 'deal_id', '777')"
    )
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [1]
    assert "entry altered" in report.problems[0].message


def test_keys_column_not_json_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A keys column that is no longer JSON is reported as altered."""
    raw.execute("UPDATE journal_entries SET keys = 'not json' WHERE id = 2")
    report = run(conn, roots)
    assert 2 in [problem.entry_id for problem in report.problems]
    assert all("altered" in str(problem) for problem in report.problems)


def test_rehashed_row_breaks_link(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """An edited row given a fresh hash breaks the next entry's link."""
    raw.execute("UPDATE journal_entries SET sender = 'XXX' WHERE id = 1")
    entry = Journal(conn).get(1)
    assert entry is not None
    forged = compute_entry_hash(entry.prev_hash, entry.hashed_fields())
    raw.execute("UPDATE journal_entries SET entry_hash = ? WHERE id = 1", (forged,))
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [2]
    assert "broken link" in report.problems[0].message


def test_deleted_row_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A deleted row shows as a gap at the next entry."""
    raw.execute("DELETE FROM journal_keys WHERE entry_id = 2")
    raw.execute("DELETE FROM journal_entries WHERE id = 2")
    report = run(conn, roots)
    assert messages(report) == [
        "entry 3: entry 2 is missing (removed from the journal)"
    ]


def test_deleted_row_with_keys_left_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """A row deleted without its search keys is named as removed, not altered."""
    raw.execute("DELETE FROM journal_entries WHERE id = 2")
    report = run(conn, roots)
    assert messages(report) == [
        "entry 3: entry 2 is missing (removed from the journal)",
        (
            "entry 2: entry removed from the journal, but its rows in journal_keys "
            "remain, so 'audit find' may still name it"
        ),
    ]


def test_deleted_first_row_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """Removing the first entry is reported even though no link precedes it."""
    raw.execute("DELETE FROM journal_keys WHERE entry_id = 1")
    raw.execute("DELETE FROM journal_entries WHERE id = 1")
    report = run(conn, roots)
    assert len(report.problems) == 1
    assert "entry 1 is missing" in report.problems[0].message


def test_path_leaving_archive_named(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """An archive path edited to leave the archive is reported, not read."""
    raw.execute(
        "UPDATE journal_entries SET archive_path = '../../etc/passwd' WHERE id = 3"
    )
    report = run(conn, roots)
    found = messages(report)
    assert any("entry altered" in message for message in found)
    assert any(
        "leaves" in message and "../../etc/passwd" in message for message in found
    )


def test_expected_head_matches(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """A kept head that is still in the chain passes."""
    report = run(conn, roots, f"2:{recorded[1].entry_hash}")
    assert report.ok, messages(report)


def test_expected_head_wrong_hash(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """A kept head whose hash differs is reported as a rewritten chain."""
    report = run(conn, roots, f"2:{'f' * 64}")
    assert len(report.problems) == 1
    assert report.problems[0].entry_id == 2
    assert "rewritten" in report.problems[0].message


def test_expected_head_after_truncation(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """Removing the last entries is caught by the head an auditor kept."""
    raw.execute("DELETE FROM journal_keys WHERE entry_id = 3")
    raw.execute("DELETE FROM journal_entries WHERE id = 3")
    assert run(conn, roots).ok
    report = run(conn, roots, f"3:{recorded[2].entry_hash}")
    assert len(report.problems) == 1
    assert "missing from the journal" in report.problems[0].message


def test_malformed_head_raises(conn: sqlite3.Connection, roots: Roots) -> None:
    """A head that is not <id>:<64 hex digits> raises ValueError."""
    with pytest.raises(ValueError, match="invalid head"):
        run(conn, roots, "3-abc")


def test_heads_file_catches_truncation(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    journal: Journal,
    recorded: list[RecordedEntry],
) -> None:
    """A head written to chain-heads is checked, so a cut tail is found."""
    journal.write_head(roots.archive)
    raw.execute("DELETE FROM journal_keys WHERE entry_id = 3")
    raw.execute("DELETE FROM journal_entries WHERE id = 3")
    report = run(conn, roots)
    assert [problem.entry_id for problem in report.problems] == [3]
    assert "2026-03-14.txt line 1" in report.problems[0].message


def test_hand_flagged_pruned_still_checked(
    conn: sqlite3.Connection,
    roots: Roots,
    raw: sqlite3.Connection,
    recorded: list[RecordedEntry],
) -> None:
    """pruned_at set by hand, with no marker entry, does not hide a deleted file."""
    raw.execute("UPDATE journal_entries SET pruned_at = '2026-03-14' WHERE id = 1")
    (roots.archive / recorded[0].archive_path).unlink()
    report = run(conn, roots)
    found = messages(report)
    assert len(found) == 2
    assert "no pruned marker entry lists it" in found[0]
    assert "file missing" in found[1]


def test_verify_after_new_day(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
) -> None:
    """Entries spread over several day folders all verify."""
    for number in range(1, 4):
        record_package(archive, journal, number)
        clock.advance(days=1)
    report = run(conn, roots)
    assert report.ok, messages(report)
    assert report.files_checked == 6


# Files that no entry names


CRASH_SCRIPT = """
import os
import sys
from pathlib import Path

import exchange.archive._files as archive_files
import exchange.transport.atomic as atomic

def crash(*args: object) -> None:
    os._exit(0)

target = Path(sys.argv[2])
if sys.argv[1] == "archive":
    archive_files._link_or_rename = crash
    archive_files.write_once(target, b"{}")
else:
    atomic._replace_with_retry = crash
    atomic.write_atomic(target, b"{}")
"""

LATER = 4_000_000_000.0
"""A Unix time in 2096, so that every file of a test counts as old."""


def crash_during_write(kind: str, target: Path) -> Path:
    """Kill a process in the middle of an atomic write; return its leftover."""
    before = set(target.parent.iterdir()) if target.parent.exists() else set()
    subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, kind, str(target)],
        check=True,
        timeout=60,
    )
    assert not target.exists()
    [leftover] = set(target.parent.iterdir()) - before
    return leftover


def store_unjournaled(archive: Archive, number: int, **kwargs: Any) -> Path:
    """Archive a package as the service does, then crash before journaling."""
    data = package_bytes(number)
    return archive.store_incoming(
        f"orders_TMS_{number}.json",
        data,
        hashlib.sha256(data).hexdigest(),
        outcome=kwargs.get("outcome", "applied"),
        received_at=archive._clock(),
    )


def unreferenced(report: VerifyReport) -> dict[Path, Unreferenced]:
    return {item.path: item for item in report.unreferenced}


def test_crash_before_journaling_listed(
    conn: sqlite3.Connection, roots: Roots, archive: Archive
) -> None:
    """A file archived but never journaled is unjournaled, and only strict fails."""
    path = store_unjournaled(archive, 7)
    report = verify(conn, roots.archive, roots.errors, now=LATER)
    assert report.ok
    assert not report.strict_ok
    [item] = report.unreferenced
    assert item.path == path
    assert item.kind == "unjournaled"
    assert not item.recent
    assert "processed again" in item.advice
    assert "can be deleted once that has happened" in item.advice


def test_reprocessed_next_day_is_copy(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
) -> None:
    """A crash copy from the day before the file was journaled is a copy."""
    left = store_unjournaled(archive, 1)
    clock.advance(days=1)
    entry = record_package(archive, journal, 1)
    report = verify(conn, roots.archive, roots.errors, now=LATER)
    assert report.ok, messages(report)
    [item] = report.unreferenced
    assert item.path == left
    assert item.kind == "copy"
    assert f"same SHA-256 as {entry.archive_path} of entry 1" in item.advice
    assert "can be deleted" in item.advice


def test_rejected_crash_in_error_folder(
    conn: sqlite3.Connection, roots: Roots, archive: Archive
) -> None:
    """A rejected file stored but not journaled is found in the error folder."""
    path = store_unjournaled(archive, 4, outcome="rejected")
    assert path.is_relative_to(roots.errors)
    report = verify(conn, roots.archive, roots.errors, now=LATER)
    assert [(item.path, item.kind) for item in report.unreferenced] == [
        (path, "unjournaled")
    ]


def test_crash_after_receipt_delivered(
    conn: sqlite3.Connection, roots: Roots, archive: Archive, journal: Journal
) -> None:
    """A crash after the receipt was journaled leaves its linked reply as a copy."""
    receipt = b'{"kind":"orders_receipt","in_reply_to":5}'
    receipt_sha = hashlib.sha256(receipt).hexdigest()
    outgoing = archive.store_outgoing("orders_receipt_B24_5.json", receipt, receipt_sha)
    journal.record(
        JournalEntry(
            direction="out",
            file_name="orders_receipt_B24_5.json",
            outcome="written",
            size=len(receipt),
            sha256=receipt_sha,
            archive_path=archive.relative(outgoing),
        ),
        [],
    )
    incoming = store_unjournaled(archive, 5)
    reply = archive.store_reply(incoming, "orders_receipt_B24_5.json", receipt)

    report = verify(conn, roots.archive, roots.errors, now=LATER)

    found = unreferenced(report)
    assert sorted(found) == sorted([incoming, reply])
    assert found[incoming].kind == "unjournaled"
    assert found[reply].kind == "copy"
    assert archive.relative(outgoing) in found[reply].advice


def test_outgoing_crash_before_journaling(
    conn: sqlite3.Connection, roots: Roots, archive: Archive
) -> None:
    """An outgoing copy never journaled is unjournaled and written again later."""
    data = b'{"kind":"counterparties"}'
    path = archive.store_outgoing(
        "counterparties_B24_3.json", data, hashlib.sha256(data).hexdigest()
    )
    report = verify(conn, roots.archive, roots.errors, now=LATER)
    [item] = report.unreferenced
    assert item.path == path
    assert item.kind == "unjournaled"
    assert "stays queued and is written again" in item.advice


@pytest.mark.parametrize("kind", ["archive", "transport"])
def test_interrupted_write_is_temporary(
    conn: sqlite3.Connection,
    roots: Roots,
    recorded: list[RecordedEntry],
    kind: str,
) -> None:
    """The temporary file of a write killed before its rename is safe to delete."""
    folder = (roots.archive / recorded[0].archive_path).parent
    leftover = crash_during_write(kind, folder / "orders_TMS_9.0123456789abcdef.json")
    report = verify(conn, roots.archive, roots.errors, now=LATER)
    assert report.ok, messages(report)
    [item] = report.unreferenced
    assert item.path == leftover
    assert item.kind == "temporary"
    assert "safe to delete" in item.advice


def test_hand_placed_files_foreign(
    conn: sqlite3.Connection, roots: Roots, recorded: list[RecordedEntry]
) -> None:
    """Files of other names, or whose name's hash is not theirs, are by hand."""
    folder = (roots.archive / recorded[0].archive_path).parent
    notes = folder / "notes.txt"
    notes.write_text("checked by the auditor")
    renamed = roots.errors / "orders_TMS_8.0123456789abcdef.json"
    renamed.write_bytes(package_bytes(8))
    report = verify(conn, roots.archive, roots.errors, now=LATER)
    assert report.ok, messages(report)
    found = unreferenced(report)
    assert sorted(found) == sorted([notes, renamed])
    assert found[notes].kind == "foreign"
    assert found[renamed].kind == "foreign"
    assert "move it out of the archive" in found[notes].advice


def test_symlink_listed_not_followed(
    conn: sqlite3.Connection,
    roots: Roots,
    recorded: list[RecordedEntry],
    tmp_path: Path,
) -> None:
    """A symbolic link to a folder is listed itself, and its content is not."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.json").write_bytes(b"{}")
    link = roots.archive / "linked"
    link.symlink_to(outside, target_is_directory=True)
    report = verify(conn, roots.archive, roots.errors, now=LATER)
    assert [(item.path, item.kind) for item in report.unreferenced] == [
        (link, "foreign")
    ]


def test_chain_heads_not_listed(
    conn: sqlite3.Connection,
    roots: Roots,
    journal: Journal,
    recorded: list[RecordedEntry],
) -> None:
    """The chain-head files are not archived files and are never listed."""
    journal.write_head(roots.archive)
    report = verify(conn, roots.archive, roots.errors, now=LATER)
    assert report.strict_ok, [str(item) for item in report.unreferenced]


def test_pruned_files_not_listed(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    recorded: list[RecordedEntry],
    clock: FixedClock,
) -> None:
    """After retention removed files, nothing is missing and nothing unreferenced."""
    pruned = prune(conn, archive, 10, clock() + timedelta(days=11))
    assert pruned.files == 6
    report = verify(conn, roots.archive, roots.errors, now=LATER)
    assert report.strict_ok, messages(report)
    assert report.files_skipped == 6
    assert report.unreferenced == []


def test_copy_of_pruned_file(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    journal: Journal,
    clock: FixedClock,
) -> None:
    """A crash copy whose journaled twin was pruned is past retention."""
    left = store_unjournaled(archive, 1)
    clock.advance(days=1)
    record_package(archive, journal, 1)
    prune(conn, archive, 10, clock() + timedelta(days=11))
    assert left.exists()
    report = verify(conn, roots.archive, roots.errors, now=LATER)
    [item] = report.unreferenced
    assert item.kind == "copy"
    assert "retention has removed" in item.advice


def test_recent_file_does_not_fail_strict(
    conn: sqlite3.Connection, roots: Roots, archive: Archive
) -> None:
    """A file stored seconds ago may be mid-pass, so strict does not fail on it."""
    store_unjournaled(archive, 7)
    report = verify(conn, roots.archive, roots.errors)
    [item] = report.unreferenced
    assert item.recent
    assert report.strict_ok
    assert "run verify again later" in str(item)


def test_error_folder_inside_archive(
    conn: sqlite3.Connection, tmp_path: Path, clock: FixedClock
) -> None:
    """An error folder inside the archive is walked once, relative to itself."""
    root = tmp_path / "archive"
    inner = Archive(root, root / "errors", clock=clock)
    journal = Journal(conn, clock=clock)
    record_package(inner, journal, 1, outcome="rejected")
    record_package(inner, journal, 2)
    left = store_unjournaled(inner, 3, outcome="rejected")
    report = verify(conn, root, root / "errors", now=LATER)
    assert report.ok, messages(report)
    assert [item.path for item in report.unreferenced] == [left]


@given(name=st.text(min_size=1, max_size=40).filter(lambda n: "/" not in n))
def test_temporary_names_recognized(name: str) -> None:
    """Every transport temporary name is recognized, and no archive name is."""
    assert is_temporary_name(temporary_name(name))
    assert not is_temporary_name(archive_name(name, "ab" * 32))


@pytest.mark.parametrize(
    "name",
    [
        ".orders.json.tmp",
        ".orders.json.0123456789AB.tmp",
        ".orders.json.0123456789abc.tmp",
        ".tmp-0123456789abcde-x.json",
        "tmp-0123456789abcdef-x.json",
        "orders.json.0123456789ab.tmp",
    ],
)
def test_near_temporary_names_rejected(name: str) -> None:
    """Names that only resemble the temporary patterns are not temporary."""
    assert not is_temporary_name(name)


def test_cli_lists_unreferenced(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    recorded: list[RecordedEntry],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command prints each file, exits 0, and exits 1 with --strict."""
    left = store_unjournaled(archive, 7)
    monkeypatch.setattr(unreferenced_module, "RECENT_SECONDS", 0.0)

    plain = run_cli(roots, "verify")
    strict = run_cli(roots, "verify", "--strict")

    assert plain.exit_code == 0, plain.output
    assert f"UNREFERENCED {left}: the service's archive name" in plain.stdout
    assert "Intact. Head recorded in" in plain.stdout
    assert "1 file in the archive is named by no journal entry" in plain.stderr
    assert strict.exit_code == 1
    assert "--strict makes this a failure" in strict.stderr


def test_cli_json_unreferenced(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    recorded: list[RecordedEntry],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--json lists each unreferenced file with its kind, and ok follows --strict."""
    left = store_unjournaled(archive, 7)
    monkeypatch.setattr(unreferenced_module, "RECENT_SECONDS", 0.0)

    plain = jsonio.loads(run_cli(roots, "verify", "--json").stdout)
    strict = jsonio.loads(run_cli(roots, "verify", "--json", "--strict").stdout)

    assert plain["ok"] is True
    assert strict["ok"] is False
    [item] = plain["unreferenced"]
    assert item["path"] == str(left)
    assert item["kind"] == "unjournaled"
    assert item["recent"] is False


def test_cli_strict_recent_passes(
    conn: sqlite3.Connection,
    roots: Roots,
    archive: Archive,
    recorded: list[RecordedEntry],
) -> None:
    """--strict passes while the only unreferenced file was stored just now."""
    store_unjournaled(archive, 7)
    result = run_cli(roots, "verify", "--strict")
    assert result.exit_code == 0, result.output
    assert "may still be storing or journaling it" in result.stdout


def run_cli(roots: Roots, *args: str) -> Result:
    return CliRunner().invoke(
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


def test_removed_entry_files_kept_as_evidence(
    conn: sqlite3.Connection, roots: Roots, archive: Archive, journal: Journal
) -> None:
    """Files of a removed entry are not advised for deletion: they are evidence."""
    record_package(archive, journal, 1)
    removed = record_package(archive, journal, 2)
    record_package(archive, journal, 3)
    conn.execute("DELETE FROM journal_entries WHERE id = ?", (removed.id,))

    report = verify(conn, roots.archive, roots.errors, now=LATER)

    assert not report.ok
    items = unreferenced(report)
    assert set(items) == {
        archive.resolve(removed.archive_path, rejected=False),
        archive.resolve(removed.reply_path, rejected=False),
    }
    for item in items.values():
        assert "can be deleted" not in item.advice
        assert "keep it until the journal's problems are explained" in item.advice
