"""One pass of the service: inbox, pending orders, counterparty export.

The inbox comes first so that catalogs and receipts from 1C apply before
the retries and the export that depend on them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from exchange.bitrix24.errors import Bitrix24Error, describe_portal_failure
from exchange.errors import (
    EXIT_ATTENTION,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    ExchangeError,
    TransportError,
)
from exchange.logs import escape_control
from exchange.orders.bitrix_port import BitrixDealPort
from exchange.orders.port import DealPort, UnavailablePort
from exchange.orders.recheck import recheck_pending
from exchange.service.file_endings import FileOutcome
from exchange.service.files import FileProcessor, PortFactory
from exchange.service.ordering import application_order
from exchange.service.runtime import Runtime
from exchange.transport import PollResult, Source, wait_settled
from exchange.transport.names import READY_SUFFIX

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    """Outcome of one pass: files, leftovers, follow-ups, export and exit code."""

    files: list[FileOutcome] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    followups: int = 0
    exported: str | None = None
    problems: list[str] = field(default_factory=list)
    exit_code: int = EXIT_OK

    def raise_code(self, code: int) -> None:
        """Keep the highest exit code seen."""
        self.exit_code = max(self.exit_code, code)


class PortProvider:
    """Open the deal port once, on first use; remember an unreachable portal."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._port: DealPort | None = None
        self.unavailable: Bitrix24Error | None = None

    def __call__(self) -> DealPort:
        if self._port is None:
            try:
                self._port = BitrixDealPort(
                    self.runtime.client, self.runtime.deal_fields
                )
            except Bitrix24Error as exc:
                log.error(
                    "%s; the orders stay pending",
                    describe_portal_failure(exc, "when reading the deal fields"),
                )
                self.unavailable = exc
                self._port = UnavailablePort(exc)
        return self._port


def process_inbox(
    runtime: Runtime, provider: PortProvider, report: RunReport, *, wait: bool
) -> None:
    """Process every complete file of the inbox, oldest sender numbers first."""
    source = runtime.source
    settle = runtime.settings.inbox.settle_seconds
    try:
        runtime.outbox.deliver()
    except TransportError as exc:
        # Named apart from the inbox, which may be on another server. The
        # replies stay queued, and no file is taken until they can be written.
        log.error("the outbox cannot be written: %s", exc)
        report.problems.append(str(exc))
        report.raise_code(EXIT_UNAVAILABLE)
        return
    try:
        polled = poll_settled(source, settle) if wait else source.poll()
    except TransportError as exc:
        log.error("the inbox cannot be read: %s", exc)
        report.problems.append(str(exc))
        report.raise_code(EXIT_UNAVAILABLE)
        return
    report.waiting = list(polled.waiting)
    _log_waiting(polled.waiting)
    _log_ignored(polled.ignored)
    processor = FileProcessor(runtime, provider)
    ready = polled.ready
    if runtime.settings.inbox.source == "local":
        ready = application_order(ready)
    for item in ready:
        data: bytes | None = None
        try:
            data = source.read(item)
            outcome = processor.process(item.name, data)
            source.finish(item, accepted=outcome.outcome != "rejected")
        except ExchangeError as exc:
            log.error("%s was not processed: %s", escape_control(item.name), exc)
            report.problems.append(f"{item.name}: {exc}")
            report.raise_code(exc.exit_code)
            if exc.exit_code >= EXIT_UNAVAILABLE or exc.transient:
                return
            continue
        except sqlite3.Error as exc:
            # The state database failed, not the file: every file would meet
            # the same error, so this one stays in the inbox for the next run.
            log.exception(
                "processing %s stopped: the state database failed",
                escape_control(item.name),
            )
            report.problems.append(
                f"{item.name}: the state database failed ({exc}); the file stays "
                "in the inbox, and the next run takes it again"
            )
            report.raise_code(EXIT_UNAVAILABLE)
            return
        except Exception as exc:
            if data is None:
                raise
            # A bug met by one file must not block the inbox: the file is set
            # aside with a rejection, and the traceback goes to the log.
            log.exception(
                "processing %s failed unexpectedly", escape_control(item.name)
            )
            outcome = processor.set_aside(item.name, data, exc)
            source.finish(item, accepted=False)
        report.files.append(outcome)
        report.raise_code(outcome.exit_code)
        if outcome.problem:
            report.problems.append(
                f"{escape_control(outcome.name)} was applied with orders left "
                f"pending: {outcome.problem}"
            )


