"""Numbering, queueing and delivering outgoing packages.

``compose`` numbers a package and stores its bytes in the state database in
one transaction; ``deliver`` writes every stored package that is not
delivered yet to the outbox (atomically, local or SFTP), archives a copy,
journals it and marks it delivered. A crash between the two leaves the
package queued, and the next run writes the same bytes under the same name.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from exchange import jsonio
from exchange.archive.entry import JournalEntry
from exchange.archive.journal import Journal
from exchange.archive.store import Archive
from exchange.outbox.documents import envelope, file_name
from exchange.state.db import transaction
from exchange.state.outgoing_store import OutgoingPackage, OutgoingStore
from exchange.transport.source import Target

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    """Outgoing packages of the service's sender (``[onec] node``)."""

    def __init__(
        self,
        store: OutgoingStore,
        target: Target,
        archive: Archive,
        journal: Journal,
        *,
        node: str,
        zone: ZoneInfo,
        clock: Clock = _utc_now,
    ) -> None:
        self.store = store
        self.target = target
        self.archive = archive
        self.journal = journal
        self.node = node
        self.zone = zone
        self.clock = clock
        self._keys: dict[tuple[str, int], tuple[tuple[str, str], ...]] = {}
        # Packages composed by this object and not yet delivered. ``deliver``
        # writes their bytes from memory instead of reading them back from
        # the database (a receipt of 100,000 orders is about 20 MB). Packages
        # queued by an earlier process, or whose write failed, are read from
        # the database.
        self._composed: dict[tuple[str, int], OutgoingPackage] = {}

    def compose(
        self,
        kind: str,
        body: dict[str, Any] | bytes,
        *,
        in_reply_to: str = "",
        keys: Sequence[tuple[str, str]] = (),
        record: Callable[[OutgoingPackage], None] | None = None,
    ) -> OutgoingPackage:
        """Number a package, store it for delivery and return it.

        ``body`` holds the package's fields besides the envelope: a dict, or
        the bytes that ``jsonio.dumps(body, indent=True)`` wrote, which a
        caller may serialize before it waits for the state. ``keys`` are
        journal search keys recorded when it is delivered.
        NOTE: they are kept in memory only. A package queued before a crash
        and delivered by the next process is found only by its package ids.
        ``record``, when given, runs inside the transaction that queues the
        package, so what the caller records about it (an export, say) is
        committed together with it or not at all.
        """
        now = self.clock()
        with transaction(self.store.conn):
            number = self.store.next_number(self.node)
            document = envelope(kind, self.node, number, now, self.zone)
            if isinstance(body, bytes):
                data = jsonio.merged_objects(jsonio.dumps(document, indent=True), body)
            else:
                document.update(body)
                data = jsonio.dumps(document, indent=True)
            package = OutgoingPackage(
                sender=self.node,
                number=number,
                kind=kind,
                name=file_name(kind, self.node, number),
                package_id=document["package_id"],
                in_reply_to=in_reply_to,
                data=data,
            )
            self.store.enqueue(package, now)
            if record is not None:
                record(package)
            self._keys[(self.node, number)] = tuple(keys)
        self._composed[(self.node, number)] = package
        return package

    def deliver(self) -> list[OutgoingPackage]:
        """Write every queued package to the outbox; return those written."""
        written: list[OutgoingPackage] = []
        for sender, number in self.store.undelivered_numbers():
            package = self._composed.pop((sender, number), None)
            if package is None:
                package = self.store.get(sender, number)
            if package is None:
                continue
            self.target.write(package.name, package.data)
            digest = hashlib.sha256(package.data).hexdigest()
            archived = self.archive.store_outgoing(package.name, package.data, digest)
            now = self.clock()
            keys = self._keys.pop((package.sender, package.number), ())
            # Journal first: a crash before the mark delivers the same bytes
            # again, which the target takes as already there.
            self.journal.record(
                JournalEntry(
                    direction="out",
                    file_name=package.name,
                    outcome="written",
                    size=len(package.data),
                    sha256=digest,
                    package_id=package.package_id,
                    kind=package.kind,
                    sender=package.sender,
                    number=package.number,
                    processed_at=now,
                    archive_path=self.archive.relative(archived),
                ),
                keys=(("package_id", package.in_reply_to), *keys)
                if package.in_reply_to
                else keys,
            )
            with transaction(self.store.conn):
                self.store.mark_delivered(package.sender, package.number, now)
            log.debug("delivered %s", package.name)
            written.append(package)
        return written
