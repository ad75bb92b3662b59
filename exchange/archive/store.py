"""Folders of the archive: processed files, their replies and outgoing files.

Layout, by the UTC date on which the service processed or wrote the file::

    <archive>/YYYY/MM/DD/<stem>.<sha256[:16]>.json          applied, duplicate
    <archive>/YYYY/MM/DD/<archived name>.reply.<reply name>  its receipt
    <errors>/YYYY/MM/DD/<stem>.<sha256[:16]>.json           rejected
    <errors>/YYYY/MM/DD/<archived name>.reply.<reply name>   its rejection
    <archive>/outgoing/YYYY/MM/DD/<stem>.<sha256[:16]>.json written by the service
    <archive>/chain-heads/YYYY-MM-DD.txt                    journal heads

Files are stored byte for byte. The hash in the name keeps two different
files with one name apart, and a stored file is never replaced by other bytes.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Literal

from exchange.archive._files import link_once, sha256_bytes, write_once
from exchange.archive._time import Clock, utc_now
from exchange.archive.names import archive_name, safe_base_name

log = logging.getLogger(__name__)

IncomingOutcome = Literal["applied", "duplicate", "rejected"]

OUTGOING_FOLDER = "outgoing"
CHAIN_HEADS_FOLDER = "chain-heads"
REPLY_INFIX = ".reply."

# Outgoing files remembered for ``store_reply``: one pass queues a receipt
# and a few follow-ups before the receipt is archived beside its file.
_REMEMBERED_OUTGOING = 64


class Archive:
    """The archive and error folders, written once and never rewritten."""

    def __init__(self, root: Path, errors_root: Path, *, clock: Clock = utc_now):
        self.root = root
        self.errors_root = errors_root
        self._clock = clock
        # Outgoing files this object stored, by SHA-256: a receipt archived
        # again beside its incoming file is hard-linked to this copy.
        self._outgoing: dict[str, Path] = {}

    def store_incoming(
        self,
        name: str,
        data: bytes,
        sha256: str,
        *,
        outcome: IncomingOutcome,
        received_at: datetime,
    ) -> Path:
        """Store a processed incoming file and return its archived path.

        Applied and duplicate files go to the archive, rejected ones to the
        error folder. The file's modification time is set to ``received_at``.
        Storing the same name and bytes again on the same day returns the
        existing path; ``ArchiveError`` is raised if that path contains other
        bytes. ``ValueError`` is raised when ``sha256`` does not match ``data``.
        """
        digest = _checked_sha256(data, sha256)
        root = self.errors_root if outcome == "rejected" else self.root
        path = root / self._day_folder() / archive_name(name, digest)
        if write_once(path, data, digest):
            stamp = received_at.timestamp()
            os.utime(path, (stamp, stamp))
            log.info("archived %s (%s) as %s", safe_base_name(name), outcome, path)
        return path

    def store_reply(self, incoming_path: Path, reply_name: str, data: bytes) -> Path:
        """Store the receipt or rejection written for an archived file beside it.

        The reply is named ``<archived name>.reply.<reply name>``, so a
        sorted listing shows each file followed by the reply written for it.
        A reply that this object stored as an outgoing file is hard-linked to
        that copy where the file system allows, instead of written again.
        """
        self._check_inside(incoming_path)
        path = incoming_path.with_name(
            f"{incoming_path.name}{REPLY_INFIX}{safe_base_name(reply_name)}"
        )
        digest = sha256_bytes(data)
        stored = self._outgoing.get(digest)
        if stored is None or not link_once(stored, path, digest):
            write_once(path, data, digest)
        return path

    def store_outgoing(self, name: str, data: bytes, sha256: str) -> Path:
        """Store a copy of a file the service wrote to the outbox."""
        digest = _checked_sha256(data, sha256)
        folder = self.root / OUTGOING_FOLDER / self._day_folder()
        path = folder / archive_name(name, digest)
        if write_once(path, data, digest):
            log.info("archived outgoing %s as %s", safe_base_name(name), path)
        self._outgoing[digest] = path
        if len(self._outgoing) > _REMEMBERED_OUTGOING:
            del self._outgoing[next(iter(self._outgoing))]
        return path

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the error folder or the archive, POSIX style.

        The error folder is tried first in case it lies inside the archive.
        Raises ``ValueError`` for a path outside both.
        """
        for root in (self.errors_root, self.root):
            if path.is_relative_to(root):
                return path.relative_to(root).as_posix()
        raise ValueError(f"{path} is outside {self.root} and {self.errors_root}")

    def resolve(self, relative: str, *, rejected: bool) -> Path:
        """Return the absolute path of a journaled ``relative`` path.

        Entries of rejected files are relative to the error folder, all others
        to the archive. Raises ``ValueError`` when the path would leave its
        root (an absolute path or ``..``), as only an altered journal holds.
        """
        root = self.errors_root if rejected else self.root
        parts = PurePosixPath(relative).parts
        if not parts or relative.startswith("/") or ".." in parts:
            raise ValueError(f"archive path {relative!r} leaves {root}")
        return root.joinpath(*parts)

    def chain_heads_folder(self) -> Path:
        """Return the folder of the daily chain-head files."""
        return self.root / CHAIN_HEADS_FOLDER

    def _day_folder(self) -> Path:
        today = self._clock().astimezone(UTC)
        return Path(f"{today:%Y}", f"{today:%m}", f"{today:%d}")

    def _check_inside(self, path: Path) -> None:
        self.relative(path)


def _checked_sha256(data: bytes, sha256: str) -> str:
    actual = sha256_bytes(data)
    if actual != sha256.lower():
        raise ValueError(f"SHA-256 {sha256} does not match the data ({actual})")
    return actual
