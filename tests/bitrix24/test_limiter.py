"""Client-side leaky bucket pacing."""

from __future__ import annotations

import pytest

from exchange.bitrix24.limiter import LeakyBucket
from tests.bitrix24.fakes import FakeClock


def test_burst_passes_then_one_per_interval() -> None:
    """From a fresh bucket burst - 1 requests pass, then one per 1/rate."""
    clock = FakeClock()
    bucket = LeakyBucket(2.0, 50, clock=clock, sleep=clock.sleep)
    start = clock.now
    waits = [bucket.acquire() for _ in range(60)]
    assert waits[:49] == [0.0] * 49
    assert waits[49:] == pytest.approx([0.5] * 11)
    assert clock.now - start == pytest.approx(5.5)


def test_without_headroom_the_whole_burst_passes() -> None:
    """With headroom 0 the client's burst equals the portal's."""
    clock = FakeClock()
    bucket = LeakyBucket(2.0, 50, clock=clock, sleep=clock.sleep, headroom=0)
    waits = [bucket.acquire() for _ in range(52)]
    assert waits[:50] == [0.0] * 50
    assert waits[50:] == pytest.approx([0.5, 0.5])


def test_idle_time_refills_the_bucket() -> None:
    """After the bucket drains while idle, a new burst passes without waiting."""
    clock = FakeClock()
    bucket = LeakyBucket(5.0, 4, clock=clock, sleep=clock.sleep)
    for _ in range(6):
        bucket.acquire()
    clock.now += 10.0
    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.acquire() == pytest.approx(0.2)


def test_fill_makes_the_next_request_wait() -> None:
    """After the portal reports the bucket full, the next request waits 1/rate."""
    clock = FakeClock()
    bucket = LeakyBucket(2.0, 50, clock=clock, sleep=clock.sleep)
    bucket.acquire()
    bucket.fill()
    assert bucket.acquire() == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("rate", "burst", "headroom"),
    [(0.0, 5, 1), (-1.0, 5, 1), (2.0, 0, 1), (2.0, 5, -1)],
)
def test_invalid_settings_are_rejected(rate: float, burst: int, headroom: int) -> None:
    """A rate that is not positive, a burst below 1 or a negative headroom raises."""
    clock = FakeClock()
    with pytest.raises(ValueError, match="must"):
        LeakyBucket(rate, burst, clock=clock, sleep=clock.sleep, headroom=headroom)


def test_burst_of_one_keeps_one_request() -> None:
    """A portal burst of 1 still lets one request pass at once."""
    clock = FakeClock()
    bucket = LeakyBucket(2.0, 1, clock=clock, sleep=clock.sleep)
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(0.5)
