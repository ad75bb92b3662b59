"""Errors of the Bitrix24 client and the one table that classifies them.

The portal reports an error as ``{"error": code, "error_description": text}``
with an HTTP status. ``classify`` looks the code up first (upper-cased,
because the portal spells some codes in lower case, e.g. ``expired_token``)
and the HTTP status second; the matching ``ErrorRule`` names the exception
class and what the transport does next.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from exchange.errors import EXIT_UNAVAILABLE, ExchangeError


class Bitrix24Error(ExchangeError):
    """The portal rejected a request, or its response could not be read."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        description: str = "",
        method: str = "",
        http_status: int | None = None,
        transient: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.description = description
        self.method = method
        self.http_status = http_status
        if transient is not None:
            self.transient = transient

    @property
    def status_text(self) -> str:
        """Return the HTTP status and the portal's code, e.g. "HTTP 401 NO_AUTH_FOUND".

        Either part is left out when unknown, so the text may be empty.
        """
        parts = [f"HTTP {self.http_status}"] if self.http_status is not None else []
        if self.code:
            parts.append(self.code)
        return " ".join(parts)


class AccessDenied(Bitrix24Error):  # noqa: N818 (public name)
    """The portal refused the webhook (401, 403, OVERLOAD_LIMIT): stop the run."""

    exit_code = EXIT_UNAVAILABLE


class PortalUnavailable(Bitrix24Error):  # noqa: N818 (public name)
    """The portal could not be reached, or retries ran out."""

    transient = True
    exit_code = EXIT_UNAVAILABLE


class PortalMoved(Bitrix24Error):  # noqa: N818 (public name)
    """The portal responded with a redirect, usually because it was renamed."""

    exit_code = EXIT_UNAVAILABLE


class Action(enum.Enum):
    """What the transport does with an error response."""

    RAISE = "raise"
    """Raise at once and never retry (per-item and validation errors)."""
    STOP = "stop"
    """Raise ``AccessDenied`` at once: the run cannot go on."""
    BACKOFF = "backoff"
    """Retry after an exponential backoff with full jitter."""
    WAIT_RESET = "wait_reset"
    """Retry once the method's operating time has been reset."""


@dataclass(frozen=True)
class ErrorRule:
    """The exception class and next step for one kind of error response."""

    error_class: type[Bitrix24Error]
    action: Action

    @property
    def transient(self) -> bool:
        """Whether the same request may succeed later."""
        return self.action in (Action.BACKOFF, Action.WAIT_RESET)


_RAISE = ErrorRule(Bitrix24Error, Action.RAISE)
_STOP = ErrorRule(AccessDenied, Action.STOP)
_BACKOFF = ErrorRule(Bitrix24Error, Action.BACKOFF)
_WAIT_RESET = ErrorRule(Bitrix24Error, Action.WAIT_RESET)

# Portal error codes, upper-cased. A code wins over the HTTP status, so 503
# OVERLOAD_LIMIT stops the run while 503 QUERY_LIMIT_EXCEEDED is retried.
RULES_BY_CODE: dict[str, ErrorRule] = {
    "QUERY_LIMIT_EXCEEDED": _BACKOFF,
    "OPERATION_TIME_LIMIT": _WAIT_RESET,
    "INTERNAL_SERVER_ERROR": _BACKOFF,
    "ERROR_UNEXPECTED_ANSWER": _BACKOFF,
    "OVERLOAD_LIMIT": _STOP,
    "NO_AUTH_FOUND": _STOP,
    "EXPIRED_TOKEN": _STOP,
    "INVALID_TOKEN": _STOP,
    "INVALID_CREDENTIALS": _STOP,
    "INSUFFICIENT_SCOPE": _STOP,
    "ACCESS_DENIED": _STOP,
    "AUTHORIZATION_ERROR": _STOP,
    "WRONG_AUTH_TYPE": _STOP,
    "USER_ACCESS_ERROR": _STOP,
    "ALLOWED_ONLY_INTRANET_USER": _STOP,
    "PAYMENT_REQUIRED": _STOP,
    "PORTAL_DELETED": _STOP,
    "ERROR_METHOD_NOT_FOUND": _RAISE,
    "ERROR_CORE": _RAISE,
    "ERROR_BATCH_LENGTH_EXCEEDED": _RAISE,
    "ERROR_BATCH_METHOD_NOT_ALLOWED": _RAISE,
}

