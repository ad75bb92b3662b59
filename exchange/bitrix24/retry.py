"""Bounds and delays of the transport's retries."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long the transport retries a failing request.

    Backoff delays use full jitter: attempt ``n`` waits a uniform random time
    between 0 and ``min(backoff_max, backoff_base * 2 ** (n - 1))`` seconds.
    ``max_attempts`` counts every attempt, the first included, and
    ``max_retry_seconds`` bounds the time from the first attempt to the
    start of the last one.
    """

    max_attempts: int = 6
    max_retry_seconds: float = 120.0
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    reset_wait_default: float = 60.0
    """Wait after 429 OPERATION_TIME_LIMIT when the reset time is unknown."""
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(
                f"max_attempts must be at least 1, got {self.max_attempts}"
            )
        if self.max_retry_seconds < 0 or self.backoff_base < 0:
            raise ValueError("retry times must not be negative")

    def backoff(self, attempt: int) -> float:
        """Return the delay before retrying after failed attempt ``attempt``."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return self.rng.uniform(0.0, ceiling)

    def reset_wait(self, reset_at: float | None, now: float) -> float:
        """Return the wait until an operating-time reset at wall time ``reset_at``.

        A reset time that is unknown or already past (a stale value from an
        earlier response) gives ``reset_wait_default``.
        """
        if reset_at is None or reset_at <= now:
            return self.reset_wait_default
        return max(0.0, reset_at - now)
