"""Request rate (leaky bucket) and operating time limits."""

from __future__ import annotations

import time
from typing import Any

import httpx

from exchange.emulator.limits import LeakyBucket, OperatingTime
from tests.emulator.conftest import post_json

QUERY_LIMIT = {
    "error": "QUERY_LIMIT_EXCEEDED",
    "error_description": "Too many requests",
}


def test_burst_then_drain(emulator_factory: Any, http: httpx.Client) -> None:
    """With burst 50 the 51st quick request gets 503; 0.5 s later one passes."""
    emulator = emulator_factory(burst=50, requests_per_second=2.0)
    started = time.monotonic()
    statuses = [
        post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code
        for _ in range(50)
    ]
    rejected = post_json(http, emulator, "crm.deal.get", {"id": 101})
    elapsed = time.monotonic() - started
    assert elapsed < 0.5, (
        f"51 requests took {elapsed:.2f} s; the bucket drained meanwhile"
    )
    assert statuses == [200] * 50
    assert rejected.status_code == 503
    assert rejected.json() == QUERY_LIMIT
    time.sleep(0.55)
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 200
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 503


def test_batch_is_one_request(emulator_factory: Any, http: httpx.Client) -> None:
    """A batch of 50 commands takes one place in the bucket."""
    emulator = emulator_factory(burst=2, requests_per_second=0.01)
    cmd = {f"c{index}": "crm.deal.get?id=101" for index in range(50)}
    assert post_json(http, emulator, "batch", {"cmd": cmd}).status_code == 200
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 200
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 503


def test_set_limits_changes_bucket(emulator_factory: Any, http: httpx.Client) -> None:
    """set_limits applies a new burst to the running emulator."""
    emulator = emulator_factory()
    emulator.set_limits(requests_per_second=0.01, burst=1)
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 200
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 503


def test_leaky_bucket_drains_with_clock() -> None:
    """The bucket drains ``rate`` requests per second of the clock."""
    now = [0.0]
    bucket = LeakyBucket(2.0, 3, clock=lambda: now[0])
    assert [bucket.try_acquire("w") for _ in range(4)] == [True, True, True, False]
    now[0] = 0.49
    assert bucket.try_acquire("w") is False
    now[0] = 0.5
    assert bucket.try_acquire("w") is True
    assert bucket.try_acquire("other") is True


def test_operating_time_window() -> None:
    """Operating time blocks a method at the limit until its minute expires."""
    now = [1_000_020.0]
    operating = OperatingTime(1.0, 0.5, clock=lambda: now[0])
    operating.record("crm.deal.list")
    assert operating.is_blocked("crm.deal.list") is False
    operating.record("crm.deal.list")
    assert operating.is_blocked("crm.deal.list") is True
    assert operating.is_blocked("crm.deal.get") is False
    state = operating.state("crm.deal.list")
    assert state.used == 1.0
    assert state.reset_at == 1_000_020 // 60 * 60 + 600
    now[0] = state.reset_at
    assert operating.is_blocked("crm.deal.list") is False


def test_operating_limit_answers_429(emulator_factory: Any, http: httpx.Client) -> None:
    """A method past its operating time gets 429, but others still work."""
    emulator = emulator_factory(operating_limit_seconds=0.03, execution_seconds=0.01)
    times = [
        post_json(http, emulator, "crm.deal.get", {"id": 101}).json()["time"]
        for _ in range(3)
    ]
    assert [block["operating"] for block in times] == [0.01, 0.02, 0.03]
    blocked = post_json(http, emulator, "crm.deal.get", {"id": 101})
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "OPERATION_TIME_LIMIT"
    assert times[-1]["operating_reset_at"] > time.time()
    assert post_json(http, emulator, "crm.deal.list", {}).status_code == 200


def test_operating_limit_inside_batch(
    emulator_factory: Any, http: httpx.Client
) -> None:
    """Inside a batch each command counts for its own method."""
    emulator = emulator_factory(operating_limit_seconds=0.02, execution_seconds=0.01)
    cmd = {
        "a": "crm.deal.get?id=101",
        "b": "crm.deal.get?id=102",
        "c": "crm.deal.get?id=103",
        "d": "crm.deal.list?select[]=ID",
    }
    result = post_json(http, emulator, "batch", {"cmd": cmd}).json()["result"]
    assert set(result["result"]) == {"a", "b", "d"}
    assert result["result_error"]["c"]["error"] == "OPERATION_TIME_LIMIT"
