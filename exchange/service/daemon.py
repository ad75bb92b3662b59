"""``exchange run`` without ``--once``: the long-running service.

One process and one loop in the main thread. The loop scans the inbox at
start, on every watcher hint and every ``[inbox] rescan_seconds``; retries
pending orders every ``[orders] retry_pending_seconds``; runs the
counterparty export every ``[counterparties] export_interval_seconds``;
writes the journal's daily chain head and applies archive retention. The
watcher only wakes the loop early: the scans are the source of truth.

The deal fields and list items are read again before a portal task when
``[bitrix24] fields_refresh_seconds`` has passed since the last read, and
sooner when a run found them changed: a deal holding a list item that the
last read did not list, or an update rejected with a configured field code
in its error.

A portal or folder that is unavailable does not stop the daemon: the task
that met it is retried with exponential backoff. Only a configuration
error (exit code 2) or another instance holding the lock (exit code 3)
ends it; SIGTERM and SIGINT end it with exit code 0 after the current file.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from exchange import __version__
from exchange.archive.retention import prune
from exchange.bitrix24.errors import Bitrix24Error, describe_portal_failure
from exchange.config import Settings
from exchange.counterparties.events import EventListener
from exchange.errors import (
    EXIT_ATTENTION,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    ConfigError,
    ExchangeError,
    LockedError,
)
from exchange.service.batches import DaemonRuntime
from exchange.service.fields_watch import FieldsRefresh, WatchedPortProvider
from exchange.service.hints import InboxHints
from exchange.service.progress import BacklogProgress
from exchange.service.run_once import (
    RunReport,
    export_counterparties,
    process_inbox,
    retry_pending,
)
from exchange.service.scheduler import Outcome, PeriodicTask
from exchange.service.signals import SecondSignal, stop_on_signals

log = logging.getLogger(__name__)

HEAD_CHECK_SECONDS = 3600.0
RETENTION_SECONDS = 24 * 3600.0
EVENT_DEBOUNCE_SECONDS = 0.5


class Daemon:
    """The loop of ``exchange run``; ``run`` returns the exit code."""

    def __init__(
        self,
        runtime: DaemonRuntime,
        stop: threading.Event,
        *,
        wake: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.stop = stop
        self.wake = wake or threading.Event()
        self.clock = clock
        self.files_processed = 0
        self.hints = InboxHints(
            self.settings,
            self.wake,
            self._file_complete,
            clock,
        )
        self.fields = FieldsRefresh(
            runtime, self.settings.bitrix24.fields_refresh_seconds, clock
        )
        inbox = self.settings.inbox
        self.inbox_task = _task(
            "inbox scan",
            inbox.rescan_seconds,
            self.scan_inbox,
            soon=_settle_poll_seconds(inbox.settle_seconds),
        )
        self.tasks = [
            self.inbox_task,
            _task(
                "pending orders retry",
                self.settings.orders.retry_pending_seconds,
                self.retry_pending_orders,
            ),
        ]
        self.export_task: PeriodicTask | None = None
        if self.settings.counterparties.trigger_field:
            self.export_task = _task(
                "counterparty export",
                self.settings.counterparties.export_interval_seconds,
                self.export,
            )
            self.tasks.append(self.export_task)
        self.tasks.append(
            _task("journal chain head", HEAD_CHECK_SECONDS, self.write_head)
        )
        if self.settings.archive.retention_days > 0:
            self.tasks.append(
                _task("archive retention", RETENTION_SECONDS, self.apply_retention)
            )
        for task in self.tasks:
            task.stopping = self.stop.is_set

    # The loop

    def run(self) -> int:
        """Run until a stop request; return the exit code."""
        if not self.check_configuration():
            return EXIT_USAGE
        try:
            listener = self.start_event_listener()
        except ConfigError as exc:
            log.error("configuration error, not starting: %s", exc)
            return EXIT_USAGE
        self.hints.start()
        try:
            return self._loop()
        finally:
            if listener is not None:
                listener.stop()
            self.hints.stop()

    def _loop(self) -> int:
        while not self.stop.is_set():
            now = self.clock()
            if self.hints.take():
                self.inbox_task.hurry(now)
            for task in self.tasks:
                if self.stop.is_set():
                    break
                if task.is_due(now):
                    try:
                        task.run(now, self.clock)
                    except ConfigError as exc:
                        log.error("configuration error, stopping: %s", exc)
                        return EXIT_USAGE
                    now = self.clock()
            self.hints.supervise(now)
            if self.stop.is_set():
                break
            delay = min(task.due_at for task in self.tasks) - self.clock()
            if delay > 0:
                self.runtime.journal.index_pending()
                self.wake.wait(delay)
                self.wake.clear()
        return EXIT_OK

    def request_export(self, entity: str, b24_id: int) -> None:
        """Run the counterparty export soon; called by the event listener.

        The export runs in the loop's thread, as an ordinary export run,
        ``EVENT_DEBOUNCE_SECONDS`` after the event so that a burst of events
        (a deal and its company changed together) leads to one run.
        """
        log.debug("Bitrix24 event for %s %d; exporting soon", entity, b24_id)
        if self.export_task is not None:
            self.export_task.hurry(self.clock() + EVENT_DEBOUNCE_SECONDS)
            self.wake.set()

    def _file_complete(self, name: str) -> None:
        # Runs in the observer's thread, on a hint from a renamed file.
        self.runtime.batched_source.mark_complete(name)

    # Tasks

    def check_configuration(self) -> bool:
        """Check the settings that need no portal; log and return False if bad."""
        try:
            _ = self.runtime.client
            _ = self.runtime.source
            _ = self.runtime.target
        except ConfigError as exc:
            log.error("configuration error, not starting: %s", exc)
            return False
        except ExchangeError as exc:
            # An unreachable SFTP server or folder is retried by the scans.
            log.error("%s; retrying with backoff", exc)
        try:
            _ = self.runtime.deal_fields
            self.fields.mark_read()
        except ConfigError as exc:
            log.error("configuration error, not starting: %s", exc)
            return False
        except Bitrix24Error as exc:
            log.error(
                "%s. The service keeps running and reads the deal fields again "
                "for the first file or retry.",
                describe_portal_failure(exc, "at start"),
            )
        return True

    def scan_inbox(self) -> Outcome:
        """Process one batch of complete inbox files."""
        self.fields.refresh()
        report = RunReport()
        provider = WatchedPortProvider(self.runtime, self.fields.changed)
        process_inbox(self.runtime, provider, report, wait=False)
        self.files_processed += len(report.files)
        source = self.runtime.batched_source
        if report.exit_code == EXIT_USAGE:
            raise ConfigError("; ".join(report.problems) or "see the errors above")
        if report.exit_code >= EXIT_UNAVAILABLE or provider.unavailable is not None:
            reason = provider.unavailable or "; ".join(report.problems)
            log.warning("inbox scan stopped: %s", reason or "see the errors above")
            return Outcome.FAILED
        if source.more_ready:
            return Outcome.MORE
        if source.waiting:
            return Outcome.SOON
        return Outcome.DONE

    def retry_pending_orders(self) -> Outcome:
        """Evaluate pending orders again and deliver follow-up receipts."""
        self.fields.refresh()
        report = RunReport()
        provider = WatchedPortProvider(self.runtime, self.fields.changed)
        try:
            retry_pending(self.runtime, provider, report, should_stop=self.stop.is_set)
        except ConfigError:
            raise
        except ExchangeError as exc:
            log.error("retrying pending orders failed: %s", exc)
            return Outcome.FAILED
        if report.exit_code >= EXIT_UNAVAILABLE or provider.unavailable is not None:
            reason = provider.unavailable or "; ".join(report.problems)
            log.warning(
                "pending orders retry stopped: %s", reason or "see the errors above"
            )
            return Outcome.FAILED
        return Outcome.DONE

    def export(self) -> Outcome:
        """Run the counterparty export."""
        report = RunReport()
        try:
            export_counterparties(self.runtime, report)
            self.runtime.outbox.deliver()
        except ConfigError:
            raise
        except ExchangeError as exc:
            log.error("the counterparty export failed: %s", exc)
            return Outcome.FAILED
        if report.exit_code >= EXIT_UNAVAILABLE:
            return Outcome.FAILED
        if report.exported:
            log.info("counterparty export wrote %s", report.exported)
        return Outcome.DONE

    def write_head(self) -> Outcome:
        """Write today's chain head of the journal once a day."""
        try:
            self.runtime.journal.write_head(self.settings.paths.archive, daily=True)
        except OSError as exc:
            log.error("writing the journal chain head failed: %s", exc)
            return Outcome.FAILED
        return Outcome.DONE

    def apply_retention(self) -> Outcome:
        """Remove archived files older than ``[archive] retention_days``."""
        try:
            prune(
                self.runtime.conn,
                self.runtime.archive,
                self.settings.archive.retention_days,
                datetime.now(UTC),
            )
        except OSError as exc:
            log.error("archive retention failed: %s", exc)
            return Outcome.FAILED
        return Outcome.DONE

    def start_event_listener(self) -> EventListener | None:
        """Listen for Bitrix24 events when ``[events] enabled`` is set."""
        events = self.settings.events
        if not events.enabled:
            return None
        if self.export_task is None:
            log.warning(
                "[events] enabled is set but [counterparties] trigger_field is "
                "empty, so events trigger nothing; not listening"
            )
            return None
        listener = EventListener(
            events.host,
            events.port,
            events.application_token.get_secret_value(),
            self.request_export,
        )
        try:
            listener.start()
        except OSError as exc:
            log.error(
                "listening for Bitrix24 events on %s:%d failed: %s; the export "
                "runs on its interval only",
                events.host,
                events.port,
                exc,
            )
            return None
        return listener


