"""The deal port over the Bitrix24 client, and its dry-run variant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any

from exchange.bitrix24 import (
    Bitrix24Client,
    DealUpdate,
    ResolvedDealFields,
    find_deals,
    update_deals,
)
from exchange.bitrix24.query import build_query
from exchange.orders.port import (
    PAYMENT_ITEM,
    REALIZATION_DATE,
    BatchCallback,
    FoundDeal,
    PlannedUpdate,
    UpdateFailure,
)
from exchange.rules.order_facts import DealValues
from exchange.state.orders_records import DealState

BATCH_SIZE = 50


class BitrixDealPort:
    """Find and update deals through ``crm.deal.list`` and ``crm.deal.update``."""

    def __init__(self, client: Bitrix24Client, fields: ResolvedDealFields) -> None:
        self.client = client
        self.fields = fields

    def find(self, numbers: Collection[str]) -> dict[str, list[FoundDeal]]:
        """Return the deals carrying each trimmed document number."""
        found = find_deals(self.client, self.fields, numbers)
        return {
            number: [
                FoundDeal(
                    snapshot.id,
                    DealState(
                        snapshot.payment_status_item,
                        _iso(snapshot.realization_date),
                        "read",
                    ),
                )
                for snapshot in snapshots
            ]
            for number, snapshots in found.items()
        }

    def state_of(self, values: DealValues) -> DealState:
        """Return the item ID and ISO date that ``values`` put on a deal."""
        return DealState(
            self.fields.encode_payment_status(values.payment_status),
            _iso(values.realization_date),
            "sent",
        )

    def encode(self, update: PlannedUpdate) -> dict[str, str]:
        """Return the ``fields`` of ``crm.deal.update`` for one planned update."""
        codes = self.fields.codes
        fields: dict[str, str] = {}
        if PAYMENT_ITEM in update.changes:
            fields[codes.payment_status] = update.changes[PAYMENT_ITEM] or ""
        if REALIZATION_DATE in update.changes:
            raw = update.changes[REALIZATION_DATE]
            day = dt.date.fromisoformat(raw) if raw else None
            fields[codes.realization_date] = self.fields.encode_realization_date(day)
        return fields

    def send(
        self,
        updates: Sequence[PlannedUpdate],
        on_batch: BatchCallback,
        *,
        before_sending: Callable[[], None],
    ) -> None:
        """Send the updates 50 per ``batch`` and report each batch's answers."""
        requests = [DealUpdate(u.deal_id, self.encode(u)) for u in updates]
        before_sending()

        def translate(answers: dict[int, Any]) -> None:
            on_batch(
                {
                    deal_id: None
                    if error is None
                    else UpdateFailure(
                        str(error),
                        not_found=error.not_found,
                        transient=error.transient,
                    )
                    for deal_id, error in answers.items()
                }
            )

        update_deals(self.client, requests, translate)


class DryRunDealPort(BitrixDealPort):
    """Look deals up for real but only record the updates it would send."""

    def __init__(self, client: Bitrix24Client, fields: ResolvedDealFields) -> None:
        super().__init__(client, fields)
        self.planned_batches: list[dict[str, Any]] = []

    def send(
        self,
        updates: Sequence[PlannedUpdate],
        on_batch: BatchCallback,
        *,
        before_sending: Callable[[], None],
    ) -> None:
        """Record the ``batch`` calls and report every update as taken."""
        before_sending()
        for start in range(0, len(updates), BATCH_SIZE):
            chunk = updates[start : start + BATCH_SIZE]
            commands = {
                f"deal{update.deal_id}": "crm.deal.update?"
                + build_query(
                    {
                        "id": update.deal_id,
                        "fields": self.encode(update),
                        "params": {"REGISTER_SONET_EVENT": "N"},
                    }
                )
                for update in chunk
            }
            # ``updates`` repeats the commands decoded, for a reader of the
            # plan; ``params`` contains them exactly as they would be sent.
            readable = [
                {"deal_id": update.deal_id, "fields": self.encode(update)}
                for update in chunk
            ]
            self.planned_batches.append(
                {
                    "method": "batch",
                    "params": {"halt": 0, "cmd": commands},
                    "updates": readable,
                }
            )
            on_batch(dict.fromkeys((update.deal_id for update in chunk), None))


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
