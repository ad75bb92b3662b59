"""The backlog progress bar of interactive runs."""

from __future__ import annotations

import io

from rich.console import Console

from exchange.service.progress import BacklogProgress
from exchange.transport.source import IncomingFile


def incoming(index: int, size: int = 1000) -> IncomingFile:
    return IncomingFile(f"orders_TMS_{index}.json", size, 0.0, f"/in/{index}")


def test_progress_shown_for_large_backlog() -> None:
    """A backlog of 20 files or more shows a bar naming the file in progress."""
    output = io.StringIO()
    progress = BacklogProgress(Console(file=output, force_terminal=True, width=100))
    files = [incoming(index) for index in range(25)]

    progress.plan(files)
    progress.start(files[0])
    progress.finish(files[0])
    progress.close()

    assert "orders_TMS_0.json" in output.getvalue()


def test_progress_hidden_for_small_backlog() -> None:
    """Two small files draw nothing."""
    output = io.StringIO()
    progress = BacklogProgress(Console(file=output, force_terminal=True, width=100))
    files = [incoming(1), incoming(2)]

    progress.plan(files)
    progress.start(files[0])
    progress.finish(files[0])
    progress.close()

    assert output.getvalue() == ""
