"""The ends of an incoming file: archived, rejected, or taken as a duplicate.

Every incoming file ends in the archive or the error folder, journaled, with
the reply that the contract gives it (``archive_file``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from exchange.archive.entry import JournalEntry
from exchange.archive.names import escape_control as escape_name
from exchange.contract.enums import PackageKind
from exchange.contract.load import LoadedFile
from exchange.contract.problems import Problem
from exchange.errors import EXIT_ATTENTION, EXIT_OK
from exchange.logs import escape_control
from exchange.orders.reports import ReceiptRow
from exchange.outbox.documents import orders_receipt_body, rejection_body
from exchange.service.runtime import Runtime
from exchange.state.orders_records import PackageRecord

log = logging.getLogger(__name__)


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
    problem: str = ""
    """The cause of the pending orders of an applied file (Bitrix24's failure)."""
    followups: int = 0
    """Follow-up receipts for earlier packages written while applying the file."""


def answer_duplicate(
    runtime: Runtime, loaded: LoadedFile, data: bytes, received: datetime
) -> FileOutcome:
    """Archive a file whose package was applied before, and reply to it.

    An orders package gets a receipt with outcome ``duplicate`` and no rows.
    """
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
        reply = runtime.outbox.compose(
            "orders_receipt", body, in_reply_to=envelope.package_id
        )
        runtime.outbox.deliver()
        reply_name, reply_data = reply.name, reply.data
    archive_file(runtime, loaded, data, received, "duplicate", reply_name, reply_data)
    log.info(
        "%s is a duplicate of package %s, already applied; not applied again",
        escape_control(loaded.source_name),
        envelope.package_id,
    )
    return FileOutcome(
        loaded.source_name, "duplicate", str(envelope.kind), reply=reply_name
    )


def reject_file(
    runtime: Runtime,
    loaded: LoadedFile,
    data: bytes,
    received: datetime,
    problems: list[Problem],
) -> FileOutcome:
    """Write a rejection listing ``problems`` and move the file to the error folder."""
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
    reply = runtime.outbox.compose("rejection", body, in_reply_to="")
    runtime.outbox.deliver()

    journal_name = escape_name(loaded.source_name)
    archive_file(
        runtime,
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


def archive_file(
    runtime: Runtime,
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
    """Store the file and its reply in the archive, and journal both.

    Rejected files go to the error folder. The journal entry records the
    archived paths, the reply's hash, ``counts``, ``errors``, ``details``
    and the search ``keys``.
    """
    archive = runtime.archive
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
    runtime.journal.record(
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
            reply_sha256=hashlib.sha256(reply_data).hexdigest() if reply_path else "",
            details=details,
        ),
        keys=keys or [],
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


def format_counts(counts: dict[str, int]) -> str:
    """Return counts by status as one line of a log, in the order of the names."""
    if not counts:
        return "nothing to do"
    return ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))


def mark_archived(
    runtime: Runtime, record: PackageRecord, name: str, counts: dict[str, int]
) -> None:
    """Record an applied package, file ``name``, as archived, and log what it did."""
    with runtime.orders.transaction():
        runtime.orders.set_package_state(record.package_id, "archived")
    log.info(
        "applied %s (%s %s no. %d): %s",
        escape_control(name),
        record.kind,
        record.sender,
        record.number,
        format_counts(counts),
    )
