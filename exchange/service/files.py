"""Processing one incoming file from start to archive.

The steps run in an order chosen so that a crash at any point loses nothing
and applies nothing twice. The file is parsed and validated, its package id
and number are checked, and it is applied with state committed as it goes.
Its reply is queued in the state database, then written to the outbox. The
file is archived with its reply and journaled, and only then removed from
the inbox.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from exchange import jsonio
from exchange.archive import order_keys
from exchange.archive.entry import JournalEntry
from exchange.archive.names import escape_control as escape_name
from exchange.archive.names import utf8_name
from exchange.contract.enums import OrderStatus, PackageKind
from exchange.contract.load import LoadedFile, load_package
from exchange.contract.models import (
    CounterpartiesReceiptPackage,
    CounterpartyCatalogPackage,
    OrdersPackage,
)
from exchange.contract.problems import Problem
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
from exchange.orders.reports import ReceiptRow
from exchange.outbox.documents import orders_receipt_body, rejection_body
from exchange.service.followups import write_followups
from exchange.service.runtime import Runtime
from exchange.state.db import paused_gc
from exchange.state.orders_records import PackageRecord

log = logging.getLogger(__name__)

PortFactory = Callable[[], DealPort]


@dataclass
class FileOutcome:
    """Outcome of one incoming file: applied, duplicate or rejected, and counts."""

    name: str
    outcome: str
    kind: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    exit_code: int = EXIT_OK
    rows: list[ReceiptRow] = field(default_factory=list)
    reply: str = ""


class FileProcessor:
    """Apply incoming files and write their receipts or rejections."""

    def __init__(self, runtime: Runtime, port_factory: PortFactory) -> None:
        self.runtime = runtime
        self.port_factory = port_factory

    def process(
        self, name: str, data: bytes, received_at: datetime | None = None
    ) -> FileOutcome:
        """Process the bytes of one file named ``name`` as received.

        A name that is not UTF-8 is taken with its other bytes as ``%XX``
        (``utf8_name``): receipts, the journal and the state store it so.
        """
        name = utf8_name(name)
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
            return self._reject(loaded, data, received, loaded.problems)
        envelope = loaded.package
        if envelope is None:
            raise ValueError(f"{name}: a file without problems must have a package")
        store = self.runtime.orders
        existing = store.package(envelope.package_id)
        if existing is not None and existing.sha256 != loaded.sha256:
            return self._reject(
                loaded,
                data,
                received,
                [
                    Problem(
                        "/package_id",
                        envelope.package_id,
                        f"package_id was already used by {existing.source_file} "
                        "with other content; give a new package its own id",
                    )
                ],
            )
        if existing is not None and existing.state == "archived":
            return self._duplicate(loaded, data, received)
        if existing is not None and existing.state == "answered":
            return self._finish_answered(loaded, existing, data, received)
        if existing is None:
            used = store.package_by_number(envelope.sender, envelope.number)
            if used is not None:
                return self._reject(
                    loaded,
                    data,
                    received,
                    [
                        Problem(
                            "/number",
                            str(envelope.number),
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
            return self._orders(loaded, envelope, record, data, received)
        return self._other(loaded, envelope, record, data, received)

    # Orders

    def _orders(
        self,
        loaded: LoadedFile,
        package: OrdersPackage,
        record: PackageRecord,
        data: bytes,
        received: datetime,
    ) -> FileOutcome:
        try:
            return self._apply_orders(loaded, package, record, data, received)
        except ExchangeError:
            raise
        except Exception as exc:
            if self.runtime.orders.package(record.package_id) is None:
                # Nothing was stored, so the caller sets the file aside.
                raise
            log.exception(
                "applying %s failed unexpectedly", escape_control(record.source_file)
            )
            raise InterruptedPackageError(
                f"applying {record.source_file} failed after its orders were stored "
                f"({type(exc).__name__}); the file stays in the inbox, and the next "
                "run applies it again from where it stopped"
            ) from exc

    def _apply_orders(
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

        def answered(_: object) -> None:
            # Queued with the receipt: a crash leaves both or neither, so a
            # package resumed after a crash never gets a second receipt.
            store.set_package_state(record.package_id, "answered")

        reply = outbox.compose(
            "orders_receipt", body, in_reply_to=record.package_id, record=answered
        )
        _, followup_errors = self.write_followups()
        outbox.deliver()
        counts = {
            status.value: count
            for status, count in Counter(row.status for row in result.rows).items()
        }
        self._archive(
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
        with store.transaction():
            store.set_package_state(record.package_id, "archived")
        exit_code = _exit_code(result, followup_errors)
        log.info(
            "applied %s (%s %s no. %d): %s",
            escape_control(loaded.source_name),
            record.kind,
            record.sender,
            record.number,
            _format_counts(counts),
        )
        return FileOutcome(
            loaded.source_name,
            "applied",
            record.kind,
            counts,
            exit_code,
            result.rows,
            reply.name,
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
        self._archive(
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
            "finished %s, whose receipt %s was written before a restart",
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
        return self._reject(loaded, data, datetime.now(UTC), loaded.problems)

    def write_followups(self) -> tuple[int, int]:
        """Compose the queued follow-up receipts (``followups.write_followups``)."""
        return write_followups(self.runtime)

    def _duplicate(
        self, loaded: LoadedFile, data: bytes, received: datetime
    ) -> FileOutcome:
        envelope = loaded.package
        if envelope is None:
            raise ValueError("a duplicate must have a package")
        reply_name = ""
        reply_data = b""
        if envelope.kind == PackageKind.ORDERS:
            body = orders_receipt_body(
                in_reply_to=envelope.package_id,
                source_file=loaded.source_name,
                sha256=loaded.sha256,
                outcome="duplicate",
                rows=[],
            )
            reply = self.runtime.outbox.compose(
                "orders_receipt", body, in_reply_to=envelope.package_id
            )
            self.runtime.outbox.deliver()
            reply_name, reply_data = reply.name, reply.data
        self._archive(loaded, data, received, "duplicate", reply_name, reply_data)
        log.info(
            "%s is a duplicate of package %s, already applied; not applied again",
            escape_control(loaded.source_name),
            envelope.package_id,
        )
        return FileOutcome(
            loaded.source_name, "duplicate", str(envelope.kind), reply=reply_name
        )

    # Catalogs and receipts from 1C

    def _other(
        self,
        loaded: LoadedFile,
        package: Any,
        record: PackageRecord,
        data: bytes,
        received: datetime,
    ) -> FileOutcome:
        from exchange.counterparties import (
            UnknownPackage,
            apply_catalog,
            apply_receipt,
        )

        try:
            if isinstance(package, CounterpartyCatalogPackage):
                counts = apply_catalog(self.runtime, package)
            elif isinstance(package, CounterpartiesReceiptPackage):
                counts = apply_receipt(self.runtime, package)
            else:
                raise TypeError(f"unexpected package type {type(package).__name__}")
        except UnknownPackage as exc:
            problem = Problem(
                "/in_reply_to", str(getattr(package, "in_reply_to", "")), str(exc)
            )
            return self._reject(loaded, data, received, [problem])
        store = self.runtime.orders
        with store.transaction():
            if store.package(record.package_id) is None:
                store.add_package(record, received.isoformat())
        keys: list[tuple[str, str]] = []
        if isinstance(package, CounterpartyCatalogPackage):
            # ``audit find --inn`` finds the catalogs that carried an INN.
            keys = [("inn", item.inn) for item in package.counterparties if item.inn]
        self._archive(
            loaded, data, received, "applied", "", b"", counts=counts, keys=keys
        )
        with store.transaction():
            store.set_package_state(record.package_id, "archived")
        log.info(
            "applied %s (%s %s no. %d): %s",
            escape_control(loaded.source_name),
            record.kind,
            record.sender,
            record.number,
            _format_counts(counts),
        )
        return FileOutcome(loaded.source_name, "applied", record.kind, counts)

    # Rejections

    def _reject(
        self,
        loaded: LoadedFile,
        data: bytes,
        received: datetime,
        problems: list[Problem],
    ) -> FileOutcome:
        envelope = loaded.envelope
        package_id = envelope.package_id if envelope and envelope.package_id else ""
        total = max(loaded.errors_total, len(problems))
        body = rejection_body(
            in_reply_to=package_id or "",
            source_file=loaded.source_name,
            sha256=loaded.sha256,
            problems=problems,
            errors_total=total if problems is loaded.problems else len(problems),
        )
        reply = self.runtime.outbox.compose("rejection", body, in_reply_to="")
        self.runtime.outbox.deliver()
        journal_name = escape_name(loaded.source_name)
        self._archive(
            loaded,
            data,
            received,
            "rejected",
            reply.name,
            reply.data,
            # Named as the journal names the file, control characters as %XX.
            errors=[problem.describe(journal_name) for problem in problems],
        )
        for problem in problems[:5]:
            log.error("%s", escape_control(problem.describe(loaded.source_name)))
        log.error(
            "rejected %s (errors: %d); wrote %s",
            escape_control(loaded.source_name),
            len(problems),
            reply.name,
        )
        return FileOutcome(
            loaded.source_name,
            "rejected",
            str(envelope.kind) if envelope and envelope.kind else "",
            {"errors": len(problems)},
            EXIT_ATTENTION,
            reply=reply.name,
        )

    # Archive and journal

    def _archive(
        self,
        loaded: LoadedFile,
        data: bytes,
        received: datetime,
        outcome: str,
        reply_name: str,
        reply_data: bytes,
        *,
        counts: dict[str, int] | None = None,
        errors: list[str] | None = None,
        details: Any = None,
        keys: list[tuple[str, str]] | None = None,
    ) -> None:
        archive = self.runtime.archive
        path = archive.store_incoming(
            loaded.source_name,
            data,
            loaded.sha256,
            outcome=outcome,  # type: ignore[arg-type]
            received_at=received,
        )
        reply_path = ""
        if reply_name:
            stored = archive.store_reply(path, reply_name, reply_data)
            reply_path = archive.relative(stored)
        envelope = loaded.envelope
        self.runtime.journal.record(
            JournalEntry(
                direction="in",
                file_name=loaded.source_name,
                outcome=outcome,  # type: ignore[arg-type]
                size=loaded.size,
                sha256=loaded.sha256,
                package_id=(envelope.package_id or "") if envelope else "",
                kind=str(envelope.kind or "") if envelope else "",
                sender=(envelope.sender or "") if envelope else "",
                number=envelope.number if envelope else None,
                received_at=received,
                counts=counts or {},
                errors=errors or [],
                archive_path=archive.relative(path),
                reply_path=reply_path,
                reply_sha256=hashlib.sha256(reply_data).hexdigest()
                if reply_path
                else "",
                details=details,
            ),
            keys=keys or [],
        )

    def _log_gap(self, sender: str, number: int) -> None:
        last = self.runtime.orders.last_number(sender)
        if last is not None and number > last + 1:
            if number == last + 2:
                log.warning(
                    "message number %d of sender %s has not arrived; not waiting "
                    "for it",
                    last + 1,
                    sender,
                )
            else:
                log.warning(
                    "message numbers %d to %d of sender %s have not arrived; not "
                    "waiting for them",
                    last + 1,
                    number - 1,
                    sender,
                )
        elif last is not None and number < last:
            log.warning(
                "package no. %d of sender %s arrived after no. %d; only its "
                "orders newer than those applied are taken",
                number,
                sender,
                last,
            )


def unreadable(data: bytes, name: str, exc: Exception) -> LoadedFile:
    """Return a rejected ``LoadedFile`` for a file the loader failed on."""
    problem = Problem(
        "",
        "",
        f"the file could not be checked ({type(exc).__name__}); it is set "
        "aside: check that 1C wrote a package of the exchange format, and "
        "send the file to the service's administrator if it is one",
    )
    return LoadedFile(
        source_name=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        envelope=None,
        package=None,
        problems=[problem],
        errors_total=1,
        order_problems=[],
    )


def _exit_code(result: OrdersResult, followup_errors: int) -> int:
    """Return the exit code a package's outcome calls for; the highest wins."""
    if result.stopped is not None:
        return EXIT_UNAVAILABLE
    if followup_errors or any(r.status == OrderStatus.ERROR for r in result.rows):
        return EXIT_ATTENTION
    return EXIT_OK


def _format_counts(counts: dict[str, int]) -> str:
    if not counts:
        return "nothing to do"
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
