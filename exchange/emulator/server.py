"""HTTP layer of the emulator: webhook paths, authorization and responses.

Requests go through these steps: path match, statistics, injected faults,
webhook authorization (401), known method (404), request rate (503), then
the method itself. Paths outside ``/rest/`` other than the control endpoint
get 404 like an unknown method.
"""

from __future__ import annotations

import hmac
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from exchange import jsonio
from exchange.emulator.errors import (
    MethodError,
    method_not_found,
    query_limit_exceeded,
    wrong_authorization,
)
from exchange.emulator.params import merge_top_level, parse_body, parse_query

if TYPE_CHECKING:
    from exchange.emulator.emulator import Emulator

logger = logging.getLogger(__name__)

_WEBHOOK_PATH = re.compile(
    r"^/rest/(?P<user>[^/]+)/(?P<code>[^/]+)/(?P<method>[^/]+?)(?:\.json)?/?$"
)
CONTROL_PREFIX = "/_emulator/"


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server that can close its open keep-alive connections."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, WebhookHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember the connection so that :meth:`close_connections` can end it."""
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget a finished connection, then close it."""
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open connection, idle keep-alive ones included."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                logger.debug("connection already closed")


class WebhookHandler(BaseHTTPRequestHandler):
    """Responds to one HTTP request as a Bitrix24 portal would."""

    server: EmulatorHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    # Idle keep-alive connections close after this many seconds.
    timeout = 30

    def setup(self) -> None:
        """Turn Nagle's algorithm off: headers and body go out in separate
        writes, and with it each response would wait for a delayed ACK (~40 ms)."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        """Handle a GET request."""
        self._handle()

    def do_POST(self) -> None:
        """Handle a POST request."""
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep the standard access log out of stderr; paths carry the secret."""
        del format, args

    def _handle(self) -> None:
        emulator = self.server.emulator
        body = self._read_body()
        url = urlsplit(self.path)
        if url.path.startswith(CONTROL_PREFIX):
            status, answer = emulator.control(url.path[len(CONTROL_PREFIX) :], body)
            self._send_json(status, answer)
            return
        match = _WEBHOOK_PATH.match(url.path)
        method = match["method"].lower() if match else ""
        emulator.stats.record_request(method or "(invalid path)")
        fault = emulator.faults.take(method)
        if fault is not None:
            if fault.delay > 0:
                emulator.sleep(fault.delay)
            if fault.drop:
                logger.info("fault: dropping the connection of %s", method)
                self._drop_connection()
                return
            if fault.status is not None:
                logger.info(
                    "fault: responding to %s with HTTP %s", method, fault.status
                )
                html = fault.html_body()
                if html is not None:
                    self._send(fault.status, html.encode(), "text/html")
                else:
                    self._send_json(fault.status, fault.json_body())
                return
        try:
            answer = self._answer(match, method, url.query, body)
        except MethodError as error:
            logger.debug("%s failed: HTTP %s %r", method, error.status, error.code)
            self._send_json(error.status, error.body())
            return
        self._send_json(200, answer)

    def _answer(
        self, match: re.Match[str] | None, method: str, query: str, body: bytes
    ) -> dict[str, Any]:
        emulator = self.server.emulator
        if match is None:
            raise method_not_found()
        user_ok = hmac.compare_digest(match["user"], str(emulator.user_id))
        code_ok = hmac.compare_digest(
            match["code"].encode(), emulator.webhook_code.encode()
        )
        if not (user_ok and code_ok):
            raise wrong_authorization()
        if not emulator.dispatcher.is_known(method):
            raise method_not_found()
        if not emulator.bucket.try_acquire(f"{emulator.user_id}"):
            raise query_limit_exceeded()
        content_type = self.headers.get("Content-Type", "")
        params = merge_top_level(parse_query(query), parse_body(body, content_type))
        return emulator.dispatcher.answer(method, params)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, status: int, answer: Any) -> None:
        self._send(status, jsonio.dumps(answer), "application/json; charset=utf-8")

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _drop_connection(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            logger.debug("connection already closed")
