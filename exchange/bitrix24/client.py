"""The Bitrix24 REST client: single calls, ``batch`` and list scans."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal

from exchange.bitrix24.errors import Bitrix24Error
from exchange.bitrix24.limiter import LeakyBucket
from exchange.bitrix24.query import build_query
from exchange.bitrix24.responses import BatchResult, Response, parse_batch
from exchange.bitrix24.retry import RetryPolicy
from exchange.bitrix24.transport import Transport
from exchange.bitrix24.webhook import WebhookUrl

MAX_BATCH_COMMANDS = 50
"""The portal runs at most 50 commands of one ``batch``."""

PAGE_SIZE = 50
"""List methods return 50 rows per page and ignore ``limit``."""

Command = tuple[str, Mapping[str, Any]]
"""A REST method and its parameters."""


class Bitrix24Client:
    """Client of one portal's inbound webhook.

    Every request passes a client-side leaky bucket that drains
    ``requests_per_second`` and lets ``burst - 1`` requests pass at once: one
    request below the portal's burst, to absorb network delays. Failures the
    portal may recover from are retried with backoff within ``max_attempts``
    and ``max_retry_seconds``.
    ``sleep``, ``clock`` (monotonic) and ``wall_clock`` (Unix time, to read
    ``operating_reset_at``) can be replaced in tests.
    """

    def __init__(
        self,
        webhook_url: str,
        *,
        requests_per_second: float = 2.0,
        burst: int = 50,
        timeout: float = 60.0,
        max_attempts: int = 6,
        max_retry_seconds: float = 120.0,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        reset_wait_default: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.webhook = WebhookUrl(webhook_url)
        policy = RetryPolicy(
            max_attempts=max_attempts,
            max_retry_seconds=max_retry_seconds,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            reset_wait_default=reset_wait_default,
            rng=rng or random.Random(),  # noqa: S311 (jitter, not secrets)
        )
        limiter = LeakyBucket(requests_per_second, burst, clock=clock, sleep=sleep)
        self._transport = Transport(
            self.webhook,
            limiter=limiter,
            policy=policy,
            timeout=timeout,
            sleep=sleep,
            clock=clock,
            wall_clock=wall_clock,
        )
        self.capabilities: dict[str, bool] = {}
        """Portal features learned during this client's lifetime, by name."""

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far, retries included."""
        return self._transport.requests_sent

    def call(self, method: str, params: Mapping[str, Any] | None = None) -> Response:
        """Call one REST method with ``params`` sent as a JSON body."""
        return self._transport.post(method, params or {})

    def batch(
        self, commands: Mapping[str, Command], *, halt: bool = False
    ) -> BatchResult:
        """Run up to 50 commands in one ``batch`` request.

        Command names become keys of the response; a failed command is reported
        in ``BatchResult.errors`` and never raised.
        """
        if not commands:
            raise ValueError("batch needs at least one command")
        if len(commands) > MAX_BATCH_COMMANDS:
            raise ValueError(
                f"batch takes at most {MAX_BATCH_COMMANDS} commands, "
                f"got {len(commands)}"
            )
        cmd = {
            name: _command_string(method, params)
            for name, (method, params) in commands.items()
        }
        response = self._transport.post("batch", {"halt": int(halt), "cmd": cmd})
        methods = {name: method for name, (method, _) in commands.items()}
        outcome = parse_batch(response.result, methods)
        # Inside a batch each command is charged to its own method.
        for name, command_time in outcome.times.items():
            if name in methods:
                self._transport.watch_operating_time(methods[name], command_time)
        return outcome

    def batches(self, commands: Mapping[str, Command]) -> BatchResult:
        """Run any number of commands, 50 per ``batch`` request, in order."""
        outcome = BatchResult()
        names = list(commands)
        for start in range(0, len(names), MAX_BATCH_COMMANDS):
            chunk = {
                name: commands[name]
                for name in names[start : start + MAX_BATCH_COMMANDS]
            }
            outcome.update(self.batch(chunk))
        return outcome

    def list_all(
        self,
        method: str,
        *,
        filter: Mapping[str, Any] | None = None,  # noqa: A002 (the portal's name)
        select: Sequence[str] = (),
        scan: Literal["id", "offset"] = "id",
    ) -> Iterator[dict[str, Any]]:
        """Yield every row of a list method.

        ``scan="id"`` is the fast full scan: order by ID ascending, filter
        ``>ID`` with the last ID seen, ``start=-1`` (no counting), stop at a
        short page. ``scan="offset"`` follows ``next`` for methods whose rows
        have no ``ID`` (e.g. ``crm.address.list``), which is stable only while
        the data does not change.
        """
        if scan == "offset":
            yield from self._list_by_offset(method, filter or {}, select)
        else:
            yield from self._list_by_id(method, filter or {}, select)

    def _list_by_id(
        self, method: str, filter_: Mapping[str, Any], select: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        fields = list(select)
        if fields and "ID" not in fields:
            fields.append("ID")
        last_id = _int_or_none(filter_.get(">ID"))
        while True:
            page_filter = dict(filter_)
            if last_id is not None:
                page_filter[">ID"] = last_id
            params: dict[str, Any] = {"order": {"ID": "ASC"}, "start": -1}
            if page_filter:
                params["filter"] = page_filter
            if fields:
                params["select"] = fields
            rows = _rows(method, self.call(method, params).result)
            yield from rows
            if len(rows) < PAGE_SIZE:
                return
            last_id = _row_id(method, rows[-1])

    def _list_by_offset(
        self, method: str, filter_: Mapping[str, Any], select: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            params: dict[str, Any] = {"start": start}
            if filter_:
                params["filter"] = dict(filter_)
            if select:
                params["select"] = list(select)
            response = self.call(method, params)
            yield from _rows(method, response.result)
            if response.next is None or response.next <= start:
                return
            start = response.next

    def close(self) -> None:
        """Close the HTTP connections."""
        self._transport.close()

    def __enter__(self) -> Bitrix24Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Bitrix24Client({self.webhook.masked!r})"


def _command_string(method: str, params: Mapping[str, Any]) -> str:
    return f"{method}?{build_query(params)}" if params else method


def rows_of(method: str, result: object) -> list[dict[str, Any]]:
    """Return the rows of a list method's ``result`` (a list of objects)."""
    return _rows(method, result)


def _rows(method: str, result: object) -> list[dict[str, Any]]:
    if isinstance(result, Mapping) and not result:
        # An empty PHP array may come as {} from some methods.
        return []
    if not isinstance(result, list) or not all(isinstance(row, dict) for row in result):
        raise Bitrix24Error(
            f"Bitrix24 {method} returned a result of type {type(result).__name__}, "
            "expected a list of rows",
            method=method,
        )
    return result


def _row_id(method: str, row: Mapping[str, Any]) -> int:
    row_id = _int_or_none(row.get("ID"))
    if row_id is None:
        raise Bitrix24Error(
            f"Bitrix24 {method} returned a row without a numeric ID; "
            "use scan='offset' for this method",
            method=method,
        )
    return row_id


def _int_or_none(value: object) -> int | None:
    if isinstance(value, int | str):
        try:
            return int(value)
        except ValueError:
            return None
    return None
