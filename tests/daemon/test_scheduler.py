"""Periodic tasks: when the next run is due after a slow one."""

from __future__ import annotations

from exchange.service.scheduler import FIRST_RETRY_SECONDS, Outcome, PeriodicTask


class SlowClock:
    """A monotonic clock that a slow action moves forward."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_retry_counted_from_end_of_run() -> None:
    """A failed run that took 3 s is retried the backoff delay after it ended."""
    clock = SlowClock(100.0)

    def slow_failure() -> Outcome:
        clock.now += 3.0
        return Outcome.FAILED

    task = PeriodicTask("inbox scan", 60.0, slow_failure)

    assert task.run(100.0, clock) is Outcome.FAILED

    assert task.due_at == 103.0 + FIRST_RETRY_SECONDS


def test_interval_counted_from_end_of_run() -> None:
    """A run that took 3 s is due again a whole interval after it ended."""
    clock = SlowClock(100.0)

    def slow_success() -> Outcome:
        clock.now += 3.0
        return Outcome.DONE

    task = PeriodicTask("inbox scan", 60.0, slow_success)

    assert task.run(100.0, clock) is Outcome.DONE

    assert task.due_at == 163.0
