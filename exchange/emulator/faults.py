"""Injected failures and request statistics of the emulator.

Faults form a queue. Each HTTP request to ``/rest/`` takes the first fault
whose method matches (a fault without a method matches any request), before
authorization is checked. A fault naming a method also matches commands of
that method inside a ``batch``, where an error fault becomes a
``result_error`` entry and a dropped connection is not simulated.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

logger = logging.getLogger(__name__)

# The statuses an outage may respond with: every 5xx that HTTPStatus names.
SERVER_ERROR_STATUSES = tuple(
    int(status) for status in HTTPStatus if 500 <= status < 600
)

_GATEWAY_PAGE = (
    "<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass
class Fault:
    """One injected failure and how many more requests it applies to.

    ``status`` None with a ``delay`` only slows the answer down. With a status
    the answer is ``{"error": error, "error_description": description}``, or
    an HTML gateway page when ``error`` is None and the status is 500 or more.
    ``remaining`` None applies the fault until it is cleared.
    """

    method: str | None
    status: int | None
    error: str | None
    description: str
    remaining: int | None
    delay: float = 0.0
    drop: bool = False

    def html_body(self) -> str | None:
        """Return the HTML page of a gateway error, or None for a JSON error."""
        if self.status is None or self.error is not None or self.status < 500:
            return None
        phrase = HTTPStatus(self.status).phrase
        return _GATEWAY_PAGE.format(status=self.status, phrase=phrase)

    def json_body(self) -> dict[str, str]:
        """Return the JSON error object of this fault."""
        return {"error": self.error or "", "error_description": self.description}


class FaultQueue:
    """Faults waiting to be applied, in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._outage: Fault | None = None

    def add(
        self,
        method: str | None = None,
        status: int | None = None,
        error: str | None = None,
        description: str | None = None,
        times: int | None = 1,
        delay: float = 0.0,
        drop: bool = False,
    ) -> Fault:
        """Queue a fault for the next ``times`` matching requests (None: all).

        Examples: ``add("crm.deal.update", 500, "INTERNAL_SERVER_ERROR")``,
        ``add(status=502)`` for an HTML gateway page, ``add(delay=2.0)``,
        ``add(drop=True)`` to close the connection without an answer.
        """
        if status is None and not drop and delay <= 0:
            raise ValueError("a fault needs a status, a delay or drop=True")
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        phrase = HTTPStatus(status).phrase if status is not None else ""
        fault = Fault(
            method=method.lower() if method else None,
            status=status,
            error=error,
            description=description if description is not None else phrase,
            remaining=times,
            delay=delay,
            drop=drop,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def outage(self, on: bool = True, *, status: int = 503, drop: bool = False) -> None:
        """Fail every request from now on (an HTML error page, or a dropped
        connection with ``drop=True``) until ``outage(False)`` or ``clear()``.

        Raise ValueError for a ``status`` that is not a server error status
        (5xx) of :class:`http.HTTPStatus`, which names the page.
        """
        if on and not drop and status not in SERVER_ERROR_STATUSES:
            allowed = ", ".join(str(code) for code in SERVER_ERROR_STATUSES)
            raise ValueError(
                f"outage status must be one of the HTTP server error statuses "
                f"{allowed}; got {status!r}"
            )
        if on:
            effect = "a dropped connection" if drop else f"HTTP {status}"
            logger.info("outage started: every request gets %s", effect)
        else:
            logger.info("outage ended")
        with self._lock:
            self._outage = (
                Fault(None, None if drop else status, None, "", None, drop=drop)
                if on
                else None
            )

    def clear(self) -> None:
        """Remove every queued fault and end an outage."""
        with self._lock:
            self._faults.clear()
            self._outage = None

    def take(self, method: str, *, in_batch: bool = False) -> Fault | None:
        """Return the fault for one request of ``method`` and count it used."""
        with self._lock:
            if self._outage is not None and not in_batch:
                return self._outage
            for fault in self._faults:
                if fault.method is None and in_batch:
                    continue
                if fault.method is not None and fault.method != method:
                    continue
                if in_batch and fault.drop:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                return fault
            return None


class Stats:
    """Counts of HTTP requests and of the methods they called."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.by_method: Counter[str] = Counter()
        self.batch_commands = 0
        self.calls_by_method: Counter[str] = Counter()

    def record_request(self, method: str) -> None:
        """Count one HTTP request to ``/rest/`` naming ``method``."""
        with self._lock:
            self.requests += 1
            self.by_method[method] += 1
            if method != "batch":
                self.calls_by_method[method] += 1

    def record_batch_command(self, method: str) -> None:
        """Count one command run inside a batch."""
        with self._lock:
            self.batch_commands += 1
            self.calls_by_method[method] += 1

    def snapshot(self) -> dict[str, Any]:
        """Return every count as a JSON object, read under one lock."""
        with self._lock:
            return {
                "requests": self.requests,
                "by_method": dict(self.by_method),
                "batch_commands": self.batch_commands,
                "calls_by_method": dict(self.calls_by_method),
            }

    def reset(self) -> None:
        """Set every count back to zero."""
        with self._lock:
            self.requests = 0
            self.by_method.clear()
            self.batch_commands = 0
            self.calls_by_method.clear()
