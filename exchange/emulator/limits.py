"""Request rate and operating time limits of a cloud portal.

The request rate is a leaky bucket per webhook: each request adds one to the
level, the level drains at a fixed rate, and a request that would lift it
past the burst size is rejected. Operating time is the simulated execution
time of each method summed over ten one-minute buckets; a method past the
limit is rejected until its oldest bucket leaves the window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 600
BUCKET_SECONDS = 60


class LeakyBucket:
    """Request counter that drains ``rate`` requests per second."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._levels: dict[str, tuple[float, float]] = {}
        self.configure(rate, burst)

    def configure(self, rate: float, burst: int) -> None:
        """Set the drain rate (requests per second) and the burst size."""
        if rate <= 0 or burst < 1:
            raise ValueError(
                f"rate must be positive and burst at least 1: {rate}, {burst}"
            )
        with self._lock:
            self.rate = rate
            self.burst = burst

    def try_acquire(self, key: str) -> bool:
        """Count one request for ``key``; False when the bucket is full."""
        with self._lock:
            now = self._clock()
            level, updated = self._levels.get(key, (0.0, now))
            level = max(0.0, level - (now - updated) * self.rate)
            if level + 1 > self.burst:
                self._levels[key] = (level, now)
                return False
            self._levels[key] = (level + 1, now)
            return True

    def reset(self) -> None:
        """Empty every bucket."""
        with self._lock:
            self._levels.clear()


@dataclass(frozen=True)
class OperatingState:
    """Operating time used by one method in the window, and when it resets."""

    used: float
    reset_at: int


class OperatingTime:
    """Simulated execution time per method over the last ten minutes."""

    def __init__(
        self,
        limit_seconds: float,
        execution_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit_seconds = limit_seconds
        self.execution_seconds = execution_seconds
        self.execution_by_method: dict[str, float] = {}
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, dict[int, float]] = {}

    def cost(self, method: str) -> float:
        """Return the simulated execution time of one call, in seconds."""
        return self.execution_by_method.get(method, self.execution_seconds)

    def state(self, method: str) -> OperatingState:
        """Return the time ``method`` used in the window and its reset time."""
        with self._lock:
            buckets = self._current_buckets(method)
            if not buckets:
                return OperatingState(0.0, int(self._clock()) + WINDOW_SECONDS)
            oldest = min(buckets)
            reset_at = oldest * BUCKET_SECONDS + WINDOW_SECONDS
            return OperatingState(sum(buckets.values()), reset_at)

    def is_blocked(self, method: str) -> bool:
        """Tell whether ``method`` has reached its operating time limit."""
        return self.state(method).used >= self.limit_seconds

    def record(self, method: str) -> None:
        """Add one call's simulated execution time to ``method``."""
        with self._lock:
            buckets = self._current_buckets(method)
            minute = int(self._clock()) // BUCKET_SECONDS
            buckets[minute] = buckets.get(minute, 0.0) + self.cost(method)

    def reset(self) -> None:
        """Forget all recorded operating time."""
        with self._lock:
            self._buckets.clear()

    def _current_buckets(self, method: str) -> dict[int, float]:
        buckets = self._buckets.setdefault(method, {})
        first_minute = int(self._clock()) // BUCKET_SECONDS - (
            WINDOW_SECONDS // BUCKET_SECONDS - 1
        )
        for minute in [minute for minute in buckets if minute < first_minute]:
            del buckets[minute]
        return buckets