# HTTP statuses of error responses whose code is empty, 0 or not in the table above.
RULES_BY_STATUS: dict[int, ErrorRule] = {
    400: _RAISE,
    401: _STOP,
    403: _STOP,
    404: _RAISE,
    429: _WAIT_RESET,
    500: _BACKOFF,
    502: _BACKOFF,
    503: _BACKOFF,
    504: _BACKOFF,
}

# Timeouts, refused and dropped connections.
CONNECTION_RULE = ErrorRule(PortalUnavailable, Action.BACKOFF)


def classify(code: object, http_status: int | None) -> ErrorRule:
    """Return the rule for an error response with this code and HTTP status.

    Unknown codes fall back to the status; an unknown 5xx status is retried
    and anything else is raised without a retry.
    """
    key = str(code).strip().upper() if code not in (None, "", 0) else ""
    if key in RULES_BY_CODE:
        return RULES_BY_CODE[key]
    if http_status is not None and http_status in RULES_BY_STATUS:
        return RULES_BY_STATUS[http_status]
    if http_status is not None and http_status >= 500:
        return _BACKOFF
    return _RAISE


# Descriptions the portal gives when the entity of an update is missing.
_NOT_FOUND_DESCRIPTIONS = frozenset(
    {"not found", "company is not found", "contact is not found"}
)


@dataclass(frozen=True)
class CommandError:
    """The failure of one command inside a ``batch``; not an exception."""

    name: str
    method: str
    code: str
    description: str

    @property
    def rule(self) -> ErrorRule:
        """The rule of the table above for this command's error code."""
        return classify(self.code, None)

    @property
    def transient(self) -> bool:
        """Whether the same command may succeed later (e.g. operating time)."""
        return self.rule.transient

    @property
    def not_found(self) -> bool:
        """Whether the entity the command named does not exist."""
        return (
            self.code.upper() == "NOT_FOUND"
            or self.description.strip().casefold() in _NOT_FOUND_DESCRIPTIONS
        )

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"{self.method} failed{code}: {self.description or 'no description'}"


def describe_portal_failure(exc: Bitrix24Error, situation: str) -> str:
    """Return one sentence, without a final period, on why Bitrix24 failed.

    ``situation`` names when it happened, e.g. "at start". The client's own
    messages end with advice for a single run ("The run stopped."), which is
    wrong for the daemon, so refused access and an unreachable portal are
    worded here from the error's HTTP status, code and method.
    """
    detail = _failure_detail(exc)
    if isinstance(exc, AccessDenied):
        if exc.code.upper() == "OVERLOAD_LIMIT":
            return (
                f"Bitrix24 blocked this integration {situation} ({detail}); "
                "ask the portal's administrators to lift the block"
            )
        return (
            f"Bitrix24 refused access {situation} ({detail}); check that the "
            "webhook in EXCHANGE_BITRIX24__WEBHOOK_URL or the secrets file still "
            "exists in Bitrix24 and has the crm permission"
        )
    if isinstance(exc, PortalUnavailable):
        return f"Bitrix24 is unreachable {situation} ({detail})"
    return f"Bitrix24 failed {situation}: {str(exc).rstrip('.')}"


def _failure_detail(exc: Bitrix24Error) -> str:
    parts = [exc.status_text] if exc.status_text else []
    if not parts and exc.description:
        parts.append(exc.description)
    if not parts:
        parts.append("no response")
    if exc.method:
        parts.append(f"from {exc.method}")
    return " ".join(parts)
