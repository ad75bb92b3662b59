"""Bringing the deals of top-level orders up to date.

For each top-level order the evaluator decides the receipt status: orders
that do not count are ``ignored``; a missing or shared document number is
``pending`` or ``error``; otherwise the deal is found (cache first, then one
bulk lookup), the rolled-up values are compared with what the deal is known
to hold, and only the changed fields are sent. Each batch's results are
committed to the batch log as it returns (``batch_log.py``), and the
outcomes are handed to the ``OutcomeBook`` when the last one is recorded, so
that a crash never loses a confirmed update.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass

from exchange.bitrix24.errors import AccessDenied, Bitrix24Error
from exchange.contract.enums import OrderStatus
from exchange.orders.batch_log import BatchResult, encode_results, record_batches
from exchange.orders.number_owners import NumberOwners
from exchange.orders.outcome import OutcomeBook, TopOutcome
from exchange.orders.port import (
    PAYMENT_ITEM,
    REALIZATION_DATE,
    DealPort,
    FoundDeal,
    PlannedUpdate,
    UpdateFailure,
)
from exchange.rules.order_facts import DealValues
from exchange.rules.rollup import OrderTree
from exchange.state.background import Statement
from exchange.state.deal_tables import cache_statement, reads_statement
from exchange.state.orders_records import DealState
from exchange.state.orders_store import OrdersStore

log = logging.getLogger(__name__)


@dataclass
class Evaluation:
    """All outcomes of one evaluation, and the error that stopped it, if any."""

    outcomes: dict[str, TopOutcome]
    stopped: Bitrix24Error | None = None
    updates_sent: int = 0


class TopEvaluator:
    """Evaluate top-level orders against their deals."""

    def __init__(self, store: OrdersStore, port: DealPort, book: OutcomeBook) -> None:
        self.store = store
        self.port = port
        self.book = book
        self._read: dict[str, FoundDeal] = {}

    def run(
        self,
        tree: OrderTree,
        tops: Collection[str],
        numbers: dict[str, str],
        *,
        owners: NumberOwners | None = None,
    ) -> Evaluation:
        """Evaluate ``tops`` of ``tree``; ``numbers`` maps refs to 1C numbers.

        ``owners`` may give, for some document numbers, the counting
        top-level orders that ``OrdersStore.counting_tops_with_numbers``
        returns now. Those numbers are not queried again.
        """
        result = Evaluation({})
        candidates = self._classify(
            tree, tops, numbers, result, owners or NumberOwners()
        )
        deals = self._deals_of(candidates, result)
        planned: dict[str, PlannedUpdate] = {}
        if result.stopped is None:
            try:
                planned = self._plan(tree, candidates, deals, result)
            except Bitrix24Error as exc:
                result.stopped = exc
                planned = {}
        if result.stopped is not None:
            self._postpone(candidates, deals, result)
        writes = self._remember(planned if result.stopped is None else {})
        self.book.settle_soon(dict(result.outcomes), writes)
        if planned and result.stopped is None:
            self._send(planned, result)
        return result

    def _classify(
        self,
        tree: OrderTree,
        tops: Collection[str],
        numbers: dict[str, str],
        result: Evaluation,
        owners: NumberOwners,
    ) -> dict[str, str]:
        """Settle the tops that need no deal; return the others' numbers."""
        counting: dict[str, str] = {}
        for top in tops:
            facts = tree.get(top)
            if facts is None:
                continue
            if facts.deletion_mark or not facts.posted:
                reason = "marked for deletion" if facts.deletion_mark else "not posted"
                result.outcomes[top] = TopOutcome(
                    OrderStatus.IGNORED,
                    None,
                    f"the order is {reason} in 1C, so its deal is not changed",
                    recheck=False,
                )
            elif not facts.document_number:
                result.outcomes[top] = TopOutcome(
                    OrderStatus.PENDING,
                    None,
                    "Номер документа is empty; fill it in 1C and upload the order "
                    "again, it is retried until then",
                    recheck=True,
                )
            else:
                counting[top] = facts.document_number
        sole, several = owners.sole, owners.several
        unknown = {
            number
            for number in counting.values()
            if number not in sole and number not in several
        }
        if unknown:
            owners.add_all(self.store.counting_tops_with_numbers(unknown))
        shared = [
            (top, number, others)
            for top, number in counting.items()
            if sole.get(number) != top and (others := owners.others(number, top))
        ]
        for top, number, others in shared:
            names = ", ".join(numbers.get(ref, ref) for ref in others)
            result.outcomes[top] = TopOutcome(
                OrderStatus.ERROR,
                None,
                f"Номер документа {number!r} is also on order {names}; "
                "give each order its own number in 1C",
                recheck=False,
            )
            del counting[top]
        return counting

    def _deals_of(
        self, counting: dict[str, str], result: Evaluation
    ) -> dict[str, FoundDeal]:
        """Find the one deal of every document number, or settle the top.

        Deals found in Bitrix24 are kept in ``self._read`` until
        ``_remember`` stores them.
        """
        cached = self.store.cached_deals(counting.values())
        known = self.store.deal_states(cached.values())
        deals = {
            number: FoundDeal(deal_id, known[deal_id])
            for number, deal_id in cached.items()
            if deal_id in known
        }
        # In package order, without repeats.
        missing = [n for n in dict.fromkeys(counting.values()) if n not in deals]
        found: dict[str, list[FoundDeal]] = {}
        if missing:
            try:
                found = self.port.find(missing)
            except Bitrix24Error as exc:
                result.stopped = exc
                log.error("deal lookup stopped: %s", exc)
        single = {
            number: rows[0]
            for number, rows in found.items()
            if len(rows) == 1 and number not in deals
        }
        if single:
            # A deal this service sent values to keeps those as its known
            # state, as ``reads_statement`` keeps them in the database.
            stored = self.store.deal_states(d.deal_id for d in single.values())
            deals.update(single)
            sent = {
                deal_id: state
                for deal_id, state in stored.items()
                if state.source == "sent"
            }
            if sent:
                for number, deal in single.items():
                    prior = sent.get(deal.deal_id)
                    if prior is not None:
                        deals[number] = FoundDeal(deal.deal_id, prior)
            self._read = single
        for top, number in counting.items():
            if number in deals:
                continue
            rows = found.get(number, [])
            result.outcomes[top] = self._unmatched(number, rows, result.stopped)
        return deals

    def _remember(self, planned: dict[str, PlannedUpdate]) -> list[Statement]:
        """Return the statements that cache the deals just found and their values.

        A deal about to be updated gets its values stored with the update's
        result instead. Should the run stop first, the next run looks the
        deal up again.
        """
        read = self._read
        if not read:
            return []
        self._read = {}
        updated = {update.deal_id for update in planned.values()}
        reads = {
            deal.deal_id: deal.state
            for deal in read.values()
            if deal.deal_id not in updated
        }
        statements = [
            cache_statement({number: deal.deal_id for number, deal in read.items()})
        ]
        if reads:
            statements.append(reads_statement(reads))
        return statements

    @staticmethod
    def _postpone(
        counting: dict[str, str], deals: dict[str, FoundDeal], result: Evaluation
    ) -> None:
        """Leave every top whose deal is known pending once Bitrix24 stopped."""
        for top, number in counting.items():
            deal = deals.get(number)
            if deal is not None:
                result.outcomes[top] = _unreached(result.stopped, deal.deal_id)

    @staticmethod
    def _unmatched(
        number: str, rows: list[FoundDeal], stopped: Bitrix24Error | None
    ) -> TopOutcome:
        if stopped is not None:
            return _unreached(stopped, None)
        if not rows:
            return TopOutcome(
                OrderStatus.PENDING,
                None,
                f"no deal has Номер документа {number!r} yet; the order is "
                "retried until a manager enters the number in the deal",
                recheck=True,
            )
        ids = ", ".join(str(row.deal_id) for row in sorted(rows, key=_deal_id))
        return TopOutcome(
            OrderStatus.ERROR,
            None,
            f"several deals have Номер документа {number!r} (deals {ids}); no deal "
            "was updated: leave the number on one deal in Bitrix24, the order "
            "is checked again on the next run",
            recheck=True,
        )

    def _plan(
        self,
        tree: OrderTree,
        counting: dict[str, str],
        deals: dict[str, FoundDeal],
        result: Evaluation,
    ) -> dict[str, PlannedUpdate]:
        planned: dict[str, PlannedUpdate] = {}
        # Rolled-up values repeat (a few statuses, the dates of a few
        # months), and the tree gives equal values as one object, so each is
        # encoded once. The object's id is a cheaper key than its hash; the
        # entry keeps the object alive, so no other object takes that id.
        # The changes are worked out once per desired and known values too,
        # and the updates share them: nothing changes them once planned.
        states: dict[int, tuple[DealValues, DealState]] = {}
        found: dict[tuple[int, str | None, str | None], dict[str, str | None]] = {}
        rollup = tree.rollup
        state_of = self.port.state_of
        for top, number in counting.items():
            deal = deals.get(number)
            if deal is None:
                continue
            values = rollup(top)
            entry = states.get(id(values))
            if entry is None:
                entry = states[id(values)] = (values, state_of(values))
            desired = entry[1]
            known = deal.state
            key = (id(values), known.payment_status_item, known.realization_date)
            changes = found.get(key)
            if changes is None:
                changes = found[key] = _changes(desired, known)
            if changes:
                planned[top] = PlannedUpdate(deal.deal_id, changes, desired)
            else:
                result.outcomes[top] = TopOutcome(
                    OrderStatus.UNCHANGED, deal.deal_id, "", recheck=False
                )
        return planned

    def _send(self, planned: dict[str, PlannedUpdate], result: Evaluation) -> None:
        """Send the planned updates and record the result of each batch.

        Each batch's results are committed to the batch log as soon as it
        returns; the outcomes and deal values are recorded together at the
        end (``record_batches``), or by the next run after a crash.
        """
        top_of_deal = {update.deal_id: top for top, update in planned.items()}
        returned: list[BatchResult] = []
        logged: list[int] = []
        progress = _Progress(len(planned))

        def on_batch(results: dict[int, UpdateFailure | None]) -> None:
            batch: list[BatchResult] = []
            for deal_id, failure in results.items():
                top = top_of_deal[deal_id]
                state = planned[top].state if failure is None else None
                batch.append((top, deal_id, state, failure))
            logged.append(self.store.log_batch(encode_results(batch)))
            returned.extend(batch)
            progress.advance(len(batch))

        stop: Bitrix24Error | None = None
        try:
            self.port.send(
                list(planned.values()),
                on_batch,
                before_sending=self.store.wait_for_writes,
            )
        except Bitrix24Error as exc:
            stop = exc
            log.error("deal updates stopped: %s", exc)
        finally:
            outcomes = record_batches(self.store, self.book.settle, returned, logged)
            result.outcomes.update(outcomes)
            result.updates_sent += sum(1 for item in returned if item[3] is None)
        if stop is not None:
            result.stopped = stop
            rest = {
                top: _unreached(stop, update.deal_id)
                for top, update in planned.items()
                if top not in outcomes
            }
            with self.store.transaction():
                self.book.settle(rest)
            result.outcomes.update(rest)


