"""An SFTP folder as inbox: claim complete files, download them, finish them.

The outbox side (atomic upload) is in ``sftp_outbox``.
"""

from __future__ import annotations

import errno
import functools
import io
import logging
import posixpath
import re
import socket
import time
from typing import TYPE_CHECKING

from exchange.archive.names import utf8_name
from exchange.errors import TransportError
from exchange.transport.names import (
    READY_SUFFIX,
    ignored_names,
    is_package_name,
    processing_order,
    ready_marker_name,
)
from exchange.transport.settle import SettleTracker
from exchange.transport.sftp_connection import SftpConnection, SftpSettings
from exchange.transport.sftp_listing import remote_exists
from exchange.transport.source import IncomingFile, PollResult, wait_settled

if TYPE_CHECKING:
    from collections.abc import Callable

    from exchange.transport.sftp_listing import ByteNameSFTPClient, RemoteEntry

logger = logging.getLogger(__name__)


class SftpInbox:
    """The remote inbox: files are claimed by renaming them into ``processing``.

    A file is complete when its ``.ready`` marker exists or when its size and
    mtime stayed the same between polls for ``settle_seconds`` (the server's
    clock is not trusted, so an old mtime alone is not enough). Because the
    claim is an SFTP rename, which fails when the file is gone, two instances
    never both take a file. Each instance claims into its own subfolder
    ``processing/<instance_id>`` (the host name by default), so files found
    there at the first poll were claimed by this instance before a crash and
    are offered again, while another instance's claims are left alone.
    """

    def __init__(
        self,
        settings: SftpSettings,
        *,
        settle_seconds: float = 5.0,
        connection: SftpConnection | None = None,
        clock: Callable[[], float] = time.monotonic,
        instance_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.processing = posixpath.join(
            settings.processing, _folder_name(instance_id or socket.gethostname())
        )
        self.settle_seconds = settle_seconds
        self.connection = connection or SftpConnection(settings)
        self._tracker = SettleTracker(settle_seconds, clock=clock, trust_mtime=False)
        self._claimed: dict[str, IncomingFile] = {}
        self._resumed = False
        self._reported_names: set[bytes] = set()

    def poll(self) -> PollResult:
        """Claim the complete files and return every claimed file not finished."""
        if not self._resumed:
            self.connection.run(self._prepare_folders, description="folder check")
            for item in self.connection.run(
                self._list_processing, description="listing"
            ):
                logger.warning("Resuming %s left in processing", item.location)
                self._claimed[item.name] = item
            self._resumed = True

        entries = self.connection.run(
            lambda sftp: _list(sftp, self.settings.inbox), description="inbox listing"
        )
        waiting, ignored = self._claim_complete(entries)
        ready = sorted(self._claimed.values(), key=processing_order)
        return PollResult(ready=ready, waiting=sorted(waiting), ignored=ignored)

    def wait_settled(self, max_seconds: float | None = None) -> PollResult:
        """Poll until nothing is still being written, at most ``max_seconds``."""
        limit = self.settle_seconds if max_seconds is None else max_seconds
        interval = max(0.1, min(1.0, self.settle_seconds / 5))
        return wait_settled(self, limit, interval=interval)

    def read(self, item: IncomingFile) -> bytes:
        """Download a claimed file and check its size against the server's stat."""
        return self.connection.run(
            lambda sftp: _download(sftp, item), description="download"
        )

    def finish(self, item: IncomingFile, *, accepted: bool) -> None:
        """Move the file to ``done`` (or delete it) or to ``errors``."""
        folder = self.settings.done if accepted else self.settings.errors
        delete = accepted and self.settings.delete_done

        def move(sftp: ByteNameSFTPClient) -> None:
            if delete:
                _remove_if_present(sftp, item.location)
            else:
                _move_without_overwrite(sftp, item.location, folder, item.name)
            marker = posixpath.join(self.settings.inbox, ready_marker_name(item.name))
            _remove_if_present(sftp, marker)

        self.connection.run(move, description="finish")
        self._claimed.pop(item.name, None)
        self._tracker.forget(item.name)
        logger.info(
            "%s %s on %s",
            "Deleted" if delete else f"Moved to {folder}:",
            item.name,
            self.settings.address,
        )

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def _claim_complete(
        self, entries: list[RemoteEntry]
    ) -> tuple[list[str], list[str]]:
        """Claim the complete files; return the names waiting and those ignored.

        A file whose name is not UTF-8 is claimed under its name with those
        bytes as ``%XX`` (``utf8_name``), which every later step uses.
        """
        names = {}
        raw_names: dict[str, bytes] = {}
        for entry in entries:
            name = entry.name
            if name is None:
                safe = utf8_name(entry.raw_name.decode("utf-8", "surrogateescape"))
                if entry.is_file and is_package_name(safe) and safe not in names:
                    names[safe] = entry
                    raw_names[safe] = entry.raw_name
                else:
                    self._report_undecodable(entry)
            elif entry.is_file:
                names[name] = entry
        markers = {
            name.lower() for name in names if name.lower().endswith(READY_SUFFIX)
        }

        waiting = []
        for name, entry in names.items():
            if not is_package_name(name) or name in self._claimed:
                continue
            size = entry.attributes.st_size or 0
            mtime = float(entry.attributes.st_mtime or 0)
            settled = self._tracker.observe(name, size, mtime)
            if ready_marker_name(name).lower() in markers or settled:
                claim = functools.partial(
                    self._claim, name=name, raw_name=raw_names.get(name)
                )
                self.connection.run(claim, description="claim")
            else:
                waiting.append(name)
        self._tracker.keep_only(names)
        return waiting, ignored_names(names, claimed=self._claimed)

    def _claim(
        self, sftp: ByteNameSFTPClient, name: str, raw_name: bytes | None = None
    ) -> None:
        # paramiko takes a path as bytes as it is, which is the only way to
        # name a file whose name is not UTF-8.
        source: str | bytes = posixpath.join(self.settings.inbox, name)
        if raw_name is not None:
            source = posixpath.join(self.settings.inbox.encode(), raw_name)
            logger.info(
                "Claiming '%s' under the name %s: its name is not valid UTF-8",
                raw_name.decode("utf-8", errors="backslashreplace"),
                name,
            )
        target = posixpath.join(self.processing, name)
        try:
            # Plain SFTP rename (not posix_rename) fails when the target
            # exists, so a claim never replaces a file another instance holds.
            sftp.rename(source, target)
        except TimeoutError:
            raise  # the connection is broken, not the claim
        except OSError as exc:
            if not remote_exists(sftp, source) and remote_exists(sftp, target):
                # An earlier attempt renamed it before its reply was lost;
                # the target folder belongs to this instance alone.
                logger.info("%s was already claimed by this instance", source)
            elif remote_exists(sftp, source):
                logger.warning(
                    "Could not claim %s on %s: %s; %s may already exist",
                    source,
                    self.settings.address,
                    exc,
                    target,
                )
                return
            else:
                logger.info("%s was taken by another instance", source)
                return

        attributes = sftp.stat(target)
        self._claimed[name] = IncomingFile(
            name=name,
            size=attributes.st_size or 0,
            mtime=float(attributes.st_mtime or 0),
            location=target,
        )
        logger.info("Claimed %s on %s", source, self.settings.address)

    def _prepare_folders(self, sftp: ByteNameSFTPClient) -> None:
        settings = self.settings
        _require_folder(sftp, settings.inbox, settings.address)
        folders = [settings.processing, self.processing, settings.errors]
        if not settings.delete_done:
            folders.append(settings.done)
        for folder in folders:
            if not remote_exists(sftp, folder):
                sftp.mkdir(folder)
                logger.info("Created folder %s on %s", folder, settings.address)

    def _list_processing(self, sftp: ByteNameSFTPClient) -> list[IncomingFile]:
        items = []
        for entry in _list(sftp, self.processing):
            name = entry.name
            if name is None:
                self._report_undecodable(entry)
                continue
            if entry.is_file and is_package_name(name):
                items.append(
                    IncomingFile(
                        name=name,
                        size=entry.attributes.st_size or 0,
                        mtime=float(entry.attributes.st_mtime or 0),
                        location=posixpath.join(self.processing, name),
                    )
                )
        return items

    def _report_undecodable(self, entry: RemoteEntry) -> None:
        if entry.raw_name in self._reported_names:
            return
        self._reported_names.add(entry.raw_name)
        logger.warning(
            "Skipped '%s' in the SFTP inbox on %s: the name is not valid UTF-8, "
            "and the entry is not an exchange file (*.json) to take under its "
            "name with those bytes as %%XX",
            entry.display_name,
            self.settings.address,
        )


def _folder_name(instance_id: str) -> str:
    """Return ``instance_id`` reduced to characters safe in a remote path."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", instance_id).strip(".")
    return name or "instance"


def _list(sftp: ByteNameSFTPClient, folder: str) -> list[RemoteEntry]:
    try:
        return sftp.list_entries(folder)
    except OSError as exc:
        if exc.errno is None:
            raise  # not an SFTP status: let the connection retry
        raise TransportError(
            f"Could not list the SFTP folder {folder}: {exc}. Check that it exists "
            "and that the account may read it."
        ) from exc


def _require_folder(sftp: ByteNameSFTPClient, folder: str, address: str) -> None:
    try:
        sftp.stat(folder)
    except OSError as exc:
        if exc.errno is None:
            raise
        raise TransportError(
            f"The SFTP inbox folder {folder} on {address} is unreachable: {exc}. "
            "Check the inbox setting and the account's permissions."
        ) from exc


def _download(sftp: ByteNameSFTPClient, item: IncomingFile) -> bytes:
    try:
        expected = sftp.stat(item.location).st_size
        buffer = io.BytesIO()
        sftp.getfo(item.location, buffer)
    except OSError as exc:
        if exc.errno is None:
            raise
        raise TransportError(f"Could not download {item.location}: {exc}") from exc

    data = buffer.getvalue()
    if len(data) != expected:
        raise TransportError(
            f"Download of {item.location} is incomplete: {len(data)} of "
            f"{expected} bytes; it is downloaded again on the next poll."
        )
    return data


def _move_without_overwrite(
    sftp: ByteNameSFTPClient, source: str, folder: str, name: str
) -> None:
    target = posixpath.join(folder, name)
    if remote_exists(sftp, target):
        stem, dot, suffix = name.rpartition(".")
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = posixpath.join(folder, f"{stem}.{stamp}{dot}{suffix}")
    if posixpath.normpath(target) == posixpath.normpath(source):
        # One Windows OpenSSH release deleted a file renamed onto itself.
        raise TransportError(f"refusing to move {source} onto itself")
    try:
        sftp.rename(source, target)
    except OSError as exc:
        if exc.errno is None:
            raise
        raise TransportError(f"Could not move {source} to {target}: {exc}") from exc


def _remove_if_present(sftp: ByteNameSFTPClient, path: str) -> None:
    try:
        sftp.remove(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
