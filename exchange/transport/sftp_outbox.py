"""An SFTP folder as outbox: upload under a temporary name, then rename."""

from __future__ import annotations

import hashlib
import io
import logging
import posixpath
from typing import TYPE_CHECKING

from exchange.errors import TransportError
from exchange.transport.names import check_target_name, temporary_name
from exchange.transport.sftp_connection import SftpConnection, SftpSettings
from exchange.transport.sftp_leftovers import remove_leftovers
from exchange.transport.sftp_listing import remote_exists

if TYPE_CHECKING:
    from exchange.transport.sftp_listing import ByteNameSFTPClient

logger = logging.getLogger(__name__)


class SftpOutbox:
    """The remote outbox: uploads under a temporary name, then renames.

    After the first upload on each new connection, it removes the temporary
    files that earlier dropped uploads left behind (see ``sftp_leftovers``).
    """

    def __init__(
        self, settings: SftpSettings, *, connection: SftpConnection | None = None
    ) -> None:
        self.settings = settings
        self.connection = connection or SftpConnection(settings)
        # Value of ``connection.connects`` when leftovers were last removed.
        self._leftovers_removed_on = 0

    def write(self, name: str, data: bytes) -> None:
        """Upload ``data`` as ``name``; same bytes already there is a no-op."""
        check_target_name(name)
        self.connection.run(
            lambda sftp: self._upload(sftp, name, data), description="upload"
        )

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def _upload(self, sftp: ByteNameSFTPClient, name: str, data: bytes) -> None:
        final = posixpath.join(self.settings.outbox, name)
        # A retry after a lost connection lands here too: the earlier attempt
        # may have completed, so look before sending again.
        if _delivered(sftp, final, data, self.settings.address):
            logger.info("%s is already on %s", final, self.settings.address)
            return

        # When the connection drops mid-upload the temporary file cannot be
        # removed and stays behind under its hidden name, which 1C ignores,
        # until the first upload on a later connection removes it.
        temporary = posixpath.join(self.settings.outbox, temporary_name(name))
        if temporary == final:
            # One Windows OpenSSH release deleted a file renamed onto itself.
            raise TransportError(f"refusing to rename {final} onto itself")
        try:
            sftp.putfo(io.BytesIO(data), temporary, file_size=len(data), confirm=True)
            sftp.posix_rename(temporary, final)
        except BaseException:
            _remove_quietly(sftp, temporary)
            raise

        uploaded_at: float | None = None
        try:
            attributes = sftp.stat(final)
            size, uploaded_at = attributes.st_size, attributes.st_mtime
        except OSError as exc:
            logger.warning("Confirming %s failed (%s); checking by listing", final, exc)
            size = _size_from_listing(sftp, self.settings.outbox, name)
        if size != len(data):
            raise TransportError(
                f"Upload of {final} to {self.settings.address} was not confirmed: "
                f"the server reports {size} bytes, {len(data)} were sent."
            )
        logger.info(
            "Uploaded %s (%d bytes) to %s", final, len(data), self.settings.address
        )
        if uploaded_at is not None:
            self._remove_leftovers(sftp, float(uploaded_at))

    def _remove_leftovers(self, sftp: ByteNameSFTPClient, server_now: float) -> None:
        """Remove old temporary files once per connection.

        ``server_now`` is the modification time of the file just uploaded,
        which the server's clock set.
        """
        connection = self.connection.connects
        if connection == self._leftovers_removed_on:
            return
        folder, address = self.settings.outbox, self.settings.address
        try:
            remove_leftovers(sftp, folder, address, server_now=server_now)
        except OSError as exc:
            if exc.errno is None:
                raise  # not an SFTP status: the connection failed
            logger.warning(
                "Could not list %s on %s to remove leftover temporary files: %s",
                folder,
                address,
                exc,
            )
        self._leftovers_removed_on = connection


def _delivered(sftp: ByteNameSFTPClient, path: str, data: bytes, address: str) -> bool:
    if not remote_exists(sftp, path):
        return False
    buffer = io.BytesIO()
    sftp.getfo(path, buffer)
    existing = hashlib.sha256(buffer.getvalue()).hexdigest()
    if existing == hashlib.sha256(data).hexdigest():
        return True
    raise TransportError(
        f"Could not upload {path} to {address}: a different file with this name "
        f"is already there (SHA-256 {existing}, new content "
        f"{hashlib.sha256(data).hexdigest()}). It is never overwritten; move it "
        "away on the server if it is stale."
    )


def _size_from_listing(sftp: ByteNameSFTPClient, folder: str, name: str) -> int | None:
    for entry in sftp.list_entries(folder):
        if entry.name == name:
            return entry.attributes.st_size
    return None


def _remove_quietly(sftp: ByteNameSFTPClient, path: str) -> None:
    try:
        sftp.remove(path)
    except (OSError, EOFError) as exc:
        logger.debug("Could not remove the temporary file %s: %s", path, exc)
