"""The table that turns portal error codes and statuses into error classes."""

from __future__ import annotations

import pytest

from exchange.bitrix24.errors import (
    AccessDenied,
    Action,
    Bitrix24Error,
    CommandError,
    PortalUnavailable,
    classify,
)
from exchange.errors import EXIT_UNAVAILABLE, ExchangeError


@pytest.mark.parametrize(
    ("code", "status", "error_class", "action"),
    [
        ("QUERY_LIMIT_EXCEEDED", 503, Bitrix24Error, Action.BACKOFF),
        ("OVERLOAD_LIMIT", 503, AccessDenied, Action.STOP),
        ("OPERATION_TIME_LIMIT", 429, Bitrix24Error, Action.WAIT_RESET),
        ("", 429, Bitrix24Error, Action.WAIT_RESET),
        ("NO_AUTH_FOUND", 401, AccessDenied, Action.STOP),
        ("expired_token", 401, AccessDenied, Action.STOP),
        ("insufficient_scope", 403, AccessDenied, Action.STOP),
        ("ACCESS_DENIED", 403, AccessDenied, Action.STOP),
        ("", 401, AccessDenied, Action.STOP),
        (0, 403, AccessDenied, Action.STOP),
        ("", 400, Bitrix24Error, Action.RAISE),
        ("ERROR_CORE", 400, Bitrix24Error, Action.RAISE),
        ("ERROR_METHOD_NOT_FOUND", 404, Bitrix24Error, Action.RAISE),
        ("", 500, Bitrix24Error, Action.BACKOFF),
        ("", 502, Bitrix24Error, Action.BACKOFF),
        ("", 504, Bitrix24Error, Action.BACKOFF),
        ("SOMETHING_NEW", 507, Bitrix24Error, Action.BACKOFF),
        ("SOMETHING_NEW", 418, Bitrix24Error, Action.RAISE),
    ],
)
def test_classification(
    code: object, status: int, error_class: type[Bitrix24Error], action: Action
) -> None:
    """Each code and status maps to the class and action the portal's docs imply."""
    rule = classify(code, status)
    assert rule.error_class is error_class
    assert rule.action is action


def test_stopping_errors_exit_with_code_3() -> None:
    """Refused access and an unreachable portal exit with code 3."""
    assert AccessDenied("x").exit_code == EXIT_UNAVAILABLE
    assert PortalUnavailable("x").exit_code == EXIT_UNAVAILABLE


def test_portal_unavailable_is_transient() -> None:
    """An unreachable portal may recover, so the error is transient."""
    assert PortalUnavailable("x").transient is True
    assert AccessDenied("x").transient is False
    assert isinstance(PortalUnavailable("x"), ExchangeError)


def test_transient_flag_can_be_set_per_error() -> None:
    """A Bitrix24Error built with transient=True reports it."""
    assert Bitrix24Error("x", transient=True).transient is True
    assert Bitrix24Error("x").transient is False


@pytest.mark.parametrize(
    ("code", "description", "not_found"),
    [
        ("", "Not found", True),
        ("", "Company is not found", True),
        ("", "Contact is not found", True),
        ("", "ID is not defined or invalid.", False),
        ("ERROR_CORE", "Field is required", False),
    ],
)
def test_command_error_not_found(code: str, description: str, not_found: bool) -> None:
    """A command error is 'not found' exactly for the portal's missing-entity texts."""
    error = CommandError("d1", "crm.deal.update", code, description)
    assert error.not_found is not_found
    assert error.transient is False


def test_command_error_operating_time_is_transient() -> None:
    """A command refused for operating time may succeed later."""
    error = CommandError("d1", "crm.deal.list", "OPERATION_TIME_LIMIT", "limit")
    assert error.transient is True
