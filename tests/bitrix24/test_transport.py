"""Transport against the emulator over HTTP: retries, stops, pacing, secrets."""

from __future__ import annotations

import logging
import time

import pytest

from exchange.bitrix24 import (
    AccessDenied,
    Bitrix24Error,
    PortalMoved,
    PortalUnavailable,
)
from exchange.emulator import Emulator
from exchange.errors import EXIT_UNAVAILABLE
from tests.bitrix24.conftest import ClientFactory
from tests.fixtures.emulator import EmulatorFactory

SECRET = "emulatorsecret0123"


class SleepRecorder:
    """A sleep that records the delays and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def test_query_limit_exceeded_is_retried(
    emulator: Emulator, client_factory: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """503 QUERY_LIMIT_EXCEEDED is retried with a warning naming the attempt."""
    emulator.faults.add(
        status=503, error="QUERY_LIMIT_EXCEEDED", description="Too many requests"
    )
    client = client_factory(emulator.webhook_url)
    with caplog.at_level(logging.WARNING, logger="exchange.bitrix24"):
        response = client.call("crm.deal.get", {"id": 101})
    assert response.result["ID"] == "101"
    assert client.requests_sent == 2
    assert emulator.stats.requests == 2
    assert "QUERY_LIMIT_EXCEEDED" in caplog.text
    assert "retry 1 of 5" in caplog.text


@pytest.mark.parametrize("status", [500, 502, 504])
def test_gateway_html_errors_are_retried(
    emulator: Emulator, client_factory: ClientFactory, status: int
) -> None:
    """An HTML gateway page with a 5xx status is retried until the call succeeds."""
    emulator.faults.add(status=status, times=2)
    client = client_factory(emulator.webhook_url)
    assert client.call("crm.deal.get", {"id": 102}).result["ID"] == "102"
    assert client.requests_sent == 3


def test_dropped_connection_is_retried(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """A connection closed without a response is retried."""
    emulator.faults.add(drop=True)
    client = client_factory(emulator.webhook_url)
    assert client.call("crm.deal.get", {"id": 103}).result["ID"] == "103"
    assert client.requests_sent == 2


def test_timeout_is_retried(emulator: Emulator, client_factory: ClientFactory) -> None:
    """A response slower than the timeout is abandoned and the call retried."""
    emulator.faults.add(delay=1.5)
    client = client_factory(emulator.webhook_url, timeout=0.3)
    assert client.call("crm.deal.get", {"id": 104}).result["ID"] == "104"
    assert client.requests_sent == 2


def test_overload_limit_stops_at_once(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """503 OVERLOAD_LIMIT raises AccessDenied without a retry."""
    emulator.faults.add(
        status=503, error="OVERLOAD_LIMIT", description="blocked", times=3
    )
    client = client_factory(emulator.webhook_url)
    with pytest.raises(AccessDenied) as info:
        client.call("crm.deal.get", {"id": 101})
    assert client.requests_sent == 1
    assert info.value.exit_code == EXIT_UNAVAILABLE
    assert info.value.code == "OVERLOAD_LIMIT"
    assert "administrators" in str(info.value)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (401, "NO_AUTH_FOUND"),
        (401, "expired_token"),
        (403, "insufficient_scope"),
        (403, "ACCESS_DENIED"),
    ],
)
def test_auth_errors_stop_at_once(
    emulator: Emulator, client_factory: ClientFactory, status: int, code: str
) -> None:
    """401 and 403 responses raise AccessDenied after one request."""
    emulator.faults.add(status=status, error=code, description="denied", times=3)
    client = client_factory(emulator.webhook_url)
    with pytest.raises(AccessDenied) as info:
        client.call("crm.deal.get", {"id": 101})
    assert client.requests_sent == 1
    assert info.value.http_status == status
    assert info.value.transient is False


def test_wrong_webhook_code_is_access_denied(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """A webhook URL with a wrong code is refused with AccessDenied."""
    wrong = emulator.webhook_url.replace(SECRET, "wrongcode")
    client = client_factory(wrong)
    with pytest.raises(AccessDenied, match="crm permission"):
        client.call("crm.deal.get", {"id": 101})


def test_operation_time_limit_waits_until_reset(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """429 waits until the operating_reset_at of the method's last response."""
    sleep = SleepRecorder()
    client = client_factory(emulator.webhook_url, sleep=sleep)
    first = client.call("crm.deal.get", {"id": 101})
    reset_at = first.time.operating_reset_at
    assert reset_at is not None

    emulator.faults.add(
        method="crm.deal.get",
        status=429,
        error="OPERATION_TIME_LIMIT",
        description="Method is blocked due to operation time limit.",
    )
    client._transport._wall_clock = lambda: reset_at - 2.5
    assert client.call("crm.deal.get", {"id": 102}).result["ID"] == "102"
    assert sleep.delays == [pytest.approx(2.5)]


