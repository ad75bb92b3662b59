"""The batch log: each update batch's results, committed as it returns.

The results are recorded as outcomes and deal values together at the end
of an evaluation. After a crash, the next run records what the log still
contains before it reads any report or deal value, so a confirmed update is
never forgotten and never sent again.
"""

from __future__ import annotations

import logging

from exchange import jsonio
from exchange.contract.enums import OrderStatus
from exchange.orders.outcome import Settled, TopOutcome
from exchange.orders.port import UpdateFailure
from exchange.state.orders_records import DealState
from exchange.state.orders_store import OrdersStore

log = logging.getLogger(__name__)


BatchResult = tuple[str, int, DealState | None, UpdateFailure | None]
"""One deal's result in a batch: top ref, deal id, the deal's state once the
update was taken, and the failure otherwise."""


def encode_results(batch: list[BatchResult]) -> str:
    """Return one batch's results as the JSON text of the batch log.

    A taken update is ``[top, deal, item, date]``, a refused one ``[top,
    deal, message, not_found, transient]``, so the length separates the two.
    """
    rows: list[tuple[object, ...]] = []
    for top, deal_id, state, failure in batch:
        if state is not None:
            rows.append(
                (top, deal_id, state.payment_status_item, state.realization_date)
            )
        elif failure is not None:
            rows.append(
                (top, deal_id, failure.message, failure.not_found, failure.transient)
            )
    return jsonio.dumps(rows).decode()


def decode_results(data: str) -> list[BatchResult]:
    """Return the results that ``encode_results`` wrote."""
    results: list[BatchResult] = []
    for top, deal_id, first, second, *rest in jsonio.loads(data):
        if isinstance(second, bool):
            # A log written before the transient mark existed has four items.
            failure = UpdateFailure(first, second, transient=bool(rest and rest[0]))
            results.append((top, deal_id, None, failure))
        else:
            results.append((top, deal_id, DealState(first, second, "sent"), None))
    return results


def record_batches(
    store: OrdersStore,
    on_settled: Settled,
    returned: list[BatchResult],
    logged: list[int],
) -> dict[str, TopOutcome]:
    """Record batch results as outcomes and deal values; drop their log rows.

    Runs in one transaction and returns the outcomes by top ref.
    """
    outcomes: dict[str, TopOutcome] = {}
    sent: dict[int, DealState] = {}
    missing: list[int] = []
    for top, deal_id, state, failure in returned:
        if state is not None:
            outcomes[top] = TopOutcome(OrderStatus.UPDATED, deal_id, "", recheck=False)
            sent[deal_id] = state
        elif failure is None:
            continue
        elif failure.not_found:
            missing.append(deal_id)
            outcomes[top] = TopOutcome(
                OrderStatus.PENDING,
                None,
                f"deal {deal_id} no longer exists in Bitrix24; the "
                "deal is looked up again on the next run",
                recheck=True,
            )
        elif failure.transient:
            outcomes[top] = TopOutcome(
                OrderStatus.PENDING,
                deal_id,
                f"Bitrix24 could not take the update of deal {deal_id} now "
                f"({failure.message}); the order is retried on the next run",
                recheck=True,
            )
        else:
            outcomes[top] = TopOutcome(
                OrderStatus.ERROR,
                deal_id,
                f"Bitrix24 rejected the update of deal {deal_id}: {failure.message}",
                recheck=False,
            )
    if not logged and not outcomes:
        return outcomes
    with store.transaction():
        store.remember_sent(sent)
        for deal_id in missing:
            store.forget_deal(deal_id)
        on_settled(outcomes)
        store.drop_logged(logged)
    return outcomes


def record_logged_batches(store: OrdersStore, on_settled: Settled) -> int:
    """Record the batch results that a run which stopped midway left logged.

    Returns how many results were recorded. A run calls this before it
    reads any report or deal value.
    """
    logged = store.logged_batches()
    if not logged:
        return 0
    returned = [item for _, data in logged for item in decode_results(data)]
    log.info("recording %d deal updates confirmed before a restart", len(returned))
    record_batches(store, on_settled, returned, [seq for seq, _ in logged])
    return len(returned)
