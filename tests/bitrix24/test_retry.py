"""Backoff delays and operating-time waits of the retry policy."""

from __future__ import annotations

import random

import pytest

from exchange.bitrix24.retry import RetryPolicy


def test_backoff_is_full_jitter_under_a_growing_ceiling() -> None:
    """Attempt n waits between 0 and min(max, base * 2**(n-1)) seconds."""
    policy = RetryPolicy(backoff_base=0.5, backoff_max=3.0, rng=random.Random(7))
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)]:
        delays = [policy.backoff(attempt) for _ in range(300)]
        assert min(delays) >= 0.0
        assert max(delays) <= ceiling
        # Full jitter spreads over the whole range, not only near the ceiling.
        assert min(delays) < 0.1 * ceiling
        assert max(delays) > 0.9 * ceiling


def test_reset_wait_until_reset_time() -> None:
    """A known future reset time gives the seconds left until it."""
    policy = RetryPolicy(reset_wait_default=60.0)
    assert policy.reset_wait(1_700_000_030.0, 1_700_000_000.0) == pytest.approx(30.0)


@pytest.mark.parametrize("reset_at", [None, 1_699_999_990.0])
def test_reset_wait_default(reset_at: float | None) -> None:
    """An unknown or past reset time gives the configured default wait."""
    policy = RetryPolicy(reset_wait_default=7.0)
    assert policy.reset_wait(reset_at, 1_700_000_000.0) == 7.0


def test_max_attempts_below_one_is_rejected() -> None:
    """A policy without a single attempt raises ValueError."""
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
