"""Client-side pacing that keeps requests inside the portal's rate limit.

The portal counts requests in a leaky bucket per portal and source address:
a burst of ``burst`` requests passes at once, then the bucket drains
``rate`` requests per second (ordinary plans: 50 and 2/s). ``LeakyBucket``
runs the same bucket on the client, as the generic cell rate algorithm, so
that a run never meets 503 QUERY_LIMIT_EXCEEDED in the first place.

The client's bucket stays ``headroom`` requests below the portal's burst.
Requests reach the portal later than they leave the client, and not all by
the same delay (the first one also opens the connection), so a client paced
exactly at the limit overflows the portal's bucket now and then. One
request of headroom absorbs differences up to one drain interval.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class LeakyBucket:
    """Pace calls to ``acquire`` to ``rate`` per second after a burst.

    The burst that passes at once is ``burst - headroom`` requests, but at
    least one.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        headroom: int = 1,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        if headroom < 0:
            raise ValueError(f"headroom must not be negative, got {headroom}")
        self.burst = max(1, burst - headroom)
        """Requests that pass at once from an empty bucket."""
        self._interval = 1.0 / rate
        self._tolerance = (self.burst - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        # Theoretical arrival time: when the bucket would be empty again.
        self._empty_at: float | None = None

    def acquire(self) -> float:
        """Wait until one more request fits in the bucket; return the wait."""
        with self._lock:
            now = self._clock()
            empty_at = now if self._empty_at is None else max(self._empty_at, now)
            wait = empty_at - self._tolerance - now
            self._empty_at = empty_at + self._interval
        # Waits below a microsecond are rounding errors of the float sums.
        if wait > 1e-6:
            self._sleep(wait)
            return wait
        return 0.0

    def fill(self) -> None:
        """Treat the bucket as full, after the portal reported it full."""
        with self._lock:
            now = self._clock()
            full_at = now + self._tolerance + self._interval
            self._empty_at = (
                full_at if self._empty_at is None else max(self._empty_at, full_at)
            )
