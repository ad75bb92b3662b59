"""Removing the temporary files that dropped SFTP uploads left on the server.

An upload goes to ``temporary_name(name)`` and is renamed into place. When the
connection drops mid-upload, the temporary file cannot be removed and stays
under its hidden name. The outbox removes such files on a later connection,
but only names of exactly that pattern, and only old ones, so that an upload
another instance is running at the same moment is left alone.
"""

from __future__ import annotations

import errno
import logging
import posixpath
import re
from typing import TYPE_CHECKING

from exchange.transport.names import TEMPORARY_SUFFIX, check_target_name

if TYPE_CHECKING:
    from exchange.transport.sftp_listing import ByteNameSFTPClient

logger = logging.getLogger(__name__)

LEFTOVER_MIN_AGE_SECONDS = 600.0
"""Age from which a temporary file of ours counts as left behind.

Each write of an upload updates the file's modification time, and a stalled
upload fails after the operation timeout (60 s by default). So a temporary
file untouched for 10 minutes belongs to no live upload.
"""

# temporary_name in exchange/transport/names.py: ``.<name>.<token_hex(6)>.tmp``.
_OWN_TEMPORARY = re.compile(
    rf"\.(?P<name>.+)\.[0-9a-f]{{12}}{re.escape(TEMPORARY_SUFFIX)}", re.DOTALL
)


def is_own_temporary(name: str) -> bool:
    """Return whether ``name`` is a temporary name the outbox uploads under."""
    match = _OWN_TEMPORARY.fullmatch(name)
    if match is None:
        return False
    try:
        check_target_name(match["name"])
    except ValueError:
        return False
    return True


def remove_leftovers(
    sftp: ByteNameSFTPClient, folder: str, address: str, *, server_now: float
) -> list[str]:
    """Remove our temporary files in ``folder`` older than the minimum age.

    ``server_now`` is a time on the server's clock (a modification time it
    just set), so the ages do not depend on the two clocks agreeing. Returns
    the paths removed. A file that cannot be removed is logged and skipped.
    """
    removed = []
    for entry in sftp.list_entries(folder):
        name = entry.name
        modified = entry.attributes.st_mtime
        if name is None or not entry.is_file or modified is None:
            continue
        age = server_now - modified
        if not is_own_temporary(name) or age < LEFTOVER_MIN_AGE_SECONDS:
            continue
        path = posixpath.join(folder, name)
        if _remove(sftp, path, address):
            logger.info(
                "Removed %s on %s, left by an interrupted upload %d minutes ago",
                path,
                address,
                age // 60,
            )
            removed.append(path)
    return removed


def _remove(sftp: ByteNameSFTPClient, path: str, address: str) -> bool:
    try:
        sftp.remove(path)
    except OSError as exc:
        if exc.errno is None:
            raise  # not an SFTP status: the connection failed
        if exc.errno != errno.ENOENT:
            logger.warning(
                "Could not remove the leftover temporary file %s on %s: %s",
                path,
                address,
                exc,
            )
        return False
    return True
