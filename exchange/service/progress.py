"""A progress bar over the inbox backlog, for runs in a terminal.

The bar counts bytes of the files taken from the inbox since the backlog
was last empty, and names the file in progress. It is drawn on standard
error only when that is a terminal, so services and redirected runs log
plain lines. While the bar is shown, log lines are printed above it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from exchange.logs import escape_control
from exchange.transport.source import IncomingFile

# A backlog smaller than this is processed too fast for a bar to help.
MIN_BACKLOG_BYTES = 1024 * 1024
MIN_BACKLOG_FILES = 20


class BacklogProgress:
    """Shows how much of the inbox backlog has been processed."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(file=sys.stderr)
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._done_bytes = 0
        self._swapped: list[tuple[logging.StreamHandler[Any], Any]] = []

    @staticmethod
    def wanted() -> bool:
        """Tell whether standard error is a terminal that can show a bar."""
        return sys.stderr.isatty()

    def plan(self, ready: Sequence[IncomingFile]) -> None:
        """Take the complete files of a poll as the backlog still to do."""
        remaining = sum(item.size for item in ready)
        if not ready:
            self.close()
            return
        if self._progress is None:
            if remaining < MIN_BACKLOG_BYTES and len(ready) < MIN_BACKLOG_FILES:
                return
            self._open()
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=self._done_bytes + remaining)

    def start(self, item: IncomingFile) -> None:
        """Name ``item`` as the file in progress."""
        if self._progress is not None and self._task is not None:
            name = escape_control(item.name)
            self._progress.update(self._task, description=name)

    def finish(self, item: IncomingFile) -> None:
        """Count ``item`` as done."""
        self._done_bytes += item.size
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=self._done_bytes)

    def close(self) -> None:
        """Remove the bar and give the log handlers their stream back."""
        if self._progress is not None:
            self._progress.stop()
            for handler, stream in self._swapped:
                handler.setStream(stream)
            self._swapped.clear()
        self._progress = None
        self._task = None
        self._done_bytes = 0

    def _open(self) -> None:
        progress = Progress(
            TextColumn("[bold]inbox[/bold] {task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
            redirect_stderr=True,
        )
        progress.start()
        self._task = progress.add_task("", total=None)
        self._progress = progress
        # Progress replaced sys.stderr with a proxy that prints above the bar;
        # handlers made before hold the real stream, so point them at it.
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (
                sys.__stderr__,
                self._console.file,
            ):
                previous = handler.setStream(sys.stderr)
                if previous is not None:
                    self._swapped.append((handler, previous))
