"""A fake monotonic clock whose sleep advances it, for pacing tests."""

from __future__ import annotations


class FakeClock:
    """Monotonic time that moves only when ``sleep`` is called."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
