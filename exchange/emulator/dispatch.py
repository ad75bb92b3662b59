"""Method routing of the emulated portal: limits, faults, handlers, answers.

The HTTP layer has already checked the path, the webhook and the request
rate; this module runs one method or a batch and builds the answer body.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from exchange.emulator.batch import run_batch
from exchange.emulator.crm_methods import entity_methods
from exchange.emulator.errors import MethodError, method_not_found, operation_time_limit
from exchange.emulator.faults import FaultQueue, Stats
from exchange.emulator.fields import render_datetime
from exchange.emulator.limits import OperatingTime
from exchange.emulator.registry import CallContext, Handler
from exchange.emulator.requisite_methods import requisite_methods
from exchange.emulator.store import Portal

Sleep = Callable[[float], None]


class Dispatcher:
    """Runs REST methods against a :class:`Portal`."""

    def __init__(
        self,
        portal: Portal,
        *,
        operating: OperatingTime,
        faults: FaultQueue,
        stats: Stats,
        sleep: Sleep,
        in_operator_on_uf: str = "supported",
    ) -> None:
        self.portal = portal
        self.operating = operating
        self.faults = faults
        self.stats = stats
        self.in_operator_on_uf = in_operator_on_uf
        self._sleep = sleep
        self.handlers: dict[str, Handler] = {**entity_methods(), **requisite_methods()}

    def is_known(self, method: str) -> bool:
        """Tell whether the portal has a method of this lower-cased name."""
        return method == "batch" or method in self.handlers

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run a top-level method and return its answer body.

        Raises :class:`MethodError` for an error answer. A batch is always
        a success, with the commands' errors inside.
        """
        if method == "batch":
            started = time.time()
            result = run_batch(params, self._run_command)
            return {"result": result, "time": self._time_block(method, started)}
        return self._run(method, params)

    def _run_command(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.stats.record_batch_command(method)
        if method == "batch":
            raise MethodError(
                400,
                "ERROR_BATCH_METHOD_NOT_ALLOWED",
                "Method is not allowed for batch usage",
            )
        if method not in self.handlers:
            raise method_not_found()
        fault = self.faults.take(method, in_batch=True)
        if fault is not None:
            if fault.delay > 0:
                self._sleep(fault.delay)
            if fault.status is not None:
                raise MethodError(fault.status, fault.error or "", fault.description)
        return self._run(method, params)

    def _run(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self.handlers.get(method)
        if handler is None:
            raise method_not_found()
        if self.operating.is_blocked(method):
            raise operation_time_limit()
        started = time.time()
        context = CallContext(self.portal, self.in_operator_on_uf)
        try:
            with self.portal.lock:
                outcome = handler(context, params)
        finally:
            self.operating.record(method)
        body: dict[str, Any] = {"result": outcome.result}
        if outcome.next is not None:
            body["next"] = outcome.next
        if outcome.total is not None:
            body["total"] = outcome.total
        body["time"] = self._time_block(method, started)
        return body

    def _time_block(self, method: str, started: float) -> dict[str, Any]:
        finished = time.time()
        state = self.operating.state(method)
        zone = self.portal.zone
        return {
            "start": started,
            "finish": finished,
            "duration": finished - started,
            "processing": finished - started,
            "date_start": render_datetime(datetime.fromtimestamp(started, UTC), zone),
            "date_finish": render_datetime(datetime.fromtimestamp(finished, UTC), zone),
            "operating_reset_at": state.reset_at,
            "operating": round(state.used, 6),
        }
