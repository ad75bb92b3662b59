"""Errors that the emulated portal returns to its callers."""

from __future__ import annotations

from typing import Any

from exchange.errors import ExchangeError


class MethodError(ExchangeError):
    """A REST method failed; the portal answers with this status and body.

    ``code`` is the portal's ``error`` value, which classic CRM methods leave
    empty (``""``).
    """

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"HTTP {status} {code!r}: {description}")
        self.status = status
        self.code = code
        self.description = description

    def body(self) -> dict[str, Any]:
        """Return the JSON error object without a ``time`` block."""
        return {"error": self.code, "error_description": self.description}


def method_not_found() -> MethodError:
    """Return the error of an unknown method or a malformed webhook path."""
    return MethodError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")


def wrong_authorization() -> MethodError:
    """Return the error of a wrong user ID or webhook code."""
    return MethodError(401, "NO_AUTH_FOUND", "Wrong authorization data")


def query_limit_exceeded() -> MethodError:
    """Return the error of a request over the leaky bucket's burst."""
    return MethodError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")


def operation_time_limit() -> MethodError:
    """Return the error of a method past its operating time limit."""
    return MethodError(
        429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit."
    )