def test_operation_time_limit_without_reset_uses_default(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """429 for a method without a known reset time waits the default time."""
    sleep = SleepRecorder()
    client = client_factory(emulator.webhook_url, sleep=sleep, reset_wait_default=0.25)
    emulator.faults.add(status=429, error="OPERATION_TIME_LIMIT", description="limit")
    client.call("crm.deal.get", {"id": 101})
    assert sleep.delays == [0.25]


def test_outage_raises_portal_unavailable(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """A portal that keeps failing raises PortalUnavailable after max_attempts."""
    emulator.faults.outage(on=True)
    client = client_factory(emulator.webhook_url, max_attempts=4)
    with pytest.raises(PortalUnavailable) as info:
        client.call("crm.deal.get", {"id": 101})
    assert client.requests_sent == 4
    assert info.value.transient is True
    assert info.value.exit_code == EXIT_UNAVAILABLE
    assert "after 4 attempt(s)" in str(info.value)


def test_unreachable_portal_raises_portal_unavailable(
    client_factory: ClientFactory,
) -> None:
    """A refused connection is retried, then raises PortalUnavailable."""
    client = client_factory(f"http://127.0.0.1:9/rest/1/{SECRET}/", max_attempts=2)
    with pytest.raises(PortalUnavailable, match="connection failed"):
        client.call("profile")
    assert client.requests_sent == 2


def test_retry_time_limit_ends_retries(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """Retries stop when the next delay would pass max_retry_seconds."""
    emulator.faults.outage(on=True)
    sleep = SleepRecorder()
    client = client_factory(
        emulator.webhook_url,
        sleep=sleep,
        backoff_base=100.0,
        backoff_max=100.0,
        max_retry_seconds=0.001,
        max_attempts=10,
    )
    with pytest.raises(PortalUnavailable, match="retry time limit"):
        client.call("crm.deal.get", {"id": 101})
    assert sleep.delays == []


def test_not_found_is_raised_without_retry(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """A 400 'Not found' for a single call raises Bitrix24Error after one request."""
    client = client_factory(emulator.webhook_url)
    with pytest.raises(Bitrix24Error) as info:
        client.call("crm.deal.update", {"id": 999999, "fields": {"TITLE": "x"}})
    assert not isinstance(info.value, AccessDenied | PortalUnavailable)
    assert info.value.http_status == 400
    assert info.value.description == "Not found"
    assert info.value.method == "crm.deal.update"
    assert client.requests_sent == 1


def test_redirect_is_reported_not_followed(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """A redirect raises PortalMoved telling to update the webhook URL."""
    emulator.faults.add(status=302, error="", description="moved")
    client = client_factory(emulator.webhook_url)
    with pytest.raises(PortalMoved, match="renamed") as info:
        client.call("crm.deal.get", {"id": 101})
    assert info.value.exit_code == EXIT_UNAVAILABLE
    assert client.requests_sent == 1


def test_secret_never_in_logs_or_errors(
    emulator: Emulator, client_factory: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The webhook code appears in no log line, error message or repr."""
    caplog.set_level(logging.DEBUG)
    client = client_factory(emulator.webhook_url, max_attempts=2)
    # Lowered after the client was made, so httpx logs and the filter must scrub.
    caplog.set_level(logging.DEBUG, logger="httpx")
    client.call("crm.deal.get", {"id": 101})
    emulator.faults.outage(on=True)
    with pytest.raises(PortalUnavailable) as unavailable:
        client.call("crm.deal.get", {"id": 101})
    emulator.faults.clear()
    emulator.faults.add(status=401, error="NO_AUTH_FOUND", description="bad code")
    with pytest.raises(AccessDenied) as denied:
        client.call("crm.deal.get", {"id": 101})

    assert "HTTP Request" in caplog.text
    assert "/rest/1/***/" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in str(unavailable.value)
    assert SECRET not in str(denied.value)
    assert SECRET not in repr(client)
    assert "/rest/1/***/" in repr(client)


def test_pacing_of_a_fresh_bucket(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """N requests take (N - burst + 1) / rate seconds and never meet the limit."""
    emulator = emulator_factory(requests_per_second=20.0, burst=5)
    client = client_factory(
        emulator.webhook_url, requests_per_second=20.0, burst=5, max_attempts=1
    )
    started = time.monotonic()
    for _ in range(15):
        client.call("crm.deal.get", {"id": 101})
    elapsed = time.monotonic() - started
    least = (15 - 5 + 1) / 20.0
    assert elapsed >= least - 0.01
    assert elapsed < least + 0.3
    assert emulator.stats.requests == 15


def test_operating_time_warning_once(
    emulator: Emulator, client_factory: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A method past 80% of 480 s of operating time logs one warning, not one a call."""
    emulator.set_operating(
        limit_seconds=10_000, execution_seconds=400, method="crm.deal.get"
    )
    client = client_factory(emulator.webhook_url)
    with caplog.at_level(logging.WARNING, logger="exchange.bitrix24"):
        client.call("crm.deal.get", {"id": 101})
        client.batch({"get": ("crm.deal.get", {"id": 102})})
        client.call("crm.deal.get", {"id": 103})
    warnings = [r for r in caplog.records if "operating time" in r.getMessage()]
    assert len(warnings) == 1
    assert "crm.deal.get used 400 s" in warnings[0].getMessage()
    assert client._transport.operating["crm.deal.get"].operating == pytest.approx(1200)
