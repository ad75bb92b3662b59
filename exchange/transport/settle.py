"""The settle rule: a file is complete once its size and mtime stop changing."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


@dataclass
class _Observation:
    size: int
    mtime: float
    unchanged_since: float


class SettleTracker:
    """Remembers the size and mtime of each file between polls.

    A file counts as settled when its size and mtime were the same at every
    poll for ``settle_seconds``. With ``trust_mtime``, a non-empty file whose
    mtime is already ``settle_seconds`` old when first seen counts as settled
    at once, so a run after a quiet period takes everything. A zero-byte file
    is always watched for the whole settle time, because writers often create
    the file long before they write to it. ``mark_complete`` declares a file
    complete regardless (a writer renamed it into place).
    """

    def __init__(
        self,
        settle_seconds: float,
        *,
        clock: Callable[[], float],
        trust_mtime: bool,
    ) -> None:
        if settle_seconds < 0:
            raise ValueError(f"settle_seconds must be >= 0, got {settle_seconds}")
        self.settle_seconds = settle_seconds
        self._clock = clock
        self._trust_mtime = trust_mtime
        self._seen: dict[str, _Observation] = {}
        self._complete: set[str] = set()
        # mark_complete is called from the watcher's thread.
        self._lock = threading.Lock()

    def observe(self, name: str, size: int, mtime: float) -> bool:
        """Record one poll's size and mtime of ``name``; return whether settled."""
        with self._lock:
            return self._observe(name, size, mtime)

    def _observe(self, name: str, size: int, mtime: float) -> bool:
        now = self._clock()
        previous = self._seen.get(name)
        if previous is None or (previous.size, previous.mtime) != (size, mtime):
            self._seen[name] = _Observation(size, mtime, unchanged_since=now)
            if previous is not None:
                # The writer is still at work: a rename hint is stale now.
                self._complete.discard(name)
        if name in self._complete:
            return True

        observation = self._seen[name]
        if now - observation.unchanged_since >= self.settle_seconds:
            return True
        old_enough = now - mtime >= self.settle_seconds
        return self._trust_mtime and size > 0 and old_enough

    def mark_complete(self, name: str) -> None:
        """Declare ``name`` complete without waiting for the settle time."""
        with self._lock:
            self._complete.add(name)

    def forget(self, name: str) -> None:
        """Drop what is known about ``name`` (it was taken or removed)."""
        with self._lock:
            self._seen.pop(name, None)
            self._complete.discard(name)

    def keep_only(self, present: Iterable[str]) -> None:
        """Forget every file that is not in ``present`` (it disappeared)."""
        keep = set(present)
        for name in list(self._seen):
            if name not in keep:
                self.forget(name)
