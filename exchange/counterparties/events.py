"""Bitrix24 outgoing-webhook events that speed up the counterparty export.

``EventListener`` is a small threaded HTTP server for the form-encoded POSTs
that Bitrix24 sends (``event=ONCRMDEALUPDATE``, ``data[FIELDS][ID]=...``,
``auth[application_token]=...``). It checks the application token in
constant time, answers at once and hands (entity, ID) to a callback.
``ExportTrigger`` is such a callback: it collects IDs for a short debounce
and runs one export for all of them on its own thread.

Bitrix24 does not retry events, and the service's own updates echo back as
events, so events only shorten the wait; the periodic scan must stay.
"""

from __future__ import annotations

import hmac
import logging
import threading
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from exchange.errors import ConfigError

log = logging.getLogger(__name__)

EventCallback = Callable[[str, int], None]
"""Receives the entity (``deal``, ``company``, ``contact``) and its ID."""

MAX_BODY_BYTES = 64 * 1024
"""Largest event body accepted; Bitrix24 events are well under 2 KiB."""

_EVENT_ENTITIES = {
    f"ONCRM{entity.upper()}{action}": entity
    for entity in ("deal", "company", "contact")
    for action in ("ADD", "UPDATE")
}


class EventListener:
    """HTTP endpoint for Bitrix24 outgoing webhooks on ``host``:``port``.

    Answers 200 for an accepted event (events of other kinds are accepted
    and ignored), 401 for a missing or wrong application token, 400 for a
    malformed body and 405 for methods other than POST. ``port`` 0 picks a
    free port, which ``port`` reports after ``start``.
    """

    def __init__(
        self, host: str, port: int, token: str, on_event: EventCallback
    ) -> None:
        if not token:
            raise ConfigError(
                "[events] application_token is not set; copy the application "
                "token of the Bitrix24 outgoing webhook into it"
            )
        self.host = host
        self._requested_port = port
        self._token = token.encode()
        self._on_event = on_event
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port; raises ``RuntimeError`` before ``start``."""
        if self._server is None:
            raise RuntimeError("the event listener is not running; call start() first")
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Bind the port and serve events on a background thread."""
        if self._server is not None:
            raise RuntimeError("the event listener is already running")
        server = ThreadingHTTPServer((self.host, self._requested_port), _Handler)
        server.daemon_threads = True
        server.listener = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="bitrix24-events",
            daemon=True,
        )
        self._thread.start()
        log.info("listening for Bitrix24 events on %s:%d", self.host, self.port)

    def stop(self) -> None:
        """Stop serving and release the port."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None
        log.info("stopped listening for Bitrix24 events")

    def token_matches(self, presented: str) -> bool:
        """Compare a presented application token with the configured one."""
        return hmac.compare_digest(presented.encode(), self._token)

    def deliver(self, entity: str, b24_id: int) -> None:
        """Pass one event to the callback; its errors are logged, not raised."""
        try:
            self._on_event(entity, b24_id)
        except Exception:
            log.exception("handling the event for %s %d failed", entity, b24_id)


class _Handler(BaseHTTPRequestHandler):
    server_version = "exchange-events"

    def do_POST(self) -> None:
        listener: EventListener = self.server.listener  # type: ignore[attr-defined]
        form = self._read_form()
        if form is None:
            self._answer(HTTPStatus.BAD_REQUEST, "malformed event body")
            return
        if not listener.token_matches(form.get("auth[application_token]", "")):
            log.warning(
                "rejected a Bitrix24 event from %s (domain %r): missing or wrong "
                "application token",
                self.client_address[0],
                form.get("auth[domain]", ""),
            )
            self._answer(HTTPStatus.UNAUTHORIZED, "wrong application token")
            return
        event = form.get("event", "").strip().upper()
        raw_id = form.get("data[FIELDS][ID]", "").strip()
        if not event or not raw_id.isdigit() or int(raw_id) <= 0:
            self._answer(
                HTTPStatus.BAD_REQUEST, "event and data[FIELDS][ID] are required"
            )
            return
        entity = _EVENT_ENTITIES.get(event)
        self._answer(HTTPStatus.OK, "accepted")
        if entity is None:
            log.debug("ignored Bitrix24 event %s for ID %s", event, raw_id)
            return
        log.debug("Bitrix24 event %s for %s %s", event, entity, raw_id)
        listener.deliver(entity, int(raw_id))

    def do_GET(self) -> None:
        self._answer(HTTPStatus.METHOD_NOT_ALLOWED, "send events with POST")

    def _read_form(self) -> dict[str, str] | None:
        length_text = self.headers.get("Content-Length", "")
        if not length_text.isdigit() or int(length_text) > MAX_BODY_BYTES:
            return None
        body = self.rfile.read(int(length_text))
        try:
            pairs = urllib.parse.parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, strict_parsing=False
            )
        except (UnicodeDecodeError, ValueError):
            return None
        return dict(pairs)

    def _answer(self, status: HTTPStatus, text: str) -> None:
        data = f"{text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # http.server writes every request to stderr; the service logs instead.
        log.debug("event endpoint: %s", format % args)


ExportCallback = Callable[[set[tuple[str, int]]], object]
"""Runs one export for the named items, e.g. ``export_counterparties(..., only=)``."""


class ExportTrigger:
    """Coalesce events and run one export for their IDs after a short debounce.

    ``submit`` (an ``EventCallback``) only records the ID; the export runs on
    the trigger's own thread, ``debounce_seconds`` after the first ID of a
    burst, with every distinct ID submitted until then. Events that arrive
    during an export wait for the next one. Errors of the export are logged.
    """

    def __init__(
        self, export: ExportCallback, *, debounce_seconds: float = 0.2
    ) -> None:
        self._export = export
        self._debounce = debounce_seconds
        self._pending: set[tuple[str, int]] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, entity: str, b24_id: int) -> None:
        """Record an item to export; duplicates collapse into one."""
        with self._lock:
            self._pending.add((entity, b24_id))
        self._wake.set()

    def start(self) -> None:
        """Start the background thread."""
        if self._thread is not None:
            raise RuntimeError("the export trigger is already running")
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name="export-trigger", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after the export in progress; drop pending IDs.

        Dropped IDs are picked up by the periodic scan.
        """
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        thread.join(timeout=30)
        self._thread = None
        with self._lock:
            dropped = len(self._pending)
            self._pending.clear()
        if dropped:
            log.info(
                "export trigger stopped; %d pending items left to the scan", dropped
            )

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait()
            if self._stopping.is_set():
                return
            # Wait for the rest of a burst: Bitrix24 sends one event per
            # change, and one change often touches a deal and its company.
            self._stopping.wait(self._debounce)
            if self._stopping.is_set():
                return
            with self._lock:
                self._wake.clear()
                items, self._pending = self._pending, set()
            if items:
                self._run_export(items)

    def _run_export(self, items: set[tuple[str, int]]) -> None:
        try:
            self._export(items)
        except Exception:
            log.exception("export triggered by events for %d items failed", len(items))
