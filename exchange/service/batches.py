"""The daemon's view of the inbox: complete files handed out in small batches.

``process_inbox`` works through every file one poll returns. Handing out a
few files per poll lets the daemon check for a stop request between
batches, so SIGTERM is honored within about one batch even with thousands
of files waiting.
"""

from __future__ import annotations

from functools import cached_property

from exchange.config import Settings
from exchange.service.progress import BacklogProgress
from exchange.service.runtime import Runtime
from exchange.transport import LocalInbox
from exchange.transport.source import IncomingFile, PollResult, Source

BATCH_SIZE = 10


class BatchedSource:
    """A source that returns at most ``batch_size`` complete files per poll."""

    def __init__(
        self,
        inner: Source,
        *,
        batch_size: int = BATCH_SIZE,
        progress: BacklogProgress | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.inner = inner
        self.batch_size = batch_size
        self.progress = progress
        self.more_ready = False
        """Whether the last poll left complete files for the next one."""
        self.waiting = False
        """Whether the last poll saw files still being written."""

    def poll(self) -> PollResult:
        """Poll the inner source and keep the first batch of complete files."""
        result = self.inner.poll()
        self.more_ready = len(result.ready) > self.batch_size
        self.waiting = bool(result.waiting)
        if self.progress is not None:
            self.progress.plan(result.ready)
        return PollResult(
            ready=result.ready[: self.batch_size],
            waiting=result.waiting,
            ignored=result.ignored,
        )

    def read(self, item: IncomingFile) -> bytes:
        """Return the bytes of ``item`` from the inner source."""
        if self.progress is not None:
            self.progress.start(item)
        return self.inner.read(item)

    def finish(self, item: IncomingFile, *, accepted: bool) -> None:
        """Remove ``item`` from the inner source."""
        self.inner.finish(item, accepted=accepted)
        if self.progress is not None:
            self.progress.finish(item)

    def mark_complete(self, name: str) -> None:
        """Pass a rename hint to a local inbox; other sources ignore it."""
        if isinstance(self.inner, LocalInbox):
            self.inner.mark_complete(name)


class DaemonRuntime(Runtime):
    """A ``Runtime`` whose ``source`` is a ``BatchedSource``."""

    def __init__(
        self, settings: Settings, *, progress: BacklogProgress | None = None
    ) -> None:
        self._progress = progress
        super().__init__(settings, lock=True)

    @cached_property
    def batched_source(self) -> BatchedSource:
        """The inbox in batches; the same object as ``source``."""
        source = self.source
        if not isinstance(source, BatchedSource):
            raise TypeError("DaemonRuntime.source must be a BatchedSource")
        return source

    @cached_property
    def source(self) -> Source:
        """The configured inbox, handed out in batches."""
        # Runtime.source opens the local or SFTP inbox and registers it for
        # close(); its cached value is then replaced by the wrapper.
        inner = super().source
        return BatchedSource(inner, progress=self._progress)
