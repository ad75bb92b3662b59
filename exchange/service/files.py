"""Processing one incoming file from start to archive.

The steps run in an order chosen so that a crash at any point loses nothing
and applies nothing twice. The file is parsed and validated, its package id
and number are checked, and it is applied with state committed as it goes.
Its reply is queued in the state database, then written to the outbox. The
file is archived with its reply and journaled, and only then removed from
the inbox.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NoReturn

from exchange import jsonio
from exchange.archive import order_keys
from exchange.archive.names import utf8_name
from exchange.contract.enums import OrderStatus
from exchange.contract.load import LoadedFile, load_package
from exchange.contract.models import (
    OrdersPackage,
)
from exchange.contract.problems import Problem, show_value
from exchange.errors import (
    EXIT_ATTENTION,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    ExchangeError,
    InterruptedPackageError,
)
from exchange.logs import escape_control
from exchange.orders.apply import OrdersResult, apply_orders
from exchange.orders.port import DealPort
from exchange.outbox.documents import orders_receipt_body
from exchange.service.counterparty_files import apply_counterparty_file
from exchange.service.file_endings import (
    FileOutcome,
    answer_duplicate,
    archive_file,
    mark_archived,
    reject_file,
    unreadable,
)
from exchange.service.followups import write_followups
from exchange.service.runtime import Runtime
from exchange.state.db import paused_gc
from exchange.state.orders_records import PackageRecord

log = logging.getLogger(__name__)

PortFactory = Callable[[], DealPort]


_REJECTED_FILES_HINT = (
    "'exchange audit list --outcome rejected' lists the rejected files"
)

_tracebacks_logged: set[str] = set()
"""Packages whose failure after staging has had its traceback logged."""


class FileProcessor:
    """Apply incoming files and write their receipts or rejections."""

    def __init__(self, runtime: Runtime, port_factory: PortFactory) -> None:
        self.runtime = runtime
        self.port_factory = port_factory

    def process(
        self, name: str, data: bytes, received_at: datetime | None = None
    ) -> FileOutcome:
        """Process the bytes of one file named ``name`` as received.

        A name that is not UTF-8 is taken with its invalid bytes as ``%XX``
        (``utf8_name``), and receipts, the journal and the state store it so.
        """
        name = utf8_name(name)
        log.info("processing %s (%d bytes)", escape_control(name), len(data))
        # A large package builds hundreds of thousands of long-lived objects
        # (models, rows, keys), and each full collection would walk them all.
        with paused_gc():
            return self._process(name, data, received_at)

    def _process(
        self, name: str, data: bytes, received_at: datetime | None
    ) -> FileOutcome:
        received = received_at or datetime.now(UTC)
        try:
            loaded = load_package(data, name, self.runtime.contract)
        except Exception as exc:
            log.exception("reading %s failed unexpectedly", escape_control(name))
            loaded = unreadable(data, name, exc)
        if loaded.problems:
            return reject_file(self.runtime, loaded, data, received, loaded.problems)
        envelope = loaded.package
        if envelope is None:
            raise ValueError(f"{name}: a file without problems must have a package")
        store = self.runtime.orders
        existing = store.package(envelope.package_id)
        if existing is not None and existing.sha256 != loaded.sha256:
            return reject_file(
                self.runtime,
                loaded,
                data,
                received,
                [
                    Problem(
                        "/package_id",
                        show_value(envelope.package_id),
                        f"package_id was already used by {existing.source_file} "
                        "with other content; give a new package its own id",
                    )
                ],
            )
        if existing is not None and existing.state == "archived":
            return answer_duplicate(self.runtime, loaded, data, received)
        if existing is not None and existing.state == "answered":
            return self._finish_answered(loaded, existing, data, received)
        if existing is None:
            used = store.package_by_number(envelope.sender, envelope.number)
            if used is not None:
                return reject_file(
                    self.runtime,
                    loaded,
                    data,
                    received,
                    [
                        Problem(
                            "/number",
                            show_value(envelope.number),
                            f"message number {envelope.number} of sender "
                            f"{envelope.sender} was already used by "
                            f"{used.source_file}; number each new package "
                            "above the last one sent",
                        )
                    ],
                )
            self._log_gap(envelope.sender, envelope.number)
        record = PackageRecord(
            envelope.package_id,
            loaded.sha256,
            str(envelope.kind),
            envelope.sender,
            envelope.number,
            name,
            "applying",
        )
        if isinstance(envelope, OrdersPackage):
            try:
                return self._orders(loaded, envelope, record, data, received)
            except ExchangeError:
                raise
            except Exception as exc:  # noqa: BLE001 - _orders_failed raises
                self._orders_failed(record, exc)
        return apply_counterparty_file(
            self.runtime, loaded, envelope, record, data, received
        )

    # Orders

    def _orders_failed(self, record: PackageRecord, exc: Exception) -> NoReturn:
        """Raise for an unexpected error met while applying an orders package.

        Before its versions are stored, the error itself is raised, and the
        caller sets the file aside. After, some deals may hold the package's
        values already, so ``InterruptedPackageError`` keeps the file in the
        inbox for the next run to resume.
        """
        if self.runtime.orders.package(record.package_id) is None:
            raise exc
        # The daemon retries the file on every scan: the traceback once per
        # package and process is enough.
        if record.package_id not in _tracebacks_logged:
            _tracebacks_logged.add(record.package_id)
            log.error(
                "applying %s failed unexpectedly",
                escape_control(record.source_file),
                exc_info=exc,
            )
        raise InterruptedPackageError(
            f"applying {record.source_file} failed after its orders were stored "
            f"({type(exc).__name__}); the file stays in the inbox, and the next "
            "run applies it again from where it stopped"
        ) from exc

    def _orders(
        self,
        loaded: LoadedFile,
        package: OrdersPackage,
        record: PackageRecord,
        data: bytes,
        received: datetime,
    ) -> FileOutcome:
        store = self.runtime.orders
        result = apply_orders(
            store,
            self.port_factory(),
            package,
            loaded.order_problems,
            record,
            received.isoformat(),
        )
        body = orders_receipt_body(
            in_reply_to=record.package_id,
            source_file=record.source_file,
            sha256=record.sha256,
            outcome="applied",
            rows=result.rows,
        )
        outbox = self.runtime.outbox
        # The results are serialized while the last state writes run, and the
        # receipt is composed once they are committed.
        body_json = jsonio.dumps(body, indent=True)
        store.wait_for_writes()

        def answered(_: object) -> None:
            # Queued with the receipt: a crash leaves both or neither, so a
            # package resumed after a crash never gets a second receipt.
            store.set_package_state(record.package_id, "answered")

        reply = outbox.compose(
            "orders_receipt",
            body_json,
            in_reply_to=record.package_id,
            record=answered,
        )
        followups, followup_errors = self.write_followups()
        outbox.deliver()
        counts = {
            status.value: count
            for status, count in Counter(row["status"] for row in result.rows).items()
        }
        archive_file(
            self.runtime,
            loaded,
            data,
            received,
            "applied",
            reply.name,
            reply.data,
            counts=counts,
            # The journal keeps its own JSON copy of the receipt's results.
            details=body["results"],
            keys=order_keys(result.rows),
        )
        mark_archived(self.runtime, record, loaded.source_name, counts)
        exit_code = _exit_code(result, followup_errors)
        return FileOutcome(
            loaded.source_name,
            "applied",
            record.kind,
            counts,
            exit_code,
            result.rows,
            reply.name,
            problem=str(result.stopped) if result.stopped is not None else "",
            followups=followups,
        )

    def _finish_answered(
        self,
        loaded: LoadedFile,
        record: PackageRecord,
        data: bytes,
        received: datetime,
    ) -> FileOutcome:
        """Finish a package whose receipt was queued before a crash.

        The package is not applied again: its queued receipt is delivered,
        and the file is archived with it, so 1C gets exactly one receipt.
        """
        outbox = self.runtime.outbox
        outbox.deliver()
        replies = self.runtime.outgoing.replies_to(record.package_id)
        reply = replies[0] if replies else None
        rows: list[dict[str, Any]] = []
        if reply is not None:
            rows = list(jsonio.loads(reply.data).get("results", []))
        counts = dict(Counter(str(row.get("status", "")) for row in rows))
        archive_file(
            self.runtime,
            loaded,
            data,
            received,
            "applied",
            reply.name if reply else "",
            reply.data if reply else b"",
            counts=counts,
            details=rows,
        )
        store = self.runtime.orders
        with store.transaction():
            store.set_package_state(record.package_id, "archived")
        log.info(
            "finished %s, whose receipt %s an earlier pass had queued",
            escape_control(loaded.source_name),
            reply.name if reply else "(none)",
        )
        exit_code = EXIT_ATTENTION if counts.get("error") else EXIT_OK
        return FileOutcome(
            loaded.source_name,
            "applied",
            record.kind,
            counts,
            exit_code,
            reply=reply.name if reply else "",
        )

    def set_aside(self, name: str, data: bytes, exc: Exception) -> FileOutcome:
        """Reject a file whose processing failed with an unexpected error."""
        loaded = unreadable(data, utf8_name(name), exc)
        return reject_file(
            self.runtime, loaded, data, datetime.now(UTC), loaded.problems
        )

    def write_followups(self) -> tuple[int, int]:
        """Compose the queued follow-up receipts (``followups.write_followups``)."""
        return write_followups(self.runtime)

    def _log_gap(self, sender: str, number: int) -> None:
        last = self.runtime.orders.last_number(sender)
        # A rejected package uses up no number, so a gap is either numbers
        # that never arrived or packages that were rejected.
        if last is not None and number > last + 1:
            if number == last + 2:
                log.warning(
                    "message number %d of sender %s has not been applied "
                    "(rejected or not received); applying no. %d without "
                    "waiting for it. %s",
                    last + 1,
                    sender,
                    number,
                    _REJECTED_FILES_HINT,
                )
            else:
                log.warning(
                    "message numbers %d to %d of sender %s have not been applied "
                    "(rejected or not received); applying no. %d without "
                    "waiting for them. %s",
                    last + 1,
                    number - 1,
                    sender,
                    number,
                    _REJECTED_FILES_HINT,
                )
        elif last is not None and number < last:
            log.warning(
                "package no. %d of sender %s arrived after no. %d; only its "
                "orders newer than those applied are taken",
                number,
                sender,
                last,
            )


def _exit_code(result: OrdersResult, followup_errors: int) -> int:
    """Return the exit code a package's outcome calls for; the highest wins."""
    if result.stopped is not None:
        return EXIT_UNAVAILABLE
    if followup_errors or any(r["status"] == OrderStatus.ERROR for r in result.rows):
        return EXIT_ATTENTION
    return EXIT_OK
