"""Periodic tasks: when the next run is due after a slow one."""

from __future__ import annotations

import pytest

from exchange.service.scheduler import FIRST_RETRY_SECONDS, Outcome, PeriodicTask


class SlowClock:
    """A monotonic clock that a slow action moves forward."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("outcome", "due_after_end"),
    [(Outcome.FAILED, FIRST_RETRY_SECONDS), (Outcome.DONE, 60.0)],
)
def test_next_run_counted_from_end(outcome: Outcome, due_after_end: float) -> None:
    """After a run that took 3 s, the retry delay or interval starts at its end."""
    clock = SlowClock(100.0)

    def slow_action() -> Outcome:
        clock.now += 3.0
        return outcome

    task = PeriodicTask("inbox scan", 60.0, slow_action)

    assert task.run(100.0, clock) is outcome

    assert task.due_at == 103.0 + due_after_end


@pytest.mark.parametrize(
    ("stopping", "expected"),
    [
        (False, "inbox scan failed (1 in a row); retrying in"),
        (True, "inbox scan failed; not retried, as the service is stopping"),
    ],
)
def test_failure_logged_by_stop_state(
    stopping: bool, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure announces a retry, unless the service is stopping."""
    task = PeriodicTask(
        "inbox scan", 60.0, lambda: Outcome.FAILED, stopping=lambda: stopping
    )

    task.run(100.0)

    assert expected in caplog.text
    assert ("retrying in" in caplog.text) is not stopping
