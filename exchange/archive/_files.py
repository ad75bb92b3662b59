"""Writing archive files once, atomically, and hashing them.

The archive must never replace a stored file with other bytes, so its writes
are no-clobber. The data goes to a temporary name in the target folder and is
fsynced. It is then hard-linked onto the final name, which fails when the name
exists. ``os.replace`` would silently overwrite, so this module does not use
it.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import secrets
from typing import TYPE_CHECKING

from exchange.errors import ArchiveError

if TYPE_CHECKING:
    from pathlib import Path

log = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"
"""Prefix of the temporary names that writes use; never a stored file."""

_CHUNK = 1024 * 1024

# errno values of file systems that do not support hard links.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})


def sha256_bytes(data: bytes) -> str:
    """Return the SHA-256 of ``data`` as 64 lower-case hex digits."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Return the SHA-256 of a file's content, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_once(path: Path, data: bytes, sha256: str | None = None) -> bool:
    """Write ``data`` to ``path`` atomically unless the same bytes are there.

    ``sha256`` is the data's hash when the caller has computed it already.
    Returns True when the file was written and False when ``path`` already
    held exactly ``data``. Raises ``ArchiveError`` when ``path`` exists with
    other bytes, which are then left untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    expected = sha256 or sha256_bytes(data)
    if path.exists():
        _check_same(path, expected)
        return False

    temporary = path.with_name(f"{TEMP_PREFIX}{secrets.token_hex(8)}-{path.name}")
    try:
        with temporary.open("xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            _link_or_rename(temporary, path)
        except FileExistsError:
            # Another writer stored the same name between the check and now.
            _check_same(path, expected)
            return False
    finally:
        temporary.unlink(missing_ok=True)

    fsync_folder(path.parent)
    return True


def link_once(source: Path, path: Path, sha256: str) -> bool:
    """Hard-link the archived file ``source`` as ``path``, without copying bytes.

    Returns True when ``path`` now has the bytes, linked or already there.
    Returns False, and leaves ``path`` alone, when the file system has no hard
    links or ``source`` is gone, so the caller writes a copy instead. Raises
    ``ArchiveError`` when ``path`` exists with other bytes than ``sha256``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, path)
    except FileExistsError:
        _check_same(path, sha256)
        return True
    except OSError as exc:
        if exc.errno in _NO_HARD_LINKS or exc.errno in {errno.ENOENT, errno.EXDEV}:
            return False
        raise
    fsync_folder(path.parent)
    return True


def append_line(path: Path, line: str) -> None:
    """Append one line to a text file and fsync it, creating the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    with path.open("a", encoding="utf-8", newline="\n") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())
    if created:
        fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk so that a rename survives a crash.

    Windows cannot open a folder for fsync, so there it is skipped.
    """
    if os.name == "nt":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _link_or_rename(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        # NOTE: without hard links (some SMB and FAT mounts) a writer that
        # creates ``target`` between this check and the rename is overwritten.
        if target.exists():
            raise FileExistsError(target) from exc
        source.rename(target)


def _check_same(path: Path, expected_sha256: str) -> None:
    found = sha256_file(path)
    if found != expected_sha256:
        log.error("refusing to overwrite archived file %s with other bytes", path)
        raise ArchiveError(
            f"the archive already contains {path} with other content (SHA-256 "
            f"{found}, new {expected_sha256}); it is never overwritten, so check "
            "which copy is genuine"
        )
