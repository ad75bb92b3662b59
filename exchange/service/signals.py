"""SIGTERM and SIGINT as a stop request for the daemon's loop."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)


class SecondSignal(BaseException):
    """A second stop signal arrived while the first stop was in progress."""


@contextmanager
def stop_on_signals(
    stop: threading.Event, on_stop: Callable[[], None]
) -> Iterator[None]:
    """Set ``stop`` and call ``on_stop`` on the first SIGTERM or SIGINT.

    The first signal lets the current file finish. A second one raises
    ``SecondSignal`` in the main thread, which abandons the work in progress;
    that is safe because every step is committed before the next starts, and
    unfinished files stay in the inbox. Handlers are restored on exit. Must be
    entered from the main thread, as ``signal.signal`` requires.
    """
    names = ["SIGTERM", "SIGINT"]
    if hasattr(signal, "SIGBREAK"):
        # Ctrl+Break in a Windows console, and what some service wrappers send.
        names.append("SIGBREAK")

    def handle(number: int, frame: FrameType | None) -> None:
        del frame
        name = signal.Signals(number).name
        if stop.is_set():
            log.warning("%s received again; stopping at once", name)
            raise SecondSignal(name)
        log.info(
            "%s received; finishing the current file or chunk of pending orders, "
            "then stopping",
            name,
        )
        stop.set()
        on_stop()

    previous: dict[int, Any] = {}
    for name in names:
        number = getattr(signal, name)
        previous[number] = signal.signal(number, handle)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
