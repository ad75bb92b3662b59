"""Atomic local writes: readers see the whole file under its name or nothing."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import time
from typing import TYPE_CHECKING

from exchange.errors import TransportError
from exchange.transport.names import temporary_name

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

# On Windows and SMB, a target held open by another process makes the
# replace fail with PermissionError until that process closes it.
REPLACE_ATTEMPTS = 5
REPLACE_FIRST_DELAY = 0.2


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Does nothing when ``path`` already contains the same bytes (SHA-256), and
    raises ``TransportError`` when it contains other bytes, so a delivered file
    is never overwritten. On any error the temporary file is removed.
    """
    if _same_file_exists(path, data):
        logger.debug("%s already contains the same bytes; nothing to write", path)
        return

    temporary = path.with_name(temporary_name(path.name))
    try:
        _write_synced(temporary, data)
        _replace_with_retry(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _same_file_exists(path: Path, data: bytes) -> bool:
    try:
        existing = path.read_bytes()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise TransportError(f"Could not read existing file {path}: {exc}") from exc

    if hashlib.sha256(existing).digest() == hashlib.sha256(data).digest():
        return True
    raise TransportError(
        f"Could not write {path}: a different file with this name already "
        f"exists (SHA-256 {hashlib.sha256(existing).hexdigest()}, new content "
        f"{hashlib.sha256(data).hexdigest()}). Move the existing file away "
        "if it is stale; it is never overwritten."
    )


def _write_synced(temporary: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(temporary, flags, 0o644)
    except OSError as exc:
        raise _write_error(temporary, exc) from exc

    try:
        view = memoryview(data)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
        os.fsync(descriptor)
    except OSError as exc:
        os.close(descriptor)
        raise _write_error(temporary, exc) from exc

    try:
        # NFS and SMB may report a failed write only when the file is closed.
        os.close(descriptor)
    except OSError as exc:
        raise _write_error(temporary, exc) from exc


def _write_error(temporary: Path, exc: OSError) -> TransportError:
    if exc.errno == errno.ENOSPC:
        return TransportError(
            f"No space left on the device while writing {temporary}; the "
            "temporary file was removed. Free some space and run again."
        )
    return TransportError(
        f"Could not write {temporary}: {exc}; the temporary file was removed."
    )


def _replace_with_retry(temporary: Path, path: Path) -> None:
    delay = REPLACE_FIRST_DELAY
    for attempt in range(1, REPLACE_ATTEMPTS + 1):
        try:
            temporary.replace(path)
        except PermissionError as exc:
            if attempt == REPLACE_ATTEMPTS:
                raise TransportError(
                    f"Could not rename {temporary.name} to {path} after "
                    f"{attempt} attempts: {exc}. Another program may hold "
                    f"{path.name} open; close it and run again."
                ) from exc
            logger.warning(
                "Renaming %s to %s failed (%s); attempt %d of %d, retrying in %.1fs",
                temporary.name,
                path,
                exc,
                attempt,
                REPLACE_ATTEMPTS,
                delay,
            )
            time.sleep(delay)
            delay *= 2
        except OSError as exc:
            raise TransportError(
                f"Could not rename {temporary.name} to {path}: {exc}"
            ) from exc
        else:
            return


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; Windows cannot open a folder for fsync."""
    if os.name == "nt":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise TransportError(f"Could not open folder {folder} to sync: {exc}") from exc
    try:
        os.fsync(descriptor)
    except OSError as exc:
        # Some network file systems do not implement fsync on a folder.
        if exc.errno not in {errno.EINVAL, errno.ENOTSUP, errno.EBADF}:
            raise TransportError(f"Could not sync folder {folder}: {exc}") from exc
        logger.debug("Folder %s does not support fsync: %s", folder, exc)
    finally:
        os.close(descriptor)
