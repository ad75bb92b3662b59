"""Finding archived files that no journal entry names, with their likely cause.

Such files come from a crash between storing a file and journaling it, from a
write that a crash interrupted, or from someone putting a file there by hand.
They do not make the journal or the named files wrong, so ``verify`` reports
them as a warning.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from exchange.archive._files import TEMP_PREFIX, sha256_file
from exchange.archive.store import OUTGOING_FOLDER, REPLY_INFIX

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator

    from exchange.archive.entry import RecordedEntry
    from exchange.archive.store import Archive

UnreferencedKind = Literal["temporary", "copy", "unjournaled", "foreign"]

RECENT_SECONDS = 300.0
"""Files changed this recently may still be in the middle of a write or pass.

Storing a file and journaling it follow each other directly in one pass, so
a file that is still unreferenced after five minutes is a leftover, not work
in progress.
"""

# write_once in exchange/archive/_files.py: ``.tmp-<token_hex(8)>-<name>``.
_ARCHIVE_TEMPORARY = re.compile(
    rf"{re.escape(TEMP_PREFIX)}[0-9a-f]{{16}}-.+", re.DOTALL
)
# temporary_name in exchange/transport/names.py: ``.<name>.<token_hex(6)>.tmp``.
# Spelled out here so that the archive does not import the transport package.
_TRANSPORT_TEMPORARY = re.compile(r"\..+\.[0-9a-f]{12}\.tmp", re.DOTALL)
# archive_name in exchange/archive/names.py: ``<stem>.<sha256[:16]><suffix>``,
# where the suffix is empty or a dot and at most 15 more characters.
_ARCHIVE_NAME = re.compile(
    r"(?P<stem>.+)\.(?P<sha16>[0-9a-f]{16})(?P<suffix>\.[^.]{0,15})?", re.DOTALL
)


@dataclass(frozen=True)
class Unreferenced:
    """An archived file that no journal entry names, and what to do with it."""

    path: Path
    kind: UnreferencedKind
    advice: str
    recent: bool = False
    """Whether the file changed less than ``RECENT_SECONDS`` before the check."""

    def __str__(self) -> str:
        if self.recent:
            return (
                f"{self.path}: changed less than {RECENT_SECONDS / 60:.0f} minutes "
                "ago, so the service may still be storing or journaling it; run "
                f"verify again later. If it stays: {self.advice}"
            )
        return f"{self.path}: {self.advice}"


@dataclass(frozen=True)
class _NamedFile:
    entry_id: int
    relative: str
    pruned: bool


def find_unreferenced(
    entries: Iterable[RecordedEntry],
    archive: Archive,
    pruned_ids: Collection[int],
    *,
    now: float | None = None,
) -> tuple[list[Unreferenced], list[str]]:
    """Walk the archive and error folders and classify each file no entry names.

    ``<archive>/chain-heads/`` is skipped. Files of pruned entries are gone,
    so they never show up here. ``now`` is a Unix time and defaults to the
    current time. Returns the files and the messages of folders that could
    not be read.
    """
    checked_at = time.time() if now is None else now
    named: set[Path] = set()
    by_hash: dict[str, _NamedFile] = {}
    for entry in entries:
        pruned = entry.id in pruned_ids
        for relative, sha256 in _files_of(entry):
            try:
                named.add(archive.resolve(relative, rejected=entry.rejected))
            except ValueError:
                continue  # reported by the file check of verify
            by_hash.setdefault(sha256, _NamedFile(entry.id, relative, pruned))

    errors: list[str] = []
    found = [
        _classify(path, archive, by_hash, checked_at)
        for path in _walk(archive, errors)
        if path not in named
    ]
    return found, errors


def is_temporary_name(name: str) -> bool:
    """Return whether ``name`` is a temporary name of the service's atomic writes."""
    return bool(
        _ARCHIVE_TEMPORARY.fullmatch(name) or _TRANSPORT_TEMPORARY.fullmatch(name)
    )


def _files_of(entry: RecordedEntry) -> Iterator[tuple[str, str]]:
    if entry.archive_path:
        yield entry.archive_path, entry.sha256
    if entry.reply_path:
        yield entry.reply_path, entry.reply_sha256


