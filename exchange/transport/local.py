"""A local or mounted folder as inbox and outbox."""

from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

from exchange.errors import TransportError
from exchange.transport.atomic import write_atomic
from exchange.transport.names import (
    READY_SUFFIX,
    check_target_name,
    ignored_names,
    is_package_name,
    processing_order,
    ready_marker_name,
)
from exchange.transport.settle import SettleTracker
from exchange.transport.source import IncomingFile, PollResult, wait_settled

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger(__name__)


class LocalInbox:
    """A folder that 1C writes exchange files into (local disk, SMB or NFS).

    A file is complete when its ``<name>.ready`` marker exists, when a rename
    hint named it (``mark_complete``), or when its size and mtime have stayed
    the same for ``settle_seconds`` (see ``SettleTracker``).
    """

    def __init__(
        self,
        folder: Path,
        *,
        settle_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder = folder
        self.settle_seconds = settle_seconds
        self._clock = clock
        self._tracker = SettleTracker(settle_seconds, clock=clock, trust_mtime=True)

    def poll(self) -> PollResult:
        """List the folder; raise ``TransportError`` when it is unreachable."""
        files = self._list_files()
        marker_names = {
            name.lower() for name in files if name.lower().endswith(READY_SUFFIX)
        }

        ready: list[IncomingFile] = []
        waiting: list[str] = []
        for name, status in files.items():
            if not is_package_name(name):
                continue
            has_marker = ready_marker_name(name).lower() in marker_names
            settled = self._tracker.observe(name, status.st_size, status.st_mtime)
            if has_marker or settled:
                item = IncomingFile(
                    name=name,
                    size=status.st_size,
                    mtime=status.st_mtime,
                    location=str(self.folder / name),
                )
                ready.append(item)
            else:
                waiting.append(name)

        self._tracker.keep_only(files)
        ready.sort(key=processing_order)
        waiting.sort()
        return PollResult(ready=ready, waiting=waiting, ignored=ignored_names(files))

    def wait_settled(self, max_seconds: float | None = None) -> PollResult:
        """Poll until nothing is still being written, at most ``max_seconds``.

        The default wait is the settle time, as ``exchange run --once`` needs.
        """
        limit = self.settle_seconds if max_seconds is None else max_seconds
        interval = max(0.05, min(0.5, self.settle_seconds / 5))
        return wait_settled(self, limit, interval=interval)

    def mark_complete(self, name: str) -> None:
        """Take ``name`` at the next poll: a writer renamed it into place."""
        self._tracker.mark_complete(name)

    def read(self, item: IncomingFile) -> bytes:
        """Return the file's bytes; raise ``TransportError`` if it changed."""
        path = Path(item.location)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TransportError(f"Could not read {path}: {exc}") from exc

        if len(data) != item.size:
            self._tracker.forget(item.name)
            raise TransportError(
                f"{path} changed while it was being taken ({item.size} bytes "
                f"when found complete, {len(data)} bytes now); it is taken "
                "again once it stops changing."
            )
        return data

    def finish(self, item: IncomingFile, *, accepted: bool) -> None:
        """Remove the file and its marker; call only after archiving the file."""
        path = Path(item.location)
        marker = path.with_name(ready_marker_name(path.name))
        try:
            path.unlink(missing_ok=True)
            marker.unlink(missing_ok=True)
        except OSError as exc:
            raise TransportError(
                f"Could not remove {path} from the inbox: {exc}"
            ) from exc
        self._tracker.forget(item.name)
        logger.debug(
            "Removed %s from the inbox (%s)",
            path,
            "accepted" if accepted else "rejected",
        )

    def _list_files(self) -> dict[str, os.stat_result]:
        """Return regular files by name; a missing folder is an error, not empty."""
        files: dict[str, os.stat_result] = {}
        try:
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    try:
                        status = entry.stat()
                    except FileNotFoundError:
                        continue  # removed between the listing and the stat
                    if stat.S_ISREG(status.st_mode):
                        files[entry.name] = status
        except OSError as exc:
            raise TransportError(
                f"Inbox folder {self.folder} is unreachable: {exc}. Check that "
                "the folder exists, the share is mounted and the service may "
                "read it."
            ) from exc
        return files


class LocalOutbox:
    """A folder that the service writes files into for 1C, atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write(self, name: str, data: bytes) -> None:
        """Write ``data`` as ``name``; same bytes again is a no-op."""
        check_target_name(name)
        if not self.folder.is_dir():
            raise TransportError(
                f"Outbox folder {self.folder} is unreachable or not a folder; "
                "check that it exists and the share is mounted."
            )
        write_atomic(self.folder / name, data)
        logger.info("Wrote %s (%d bytes) to %s", name, len(data), self.folder)