_announced_waiting: set[str] = set()


def poll_settled(source: Source, settle: float) -> PollResult:
    """Poll ``source``, waiting up to ``settle`` seconds for files being written."""
    polled = source.poll()
    if polled.waiting:
        log.info(
            "waiting up to %s s for files still being written: %s",
            settle,
            ", ".join(escape_control(name) for name in polled.waiting),
        )
        polled = wait_settled(source, settle)
    return polled


def _log_waiting(names: list[str]) -> None:
    """Log each file still being written once, not on every poll."""
    for name in names:
        level = logging.DEBUG if name in _announced_waiting else logging.INFO
        log.log(
            level,
            "%s is still being written; left for a later pass",
            escape_control(name),
        )
    _announced_waiting.intersection_update(names)
    _announced_waiting.update(names)


_announced_ignored: set[str] = set()


def _log_ignored(names: list[str]) -> None:
    """Warn once about each name left alone that looks meant for the service."""
    for name in names:
        if name in _announced_ignored:
            continue
        if name.lower().endswith(READY_SUFFIX):
            log.warning(
                "%s has no file %s beside it; the marker is left alone until "
                "that file arrives",
                escape_control(name),
                escape_control(name[: -len(READY_SUFFIX)]),
            )
        else:
            log.warning(
                "%s is not taken: a name that starts with a dot marks a file "
                "still being written; rename it without the dot",
                escape_control(name),
            )
    _announced_ignored.intersection_update(names)
    _announced_ignored.update(names)


def retry_pending(
    runtime: Runtime,
    provider: PortFactory,
    report: RunReport,
    *,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Evaluate pending orders again and write the follow-up receipts.

    Follow-ups that a stopped run queued but did not write are written too.
    ``should_stop`` is asked between chunks of orders (``recheck_pending``).
    """
    store = runtime.orders
    stopped = None
    if store.reports_to_recheck():
        stopped = recheck_pending(store, provider(), should_stop=should_stop).stopped
    elif not store.queued_followups():
        return
    receipts, errors = FileProcessor(runtime, provider).write_followups()
    runtime.outbox.deliver()
    report.followups += receipts
    if errors:
        report.raise_code(EXIT_ATTENTION)
    if stopped is not None:
        report.problems.append(str(stopped))
        report.raise_code(EXIT_UNAVAILABLE)


def export_counterparties(runtime: Runtime, report: RunReport) -> None:
    """Run the counterparty export when the flag field is configured."""
    if not runtime.settings.counterparties.trigger_field:
        return
    from exchange.counterparties import export_counterparties as export

    try:
        result = export(runtime)
    except Bitrix24Error as exc:
        log.error("the counterparty export stopped: %s", exc)
        report.problems.append(str(exc))
        report.raise_code(EXIT_UNAVAILABLE)
        return
    report.exported = result.package_name


def run_once(runtime: Runtime, *, wait: bool = True, export: bool = True) -> RunReport:
    """Run one pass and return its report."""
    report = RunReport()
    provider = PortProvider(runtime)
    process_inbox(runtime, provider, report, wait=wait)
    retry_pending(runtime, provider, report)
    if export:
        export_counterparties(runtime, report)
    if provider.unavailable is not None:
        report.raise_code(EXIT_UNAVAILABLE)
    runtime.journal.index_pending()
    return report