def _walk(archive: Archive, errors: list[str]) -> Iterator[Path]:
    roots = list(dict.fromkeys([archive.root, archive.errors_root]))
    for root in roots:
        if not root.is_dir():
            continue
        # The chain-head files are not archived files, and an error folder
        # inside the archive is walked as a root of its own.
        skipped = {archive.chain_heads_folder(), *(r for r in roots if r != root)}

        def record(exc: OSError) -> None:
            errors.append(f"folder unreadable: {exc.filename}: {exc.strerror}")

        for folder_name, folders, files in os.walk(root, onerror=record):
            folder = Path(folder_name)
            links = [name for name in folders if (folder / name).is_symlink()]
            folders[:] = sorted(
                name
                for name in folders
                if name not in links and folder / name not in skipped
            )
            for name in sorted([*files, *links]):
                yield folder / name


def kept_as_evidence(item: Unreferenced) -> Unreferenced:
    """Return ``item`` with advice to keep it, for a journal that failed its check.

    A temporary name is never a journaled file, so its advice stays.
    """
    if item.kind == "temporary":
        return item
    advice = (
        "no entry names it, and the journal failed its check, so it may belong "
        "to an entry removed or altered since: keep it until the journal's "
        "problems are explained"
    )
    return replace(item, advice=advice)


def _classify(
    path: Path, archive: Archive, by_hash: dict[str, _NamedFile], now: float
) -> Unreferenced:
    recent = _changed_since(path, now - RECENT_SECONDS)
    if is_temporary_name(path.name):
        return Unreferenced(
            path,
            "temporary",
            "temporary name of an atomic write that a crash interrupted, so it "
            "is safe to delete",
            recent,
        )

    try:
        digest = sha256_file(path)
    except OSError as exc:
        return Unreferenced(
            path,
            "foreign",
            f"not a file the service wrote ({exc.strerror or exc}); "
            "move it out of the archive",
            recent,
        )

    named = by_hash.get(digest)
    if named is not None:
        return Unreferenced(path, "copy", _copy_advice(named), recent)
    if _has_service_name(path.name, digest):
        return Unreferenced(
            path, "unjournaled", _unjournaled_advice(path, archive), recent
        )
    return Unreferenced(
        path,
        "foreign",
        "not a name the service writes, so it was put there by hand; move it "
        "out of the archive",
        recent,
    )


def _copy_advice(named: _NamedFile) -> str:
    source = f"same SHA-256 as {named.relative} of entry {named.entry_id}"
    if named.pruned:
        return (
            f"{source}, whose files retention has removed: a crash between "
            "archiving and journaling left this copy, which is past the "
            "retention period; it can be deleted"
        )
    return (
        f"{source}: a crash between archiving and journaling left this copy, "
        "and the same bytes were archived again under the journaled name; the "
        "copy can be deleted"
    )


def _unjournaled_advice(path: Path, archive: Archive) -> str:
    if path.is_relative_to(archive.root / OUTGOING_FOLDER):
        again = (
            "the package stays queued and is written again on the next pass, "
            "so this copy can be deleted once 'exchange audit list "
            "--direction out' lists it"
        )
    else:
        again = (
            "the file stays in the inbox and is processed again, so this copy "
            "can be deleted once that has happened"
        )
    return (
        "the service's archive name, but no entry has its SHA-256: a crash "
        f"before journaling left it. {again}"
    )


def _has_service_name(name: str, digest: str) -> bool:
    archived, infix, _reply = name.partition(REPLY_INFIX)
    match = _ARCHIVE_NAME.fullmatch(archived)
    if match is None:
        return False
    # A reply's name carries the hash of the file it replies to, not its own.
    return bool(infix) or match["sha16"] == digest[:16]


def _changed_since(path: Path, moment: float) -> bool:
    try:
        status = path.lstat()
    except OSError:
        return False
    # Storing sets the modification time to the time the file was received,
    # so the inode change time (set by that same utime call) dates the store.
    return max(status.st_mtime, status.st_ctime) >= moment
