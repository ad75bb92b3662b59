"""File-system events as hints to poll an inbox sooner.

Events are never the source of truth: files that arrive while the service is
down produce none, network shares produce none for remote writers, and a
burst can overflow the kernel queue. The daemon rescans on a timer anyway;
the watcher only wakes it early.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_EVENTS_LOST,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    DirMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
    FileSystemMovedEvent,
)
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from exchange.transport.names import READY_SUFFIX, is_package_name

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

logger = logging.getLogger(__name__)

WatchMode = Literal["native", "polling"]

# Event types that may mean a file appeared or grew; deletions never do.
_HINT_EVENTS = {
    EVENT_TYPE_CREATED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_MOVED,
}


class HintCallback(Protocol):
    """Called from the observer thread; must be quick and thread-safe."""

    def __call__(self, path: Path, *, renamed: bool) -> None: ...


class _HintHandler(FileSystemEventHandler):
    def __init__(self, folder: Path, on_hint: HintCallback) -> None:
        self._folder = folder
        self._on_hint = on_hint

    def on_any_event(self, event: FileSystemEvent) -> None:
        # An exception here would end the observer thread silently.
        try:
            self._dispatch(event)
        except Exception:
            logger.exception("Inbox hint handler failed on %s", event)

    def _dispatch(self, event: FileSystemEvent) -> None:
        if event.event_type == EVENT_TYPE_EVENTS_LOST:
            # The kernel queue overflowed: only a full scan can tell what came.
            self._on_hint(self._folder, renamed=False)
            return
        if event.is_directory or event.event_type not in _HINT_EVENTS:
            return
        if isinstance(event, FileSystemMovedEvent) and not isinstance(
            event, DirMovedEvent
        ):
            path = Path(_as_text(event.dest_path))
            renamed = path.parent == self._folder and is_package_name(path.name)
        else:
            path = Path(_as_text(event.src_path))
            renamed = False
        if is_package_name(path.name) or path.name.lower().endswith(READY_SUFFIX):
            self._on_hint(path, renamed=renamed)


def _as_text(path: str | bytes) -> str:
    return path.decode(errors="surrogateescape") if isinstance(path, bytes) else path


class InboxWatcher:
    """Watches one inbox folder and calls ``on_hint`` when a file may be ready.

    ``mode="native"`` uses the operating system's notifications (inotify and
    the like), which see local writes only. ``mode="polling"`` compares
    folder listings every ``poll_interval`` seconds and also works on SMB/CIFS
    and NFS shares. A supervisor thread restarts an observer whose thread
    died, checking every ``supervise_interval`` seconds.
    """

    def __init__(
        self,
        folder: Path,
        *,
        mode: WatchMode,
        poll_interval: float,
        on_hint: HintCallback,
        supervise_interval: float = 5.0,
    ) -> None:
        if mode not in ("native", "polling"):
            raise ValueError(f"watch mode must be 'native' or 'polling', not {mode!r}")
        self.folder = folder
        self.mode = mode
        self.poll_interval = poll_interval
        self.restarts = 0
        # Events carry paths under the scheduled path, so both use one form.
        self._watched_path = folder.resolve()
        self._handler = _HintHandler(self._watched_path, on_hint)
        self._supervise_interval = supervise_interval
        self._observer: BaseObserver | None = None
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    def start(self) -> None:
        """Start watching; raise ``OSError`` if the folder cannot be watched."""
        self._stopping.clear()
        self._observer = self._start_observer()
        self._supervisor = threading.Thread(
            target=self._supervise, name="inbox-watcher-supervisor", daemon=True
        )
        self._supervisor.start()
        logger.info("Watching %s (%s observer)", self.folder, self.mode)

    def stop(self) -> None:
        """Stop the observer and its supervisor and wait for their threads."""
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join()
            self._supervisor = None
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
            self._observer = None
        logger.info("Stopped watching %s", self.folder)

    def is_alive(self) -> bool:
        """Return whether the observer thread is running."""
        return self._observer is not None and self._observer.is_alive()

    def _start_observer(self) -> BaseObserver:
        observer: BaseObserver
        if self.mode == "polling":
            observer = PollingObserver(timeout=self.poll_interval)
        else:
            observer = Observer()
        observer.schedule(self._handler, str(self._watched_path), recursive=False)
        observer.start()
        return observer

    def _supervise(self) -> None:
        delay = self._supervise_interval
        while not self._stopping.wait(delay):
            if self.is_alive():
                delay = self._supervise_interval
                continue
            logger.error("Observer of %s died; restarting it", self.folder)
            try:
                if self._observer is not None:
                    self._observer.stop()
                self._observer = self._start_observer()
            except OSError as exc:
                # The folder may be gone for a while (a share dropped out).
                delay = min(delay * 2, 60.0)
                logger.warning(
                    "Could not restart the observer of %s: %s; retrying in %.0fs",
                    self.folder,
                    exc,
                    delay,
                )
            else:
                self.restarts += 1
                delay = self._supervise_interval
                logger.info("Observer of %s restarted", self.folder)