PROGRESS_SECONDS = 10.0
"""Minimum time between two progress lines of one evaluation's deal updates."""


class _Progress:
    """Log how many deal updates have returned, at most every ``PROGRESS_SECONDS``.

    At the default request limit, 10,000 updates take about 80 s, so the
    log shows the package moving without a line per batch.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self._last = time.monotonic()

    def advance(self, count: int) -> None:
        """Count ``count`` more returned updates, and log them when due."""
        self.done += count
        now = time.monotonic()
        if self.done < self.total and now - self._last >= PROGRESS_SECONDS:
            log.info("deal updates: %d of %d returned", self.done, self.total)
            self._last = now


def _unreached(error: Bitrix24Error | None, deal_id: int | None) -> TopOutcome:
    """Return the pending outcome of an order that Bitrix24 could not take."""
    reason = (
        "Bitrix24 refused access to the webhook"
        if isinstance(error, AccessDenied)
        else "Bitrix24 could not be reached"
    )
    return TopOutcome(
        OrderStatus.PENDING,
        deal_id,
        f"{reason}, so the order is retried on the next run",
        recheck=True,
        unreached=True,
    )


def _changes(desired: DealState, known: DealState) -> dict[str, str | None]:
    changes: dict[str, str | None] = {}
    if desired.payment_status_item != known.payment_status_item:
        changes[PAYMENT_ITEM] = desired.payment_status_item
    if desired.realization_date != known.realization_date:
        changes[REALIZATION_DATE] = desired.realization_date
    return changes


def _deal_id(deal: FoundDeal) -> int:
    return deal.deal_id
