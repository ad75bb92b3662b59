"""When the daemon reads the deal fields and list items of Bitrix24 again.

The daemon resolves the configured deal fields and the payment status list
items once at start. ``FieldsRefresh`` reads them again before a portal task
once ``[bitrix24] fields_refresh_seconds`` has passed, and before the next
task when a run found signs of a change, which ``FieldsWatchPort`` watches
for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence

from exchange.bitrix24 import ResolvedDealFields
from exchange.bitrix24.errors import Bitrix24Error, describe_portal_failure
from exchange.orders.port import (
    BatchCallback,
    DealPort,
    FoundDeal,
    PlannedUpdate,
    UnavailablePort,
    UpdateFailure,
)
from exchange.rules.order_facts import DealValues
from exchange.service.run_once import PortProvider
from exchange.service.runtime import Runtime
from exchange.state.orders_records import DealState

log = logging.getLogger(__name__)


class FieldsRefresh:
    """The schedule of reading the deal fields again, and the reading itself."""

    def __init__(
        self, runtime: Runtime, interval: float, clock: Callable[[], float]
    ) -> None:
        self.runtime = runtime
        self.interval = interval
        self.clock = clock
        self.read_at: float | None = None
        self.pending_reason: str | None = None

    def mark_read(self) -> None:
        """Record that the fields were just read."""
        self.read_at = self.clock()

    def changed(self, reason: str) -> None:
        """Have the fields read again before the next portal task."""
        if self.pending_reason is None:
            log.warning(
                "the deal fields or list items changed in Bitrix24 (%s); reading "
                "them again before the next run",
                reason,
            )
            self.pending_reason = reason

    def refresh(self) -> None:
        """Read the fields again if they changed or the interval has passed.

        Raises ``ConfigError`` when a field or list item is now missing, which
        stops the daemon as it would at start. An unavailable portal keeps the
        fields read before, and the next task tries again.
        """
        # ``Runtime.deal_fields`` is a cached property: its value sits in the
        # instance's dict, and removing it there makes the next access read
        # the portal again.
        cache = vars(self.runtime)
        if "deal_fields" not in cache:
            return  # Not read yet: the first use reads the current ones.
        now = self.clock()
        if self.read_at is None:
            self.read_at = now
        reason = self.pending_reason
        if reason is None and now - self.read_at >= self.interval:
            reason = f"{self.interval:.0f} s since the last read"
        if reason is None:
            return
        before: ResolvedDealFields = cache.pop("deal_fields")
        try:
            after = self.runtime.deal_fields
        except Bitrix24Error as exc:
            cache["deal_fields"] = before
            log.warning(
                "%s. The deal fields read before stay in use until the next try.",
                describe_portal_failure(exc, "when reading the deal fields again"),
            )
            return
        self.read_at = now
        self.pending_reason = None
        log.info(
            "read the deal fields again (%s): %s",
            reason,
            _describe_changes(before, after),
        )


class WatchedPortProvider(PortProvider):
    """A port provider whose port reports signs that the deal fields changed."""

    def __init__(self, runtime: Runtime, on_change: Callable[[str], None]) -> None:
        super().__init__(runtime)
        self._on_change = on_change
        self._watched: DealPort | None = None

    def __call__(self) -> DealPort:
        if self._watched is None:
            port = super().__call__()
            if isinstance(port, UnavailablePort):
                return port
            fields = self.runtime.deal_fields
            self._watched = FieldsWatchPort(port, fields, self._on_change)
        return self._watched


class FieldsWatchPort:
    """A deal port that calls ``on_change`` when the portal's fields changed.

    The portal stores nothing for a list item ID it does not know and gives
    no error. So two signs are watched instead: a deal read with an item
    that the last read of the list did not contain, and an update error that
    names one of the configured field codes.
    """

    def __init__(
        self,
        inner: DealPort,
        fields: ResolvedDealFields,
        on_change: Callable[[str], None],
    ) -> None:
        self.inner = inner
        self.fields = fields
        self.on_change = on_change

    def find(self, numbers: Collection[str]) -> dict[str, list[FoundDeal]]:
        """Find deals through the inner port and check their list items."""
        found = self.inner.find(numbers)
        known = self.fields.list_items
        for deals in found.values():
            for deal in deals:
                item = deal.state.payment_status_item
                if known and item is not None and item not in known:
                    self.on_change(
                        f"deal {deal.deal_id} has item {item} of "
                        f"{self.fields.codes.payment_status}, which the list "
                        "did not contain"
                    )
        return found

    def state_of(self, values: DealValues) -> DealState:
        """Return the inner port's deal state for ``values``."""
        return self.inner.state_of(values)

    def send(
        self,
        updates: Sequence[PlannedUpdate],
        on_batch: BatchCallback,
        *,
        before_sending: Callable[[], None],
    ) -> None:
        """Send through the inner port and check the errors for field codes."""
        codes = self.fields.codes
        watched = (codes.payment_status, codes.realization_date)

        def check(answers: dict[int, UpdateFailure | None]) -> None:
            for deal_id, failure in answers.items():
                if failure is None or failure.not_found:
                    continue
                if any(code in failure.message for code in watched):
                    self.on_change(f"deal {deal_id}: {failure.message}")
            on_batch(answers)

        self.inner.send(updates, check, before_sending=before_sending)


def _describe_changes(before: ResolvedDealFields, after: ResolvedDealFields) -> str:
    changed = [
        f"{status.value} item {before.payment_status_items[status]} -> {item}"
        for status, item in after.payment_status_items.items()
        if before.payment_status_items.get(status) != item
    ]
    if before.realization_date_type != after.realization_date_type:
        changed.append(
            f"realization date type {before.realization_date_type} -> "
            f"{after.realization_date_type}"
        )
    return ", ".join(changed) or "no change"
