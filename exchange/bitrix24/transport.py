"""HTTP transport to the portal: pacing, error classification and retries."""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from exchange import jsonio
from exchange.bitrix24.errors import (
    CONNECTION_RULE,
    AccessDenied,
    Action,
    Bitrix24Error,
    ErrorRule,
    PortalMoved,
    PortalUnavailable,
    classify,
)
from exchange.bitrix24.limiter import LeakyBucket
from exchange.bitrix24.responses import (
    ErrorResponse,
    Response,
    ResponseTime,
    parse_response,
    read_body,
)
from exchange.bitrix24.retry import RetryPolicy
from exchange.bitrix24.webhook import (
    WebhookUrl,
    remove_log_filter,
    silence_http_logging,
)

log = logging.getLogger(__name__)

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# Share of the operating-time limit past which each response logs a warning.
_OPERATING_WARNING_SHARE = 0.8


@dataclass(frozen=True)
class _Failure:
    """One failed attempt: an error response or a connection problem."""

    rule: ErrorRule
    code: str
    description: str
    http_status: int | None

    def summary(self) -> str:
        parts = []
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.code:
            parts.append(self.code)
        head = " ".join(parts)
        if head and self.description:
            return f"{head}: {self.description}"
        return head or self.description or "unknown error"


class Transport:
    """Send REST calls to one webhook within the rate limit, with retries."""

    def __init__(
        self,
        webhook: WebhookUrl,
        *,
        limiter: LeakyBucket,
        policy: RetryPolicy,
        timeout: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        operating_limit: float = 480.0,
    ) -> None:
        self._webhook = webhook
        self._limiter = limiter
        self._policy = policy
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._operating_limit = operating_limit
        silence_http_logging(webhook)
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"Accept": "application/json"},
        )
        self.requests_sent = 0
        self.operating: dict[str, ResponseTime] = {}
        """Last ``time`` block with operating time, per REST method."""
        self._operating_warned: set[str] = set()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()
        remove_log_filter(self._webhook)

    def post(self, method: str, payload: Mapping[str, Any]) -> Response:
        """Send one REST call and return its successful response.

        Raises ``AccessDenied`` when the portal refuses the webhook,
        ``PortalUnavailable`` when retries run out, ``PortalMoved`` on a
        redirect and ``Bitrix24Error`` for an error that no retry can fix.
        """
        body = jsonio.dumps(dict(payload))
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            self._limiter.acquire()
            outcome = self._send_once(method, body)
            if isinstance(outcome, Response):
                self.watch_operating_time(method, outcome.time)
                return outcome

            action = outcome.rule.action
            if action is Action.RAISE:
                raise self._error(outcome.rule.error_class, method, outcome)
            if action is Action.STOP:
                raise self._access_denied(method, outcome)

            if outcome.code.upper() == "QUERY_LIMIT_EXCEEDED":
                self._limiter.fill()
            delay = self._retry_delay(method, action, attempt)
            elapsed = self._clock() - started
            if attempt >= self._policy.max_attempts:
                raise self._gave_up(method, outcome, attempt, elapsed)
            if elapsed + delay > self._policy.max_retry_seconds:
                raise self._gave_up(method, outcome, attempt, elapsed, delay)

            log.warning(
                "Bitrix24 %s failed (%s); retry %d of %d in %.1f s",
                method,
                outcome.summary(),
                attempt,
                self._policy.max_attempts - 1,
                delay,
            )
            self._sleep(delay)

    def _send_once(self, method: str, body: bytes) -> Response | _Failure:
        self.requests_sent += 1
        try:
            http_response = self._http.post(
                self._webhook.method_url(method),
                content=body,
                headers={"Content-Type": "application/json"},
            )
        except httpx.TimeoutException:
            return _Failure(CONNECTION_RULE, "", "the request timed out", None)
        except httpx.TransportError as exc:
            text = self._webhook.scrub(str(exc)) or "no details"
            description = f"connection failed: {type(exc).__name__}: {text}"
            return _Failure(CONNECTION_RULE, "", description, None)

        if http_response.status_code in _REDIRECT_STATUSES:
            raise self._moved(method, http_response)
        body_or_error = read_body(
            http_response.status_code,
            http_response.headers.get("content-type", ""),
            http_response.content,
        )
        if isinstance(body_or_error, ErrorResponse):
            error = body_or_error
            rule = classify(error.code, error.http_status)
            return _Failure(rule, error.code, error.description, error.http_status)
        return parse_response(body_or_error)

    def _retry_delay(self, method: str, action: Action, attempt: int) -> float:
        if action is Action.WAIT_RESET:
            known = self.operating.get(method)
            reset_at = known.operating_reset_at if known else None
            return self._policy.reset_wait(reset_at, self._wall_clock())
        return self._policy.backoff(attempt)

    def watch_operating_time(self, method: str, time: ResponseTime) -> None:
        """Record a method's operating time and warn when it nears the limit."""
        if time.operating is None:
            return
        self.operating[method] = time
        if time.operating < _OPERATING_WARNING_SHARE * self._operating_limit:
            self._operating_warned.discard(method)
            return
        # Warn once per method until its operating time falls again.
        if method not in self._operating_warned:
            self._operating_warned.add(method)
            log.warning(
                "Bitrix24 %s used %.0f s of operating time in the last 10 minutes "
                "(the portal rejects the method past about %.0f s); the service "
                "then waits until the portal takes it again, so nothing is lost, "
                "but large packages take longer",
                method,
                time.operating,
                self._operating_limit,
            )

    def _error(
        self, error_class: type[Bitrix24Error], method: str, failure: _Failure
    ) -> Bitrix24Error:
        return error_class(
            f"Bitrix24 {method} failed: {failure.summary()}",
            code=failure.code,
            description=failure.description,
            method=method,
            http_status=failure.http_status,
            transient=failure.rule.transient,
        )

    def _access_denied(self, method: str, failure: _Failure) -> AccessDenied:
        if failure.code.upper() == "OVERLOAD_LIMIT":
            advice = (
                "the portal's administrators blocked this integration; ask them "
                "to lift the block before running the exchange again"
            )
        else:
            advice = (
                f"check that the webhook {self._webhook.masked} still exists in "
                "Bitrix24 and has the crm permission"
            )
        return AccessDenied(
            f"Bitrix24 refused {method} ({failure.summary()}): {advice}. "
            "The run stopped.",
            code=failure.code,
            description=failure.description,
            method=method,
            http_status=failure.http_status,
        )

    def _gave_up(
        self,
        method: str,
        failure: _Failure,
        attempts: int,
        elapsed: float,
        next_delay: float | None = None,
    ) -> PortalUnavailable:
        if next_delay is None:
            reason = f"after {attempts} attempt(s) in {elapsed:.0f} s"
        else:
            reason = (
                f"after {attempts} attempt(s): the next retry in {next_delay:.0f} s "
                f"would pass the retry time limit of "
                f"{self._policy.max_retry_seconds:.0f} s"
            )
        return PortalUnavailable(
            f"Bitrix24 {method} failed {reason}; last error: {failure.summary()}. "
            f"The portal {self._webhook.host} is unavailable; the work is retried "
            "on the next run.",
            code=failure.code,
            description=failure.description,
            method=method,
            http_status=failure.http_status,
        )

    def _moved(self, method: str, http_response: httpx.Response) -> PortalMoved:
        location = http_response.headers.get("location", "")
        parts = urllib.parse.urlsplit(location)
        target = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "another path"
        return PortalMoved(
            f"Bitrix24 responded to {method} with HTTP {http_response.status_code}, a "
            f"redirect to {target}: the portal was probably renamed. Update the "
            f"webhook URL ({self._webhook.masked}) to the portal's new address.",
            method=method,
            http_status=http_response.status_code,
        )
