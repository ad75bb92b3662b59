"""Periodic tasks of the daemon, with exponential backoff after failures."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# Delays after consecutive failures: 5 s, 10 s, 20 s, ... up to 5 minutes.
FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 300.0


class Outcome(enum.Enum):
    """How one run of a task ended, which decides when it runs next."""

    DONE = "done"
    """Finished; run again after the task's interval."""
    SOON = "soon"
    """Finished, but files are still being written; poll again shortly."""
    MORE = "more"
    """Finished a batch and more work is ready; run again at once."""
    FAILED = "failed"
    """A portal or folder was unavailable; retry after the backoff delay."""


@dataclass
class Backoff:
    """Exponential delays between retries, in seconds."""

    first: float = FIRST_RETRY_SECONDS
    cap: float = MAX_RETRY_SECONDS
    failures: int = 0

    def next_delay(self) -> float:
        """Count one more failure and return the delay before the next try."""
        delay = min(self.cap, self.first * 2.0**self.failures)
        self.failures += 1
        return delay

    def reset(self) -> None:
        """Forget earlier failures after a success."""
        self.failures = 0


@dataclass
class PeriodicTask:
    """A named action run every ``interval`` seconds of a monotonic clock.

    ``soon`` is the delay used after ``Outcome.SOON``. The first run is due at
    once. Any exception of the action other than those in ``passes`` is
    logged with its traceback and counts as ``Outcome.FAILED``.
    """

    name: str
    interval: float
    action: Callable[[], Outcome]
    soon: float = 1.0
    due_at: float = 0.0
    backoff: Backoff = field(default_factory=Backoff)
    passes: tuple[type[Exception], ...] = ()
    """Exceptions passed to the caller instead of counting as a failure."""
    stopping: Callable[[], bool] = lambda: False
    """Tells whether the service is stopping, so that no retry is announced."""

    def is_due(self, now: float) -> bool:
        """Tell whether the task should run at ``now``."""
        return now >= self.due_at

    def run(self, now: float, clock: Callable[[], float] | None = None) -> Outcome:
        """Run the action once and schedule the next run.

        The next run is counted from the end of this one when ``clock`` is
        given, else from ``now``, so that "retrying in 10 s", logged at the
        end, means 10 s from the log line.
        """
        try:
            outcome = self.action()
        except self.passes:
            raise
        except Exception:
            # A bug in one task must not end the service or spin the loop.
            log.exception("%s failed unexpectedly", self.name)
            outcome = Outcome.FAILED
        if clock is not None:
            now = clock()
        if outcome is Outcome.FAILED:
            delay = self.backoff.next_delay()
            if self.stopping():
                log.warning(
                    "%s failed; not retried, as the service is stopping", self.name
                )
            else:
                log.warning(
                    "%s failed (%d in a row); retrying in %.0f s",
                    self.name,
                    self.backoff.failures,
                    delay,
                )
            self.due_at = now + delay
            return outcome
        if self.backoff.failures:
            log.info(
                "%s succeeded again after %d failures", self.name, self.backoff.failures
            )
            self.backoff.reset()
        if outcome is Outcome.MORE:
            self.due_at = now
        elif outcome is Outcome.SOON:
            self.due_at = now + min(self.soon, self.interval)
        else:
            self.due_at = now + self.interval
        return outcome

    def hurry(self, at: float) -> None:
        """Make the task due by ``at``, unless it waits out a backoff delay."""
        if not self.backoff.failures:
            self.due_at = min(self.due_at, at)