def _task(
    name: str, interval: float, action: Callable[[], Outcome], *, soon: float = 1.0
) -> PeriodicTask:
    # A configuration error ends the daemon instead of being retried.
    return PeriodicTask(name, interval, action, soon=soon, passes=(ConfigError,))


def _settle_poll_seconds(settle_seconds: float) -> float:
    """Return how often to poll while a file is still being written."""
    return max(0.1, min(1.0, settle_seconds / 4))


def run_daemon(settings: Settings) -> int:
    """Run the service until SIGTERM or SIGINT; return the exit code."""
    stop = threading.Event()
    wake = threading.Event()
    try:
        # Handlers first: a stop request during the start is honored too.
        with stop_on_signals(stop, wake.set):
            return _run(settings, stop, wake)
    except SecondSignal as exc:
        log.info(
            "exchange %s stopped at once on a second %s; unfinished files stay "
            "in the inbox",
            __version__,
            exc,
        )
        return EXIT_OK


def _run(settings: Settings, stop: threading.Event, wake: threading.Event) -> int:
    _log_start(settings)
    progress = BacklogProgress() if BacklogProgress.wanted() else None
    try:
        runtime = DaemonRuntime(settings, progress=progress)
    except LockedError as exc:
        log.error("not starting: %s", exc)
        return EXIT_UNAVAILABLE
    daemon = Daemon(runtime, stop, wake=wake)
    code = EXIT_ATTENTION
    try:
        code = daemon.run()
    except SecondSignal:
        # A stop request like the first signal, so the exit code is 0 too.
        code = EXIT_OK
        raise
    finally:
        if progress is not None:
            progress.close()
        runtime.close()
        log.info(
            "exchange %s stopped with exit code %d (files processed: %d)",
            __version__,
            code,
            daemon.files_processed,
        )
    return code


def _log_start(settings: Settings) -> None:
    paths = settings.paths
    if settings.inbox.source == "sftp":
        inbox = (
            f"sftp://{settings.sftp.host}:{settings.sftp.port}/{settings.sftp.inbox}"
        )
    else:
        inbox = str(paths.inbox)
    if settings.outbox.target == "sftp":
        outbox = (
            f"sftp://{settings.sftp.host}:{settings.sftp.port}/{settings.sftp.outbox}"
        )
    else:
        outbox = str(paths.outbox)
    # An SFTP inbox gives no file-system hints: it is listed on a timer only.
    watching = (
        "listed"
        if settings.inbox.source == "sftp"
        else f"{settings.inbox.observer} observer, rescan"
    )
    log.info(
        "exchange %s starting: inbox %s, outbox %s, archive %s, errors %s, "
        "state %s; %s every %.0f s, settle %.1f s",
        __version__,
        inbox,
        outbox,
        paths.archive,
        paths.errors,
        paths.state,
        watching,
        settings.inbox.rescan_seconds,
        settings.inbox.settle_seconds,
    )
