"""The emulator object: a portal, its limits and faults behind an HTTP server."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from exchange import jsonio
from exchange.emulator.control import read_outage_switch
from exchange.emulator.dispatch import Dispatcher
from exchange.emulator.faults import FaultQueue, Stats
from exchange.emulator.limits import LeakyBucket, OperatingTime
from exchange.emulator.seed import load_seed
from exchange.emulator.server import CONTROL_PREFIX, EmulatorHTTPServer

logger = logging.getLogger(__name__)


class Emulator:
    """A Bitrix24 portal's inbound webhook served on a local port.

    ``requests_per_second`` and ``burst`` set the leaky bucket.
    ``operating_limit_seconds`` is the operating time allowed per method in
    ten minutes, and ``execution_seconds`` is the simulated time each call
    costs. ``in_operator_on_uf`` (``supported``, ``ignored`` or ``error``)
    sets what ``@`` does on custom fields in list filters.
    """

    def __init__(
        self,
        seed: Mapping[str, Any] | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        user_id: int = 1,
        webhook_code: str = "emulatorsecret0123",
        requests_per_second: float = 2.0,
        burst: int = 50,
        operating_limit_seconds: float = 480.0,
        execution_seconds: float = 0.01,
        in_operator_on_uf: str = "supported",
    ) -> None:
        self.host = host
        self.port = port
        self.user_id = user_id
        self.webhook_code = webhook_code
        self.portal = load_seed(seed, user_id=user_id)
        self.faults = FaultQueue()
        self.stats = Stats()
        self.bucket = LeakyBucket(requests_per_second, burst)
        self.operating = OperatingTime(operating_limit_seconds, execution_seconds)
        self._stopping = threading.Event()
        self.dispatcher = Dispatcher(
            self.portal,
            operating=self.operating,
            faults=self.faults,
            stats=self.stats,
            sleep=self.sleep,
            in_operator_on_uf=in_operator_on_uf,
        )
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def in_operator_on_uf(self) -> str:
        """What ``@`` does on custom fields: supported, ignored or error."""
        return self.dispatcher.in_operator_on_uf

    @in_operator_on_uf.setter
    def in_operator_on_uf(self, mode: str) -> None:
        if mode not in {"supported", "ignored", "error"}:
            raise ValueError(
                f"in_operator_on_uf must be supported, ignored or error: {mode!r}"
            )
        self.dispatcher.in_operator_on_uf = mode

    @property
    def base_url(self) -> str:
        """Return ``http://HOST:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def webhook_url(self) -> str:
        """Return the inbound webhook URL, secret included, ending in ``/``."""
        return f"{self.base_url}/rest/{self.user_id}/{self.webhook_code}/"

    @property
    def control_url(self) -> str:
        """Return the URL of the fault switches, ending in ``/_emulator/``."""
        return self.base_url + CONTROL_PREFIX

    def start(self) -> None:
        """Bind the port and serve requests in a background thread."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._stopping.clear()
        self._server = EmulatorHTTPServer((self.host, self.port), self)
        # stop() waits until the serve loop polls again, so the poll is short.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="bitrix24-emulator",
            daemon=True,
        )
        self._thread.start()
        logger.info("Bitrix24 emulator started on %s", self.base_url)

    def stop(self) -> None:
        """Stop serving, cut open connections and end pending fault delays."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None
        logger.info("Bitrix24 emulator stopped")

    def serve_until(self, stop_event: threading.Event) -> None:
        """Serve until ``stop_event`` is set, then stop."""
        self.start()
        try:
            stop_event.wait()
        finally:
            self.stop()

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def sleep(self, seconds: float) -> None:
        """Wait for ``seconds``, returning early when the emulator stops."""
        self._stopping.wait(seconds)

    def set_limits(self, *, requests_per_second: float, burst: int) -> None:
        """Change the leaky bucket: drain rate per second and burst size."""
        self.bucket.configure(requests_per_second, burst)

    def set_operating(
        self,
        *,
        limit_seconds: float | None = None,
        execution_seconds: float | None = None,
        method: str | None = None,
    ) -> None:
        """Change the operating time limit or a call's simulated cost.

        With ``method`` the cost applies to that method only.
        """
        if limit_seconds is not None:
            self.operating.limit_seconds = limit_seconds
        if execution_seconds is not None:
            if method is None:
                self.operating.execution_seconds = execution_seconds
            else:
                self.operating.execution_by_method[method.lower()] = execution_seconds

    def reset_limits(self) -> None:
        """Empty the leaky bucket and forget recorded operating time."""
        self.bucket.reset()
        self.operating.reset()

    def control(self, action: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Run an action of the JSON control endpoint ``/_emulator/<action>``.

        Actions: ``faults`` (the body contains the arguments of
        :meth:`FaultQueue.add`), ``outage`` (``{"on", "status", "drop"}``),
        ``clear``, ``stats``, ``stats/reset``, ``limits``
        (``{"requests_per_second", "burst"}``). docs/emulator.md describes
        each body.
        """
        try:
            arguments = jsonio.loads(body) if body else {}
        except jsonio.JSONDecodeError:
            return 400, {"error": "invalid JSON body"}
        if not isinstance(arguments, dict):
            return 400, {"error": "the body must be a JSON object"}
        try:
            return 200, self._run_control(action.strip("/"), arguments)
        except (TypeError, ValueError) as error:
            logger.warning("control action %r rejected: %s", action, error)
            return 400, {"error": str(error)}

    def _run_control(self, action: str, arguments: dict[str, Any]) -> dict[str, Any]:
        if action == "faults":
            self.faults.add(**arguments)
        elif action == "outage":
            switch = read_outage_switch(arguments)
            self.faults.outage(switch.on, status=switch.status, drop=switch.drop)
        elif action == "clear":
            self.faults.clear()
        elif action == "stats/reset":
            self.stats.reset()
        elif action == "limits":
            self.set_limits(**arguments)
        elif action != "stats":
            raise ValueError(f"unknown control action {action!r}")
        return self.stats.snapshot()
