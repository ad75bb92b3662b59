"""Hints from a watched local inbox: they wake the daemon's loop early.

The watcher only shortens the wait for the next inbox scan; the scans stay
the source of truth. A watcher that cannot start (a folder that is not
there yet, too many watches) is tried again every
``WATCHER_RETRY_SECONDS`` while the loop scans on its timer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from exchange.config import Settings
from exchange.logs import escape_control
from exchange.transport import InboxWatcher

log = logging.getLogger(__name__)

WATCHER_RETRY_SECONDS = 60.0


class InboxHints:
    """Watch a local inbox and wake the loop when a file may have arrived.

    ``mark_complete`` takes the name of a file that was renamed into the
    inbox, which the native observer reports as complete at once. An SFTP
    inbox gives no hints: it is only listed on its timer.
    """

    def __init__(
        self,
        settings: Settings,
        wake: threading.Event,
        mark_complete: Callable[[str], None],
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.wake = wake
        self.mark_complete = mark_complete
        self.clock = clock
        self._hinted = threading.Event()
        self._watcher: InboxWatcher | None = None
        self._retry_at = 0.0

    def take(self) -> bool:
        """Tell whether a hint came since the last call, and forget it."""
        if not self._hinted.is_set():
            return False
        self._hinted.clear()
        return True

    def start(self) -> None:
        """Start watching a local inbox; an SFTP inbox is not watched."""
        if self.settings.inbox.source != "local":
            return
        inbox = self.settings.inbox
        watcher = InboxWatcher(
            self.settings.paths.inbox,
            mode=inbox.observer,
            poll_interval=min(inbox.rescan_seconds, max(inbox.settle_seconds, 1.0)),
            on_hint=self._on_hint,
        )
        try:
            watcher.start()
        except OSError as exc:
            log.error(
                "watching %s failed: %s; scanning every %.0f s until it can be watched",
                self.settings.paths.inbox,
                exc,
                inbox.rescan_seconds,
            )
            self._retry_at = self.clock() + WATCHER_RETRY_SECONDS
            return
        self._watcher = watcher

    def supervise(self, now: float) -> None:
        """Start the watcher again if it could not be started before."""
        if self.settings.inbox.source != "local" or self._watcher is not None:
            return
        if now >= self._retry_at:
            self.start()

    def stop(self) -> None:
        """Stop the watcher and wait for its threads."""
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def _on_hint(self, path: Path, *, renamed: bool) -> None:
        # Runs in the observer's thread: record the hint and wake the loop.
        if renamed and self.settings.inbox.observer == "native":
            self.mark_complete(path.name)
        log.debug("inbox hint: %s", escape_control(path.name))
        self._hinted.set()
        self.wake.set()
