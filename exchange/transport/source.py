"""Interfaces of inboxes and outboxes, local or remote, as the pipeline uses them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class IncomingFile:
    """A complete file in an inbox, ready to be read."""

    name: str
    """File name as received, for logs and receipts."""
    size: int
    """Size in bytes when the file was found complete."""
    mtime: float
    """Modification time (seconds since the epoch) when found complete."""
    location: str
    """Local path or remote path; opaque to callers."""


@dataclass(frozen=True)
class PollResult:
    """Outcome of one poll: complete files and names still being written.

    ``ignored`` lists names left alone that look meant for the service
    (``names.ignored_names``), so that they can be logged.
    """

    ready: list[IncomingFile] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


class Source(Protocol):
    """An inbox that the pipeline polls for complete exchange files."""

    def poll(self) -> PollResult:
        """List the inbox and return the complete files in processing order."""
        ...

    def read(self, item: IncomingFile) -> bytes:
        """Return the whole content of a file returned by ``poll``."""
        ...

    def finish(self, item: IncomingFile, *, accepted: bool) -> None:
        """Remove a file from the inbox after the caller archived it."""
        ...


class Target(Protocol):
    """An outbox that receives whole files atomically."""

    def write(self, name: str, data: bytes) -> None:
        """Write ``data`` under ``name``; readers never see a partial file."""
        ...


def wait_settled(
    source: Source,
    max_seconds: float,
    *,
    interval: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> PollResult:
    """Poll until no file is still being written or ``max_seconds`` have passed.

    Returns the last poll, whose ``waiting`` names the files left for the next
    run. ``exchange run --once`` calls this with the settle time.
    """
    deadline = clock() + max_seconds
    result = source.poll()
    while result.waiting:
        remaining = deadline - clock()
        if remaining <= 0:
            break
        sleep(min(interval, remaining))
        result = source.poll()
    return result
