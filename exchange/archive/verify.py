"""Checking the journal's chain and every archived file against it.

Files in the archive that no entry names are listed apart, as a warning: they
do not make the journal or the named files wrong.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from exchange.archive._files import sha256_file
from exchange.archive.entry import GENESIS_HASH, RecordedEntry, compute_entry_hash
from exchange.archive.journal import Journal
from exchange.archive.store import Archive
from exchange.archive.unreferenced import (
    Unreferenced,
    find_unreferenced,
    kept_as_evidence,
)

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterator
    from pathlib import Path

log = logging.getLogger(__name__)

PRUNED_IDS_FIELD = "pruned_entry_ids"
"""Key of a ``pruned`` marker's details that lists the entry ids it pruned."""

_HEAD = re.compile(r"^(\d+):([0-9a-fA-F]{64})$")


@dataclass(frozen=True)
class Problem:
    """One mismatch that ``verify`` found."""

    entry_id: int | None
    path: str | None
    message: str

    def __str__(self) -> str:
        where = [f"entry {self.entry_id}"] if self.entry_id is not None else []
        if self.path:
            where.append(self.path)
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class VerifyReport:
    """Outcome of ``verify``: the head and every problem found."""

    head_id: int
    head_hash: str
    entries_checked: int = 0
    files_checked: int = 0
    files_skipped: int = 0
    problems: list[Problem] = field(default_factory=list)
    unreferenced: list[Unreferenced] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the chain and every file that is not pruned are intact.

        Unreferenced files do not count: see ``strict_ok``.
        """
        return not self.problems

    @property
    def strict_ok(self) -> bool:
        """Whether ``ok`` holds and no file is unreferenced, recent ones aside.

        A file changed in the last few minutes may be one that a running pass
        has stored and not yet journaled, so it does not fail the check.
        """
        return self.ok and not any(not item.recent for item in self.unreferenced)


def parse_head(text: str) -> tuple[int, str]:
    """Parse a chain head kept by an auditor into its entry id and hash.

    Takes ``ID:HASH`` as ``audit verify`` prints it, ``ID HASH``, and a line
    of ``chain-heads/<date>.txt`` as ``Journal.write_head`` writes it:
    ``<UTC time> ID HASH``. Raises ``ValueError`` for any other text.
    """
    parts = text.split()
    if len(parts) == 3 and _is_time(parts[0]):
        parts = parts[1:]
    match = _HEAD.match(":".join(parts))
    if match is None:
        raise ValueError(
            f"invalid head {text!r}: expected <entry id>:<64 hex digits>, as "
            "'exchange audit verify' prints it, or a line of "
            "<archive>/chain-heads/<date>.txt as written "
            "(<UTC time> <entry id> <64 hex digits>)"
        )
    return int(match[1]), match[2].lower()


def _is_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def verify(
    conn: sqlite3.Connection,
    archive_root: Path,
    errors_root: Path,
    *,
    expected_head: str | None = None,
    now: float | None = None,
) -> VerifyReport:
    """Recompute the chain and the SHA-256 of every archived file and reply.

    Files of entries that a ``pruned`` marker lists are skipped. The heads in
    ``<archive>/chain-heads/`` and ``expected_head`` (``ID:HASH``) must still
    be in the chain with the same hash. Files in the archive and error folders
    that no entry names go to ``unreferenced``; ``now`` (a Unix time, default
    the current time) marks recent ones. Raises ``ValueError`` for a
    malformed ``expected_head``.
    """
    head = parse_head(expected_head) if expected_head is not None else None
    journal = Journal(conn)
    archive = Archive(archive_root, errors_root)
    head_id, head_hash = journal.head()
    report = VerifyReport(head_id=head_id, head_hash=head_hash)

    pruned_ids = _check_chain(journal, report)
    _check_search_keys(journal, report)
    _check_files(journal, archive, pruned_ids, report)
    _check_heads_files(journal, archive.chain_heads_folder(), report)
    if head is not None:
        _check_head(journal, head, "the expected head", report)
    _find_unreferenced(journal, archive, pruned_ids, now, report)

    for problem in report.problems:
        log.warning("audit check: %s", problem)
    for item in report.unreferenced:
        log.warning("audit check: unreferenced %s", item)
    return report


def _check_chain(journal: Journal, report: VerifyReport) -> set[int]:
    expected_id = 1
    previous_hash = GENESIS_HASH
    pruned_ids: set[int] = set()
    for entry in journal.iter_all():
        report.entries_checked += 1
        if entry.id != expected_id:
            missing = (
                f"entry {expected_id} is missing"
                if entry.id - 1 == expected_id
                else f"entries {_range(expected_id, entry.id - 1)} are missing"
            )
            report.problems.append(
                Problem(entry.id, None, f"{missing} (removed from the journal)")
            )
        elif entry.prev_hash != previous_hash:
            report.problems.append(
                Problem(
                    entry.id,
                    None,
                    f"broken link: prev_hash {entry.prev_hash} is not the hash "
                    f"{previous_hash} of the entry before it",
                )
            )
        recomputed = compute_entry_hash(entry.prev_hash, entry.hashed_fields())
        if recomputed != entry.entry_hash:
            report.problems.append(
                Problem(
                    entry.id,
                    None,
                    f"entry altered: stored hash {entry.entry_hash}, "
                    f"recomputed {recomputed}",
                )
            )
        if entry.outcome == "pruned":
            pruned_ids.update(_pruned_ids(entry))
        expected_id = entry.id + 1
        previous_hash = entry.entry_hash
    return pruned_ids


def _check_search_keys(journal: Journal, report: VerifyReport) -> None:
    for entry_id in journal.mismatched_keys():
        if journal.get(entry_id) is None:
            # The chain check reports the entry itself as missing.
            message = (
                "entry removed from the journal, but its rows in journal_keys "
                "remain, so 'audit find' may still name it"
            )
        else:
            message = (
                "entry altered: its rows in journal_keys differ from its hashed "
                "search keys, so 'audit find' results for it are wrong"
            )
        report.problems.append(Problem(entry_id, None, message))


def _check_files(
    journal: Journal, archive: Archive, pruned_ids: set[int], report: VerifyReport
) -> None:
    for entry in journal.iter_all():
        if entry.id in pruned_ids:
            report.files_skipped += len(list(_files_of(entry)))
            continue
        if entry.pruned_at is not None:
            report.problems.append(
                Problem(
                    entry.id,
                    None,
                    "flagged as pruned, but no pruned marker entry lists it; "
                    "its files are checked",
                )
            )
        for relative, expected in _files_of(entry):
            report.files_checked += 1
            problem = _check_file(archive, entry, relative, expected)
            if problem is not None:
                report.problems.append(Problem(entry.id, relative, problem))


def _find_unreferenced(
    journal: Journal,
    archive: Archive,
    pruned_ids: set[int],
    now: float | None,
    report: VerifyReport,
) -> None:
    found, errors = find_unreferenced(journal.iter_all(), archive, pruned_ids, now=now)
    if report.problems:
        # A file that no entry names may belong to an entry removed or altered
        # since: it is evidence, whatever the usual cause of such a file.
        found = [kept_as_evidence(item) for item in found]
    report.unreferenced.extend(found)
    report.problems.extend(Problem(None, None, message) for message in errors)


def _files_of(entry: RecordedEntry) -> Iterator[tuple[str, str]]:
    if entry.archive_path:
        yield entry.archive_path, entry.sha256
    if entry.reply_path:
        yield entry.reply_path, entry.reply_sha256


def _check_file(
    archive: Archive, entry: RecordedEntry, relative: str, expected: str
) -> str | None:
    try:
        path = archive.resolve(relative, rejected=entry.rejected)
    except ValueError as exc:
        return str(exc)
    try:
        found = sha256_file(path)
    except FileNotFoundError:
        return f"file missing: {path}"
    except OSError as exc:
        return f"file unreadable: {path}: {exc}"
    if found != expected:
        return f"hash changed: journal has {expected}, file has {found}"
    return None


def _check_heads_files(journal: Journal, folder: Path, report: VerifyReport) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            where = f"{path.name} line {number}"
            parts = line.split()
            try:
                head = parse_head(f"{parts[1]}:{parts[2]}")
            except (IndexError, ValueError):
                report.problems.append(
                    Problem(None, str(path), f"line {number} is not a chain head")
                )
                continue
            _check_head(journal, head, f"the head in {where}", report)


def _check_head(
    journal: Journal, head: tuple[int, str], label: str, report: VerifyReport
) -> None:
    entry_id, entry_hash = head
    entry = journal.get(entry_id)
    if entry is None:
        report.problems.append(
            Problem(
                entry_id,
                None,
                f"{label} is missing from the journal (entries removed)",
            )
        )
    elif entry.entry_hash != entry_hash:
        report.problems.append(
            Problem(
                entry_id,
                None,
                f"{label} had hash {entry_hash}, the journal now has "
                f"{entry.entry_hash} (the chain was rewritten)",
            )
        )


def _pruned_ids(marker: RecordedEntry) -> list[int]:
    details = marker.details
    if not isinstance(details, dict):
        return []
    ids = details.get(PRUNED_IDS_FIELD, [])
    return [value for value in ids if isinstance(value, int)]


def _range(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"
