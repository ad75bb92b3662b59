"""Receipt rows, and the follow-ups owed to earlier packages.

Each order's status is reported in the receipt of the package that last
carried it. A later run may change that status: a pending order applied,
an ambiguous number resolved, an order drawn into a number conflict. The
change then goes into a follow-up receipt for that earlier package, which
lists only the orders whose status changed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from exchange.contract.enums import OrderStatus
from exchange.orders.evaluate import TopOutcome
from exchange.state.orders_store import OrderReport, OrdersStore


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    """One entry of ``results`` in an ``orders_receipt``.

    orjson writes the row itself into the receipt, so its fields are the
    result's fields, in the order of the exchange format.
    """

    ref: str
    number: str
    document_number: str
    status: OrderStatus
    deal_id: int | None
    message: str
    rollup: bool


class ReportBook:
    """Record top-level outcomes and collect follow-ups for earlier packages.

    ``package_id`` is the package being processed (its own orders are not
    follow-ups), or None when pending orders are retried on their own.
    ``known`` contains reports as they are stored now (the placeholders the
    package has just written). The book keeps it up to date as it saves,
    and reads from the database only the reports of other orders.
    """

    def __init__(
        self,
        store: OrdersStore,
        package_id: str | None,
        known: dict[str, OrderReport] | None = None,
    ) -> None:
        self.store = store
        self.package_id = package_id
        self.followups: dict[str, list[ReceiptRow]] = defaultdict(list)
        self._known = known if known is not None else {}

    def settle(self, outcomes: dict[str, TopOutcome]) -> None:
        """Store outcomes of top-level orders (inside the caller's transaction)."""
        known = self._known
        unknown = [ref for ref in outcomes if ref not in known]
        previous = self.store.reports(unknown) if unknown else {}
        changed: list[OrderReport] = []
        for ref, outcome in outcomes.items():
            report = known.get(ref) or previous.get(ref)
            if report is None:
                continue
            status = outcome.status.value
            if report.status == OrderStatus.UPDATED and status == OrderStatus.UNCHANGED:
                # The deal contains the values this service sent: the update
                # reported before stays the order's result, also after a crash.
                if report.recheck:
                    changed.append(replace(report, recheck=False))
                continue
            if outcome.unreached and report.package_id != self.package_id:
                # Nothing new is known, so an earlier package keeps its status,
                # but the order is retried: its deal may be owed new values.
                if not report.recheck:
                    changed.append(replace(report, recheck=True))
                continue
            updated = OrderReport(
                report.ref,
                report.package_id,
                report.number,
                report.document_number,
                status,
                outcome.deal_id if outcome.deal_id else report.deal_id,
                outcome.message,
                report.rollup,
                outcome.recheck,
            )
            if updated == report:
                continue
            changed.append(updated)
            if report.package_id != self.package_id and report.status != status:
                self.followups[report.package_id].append(row_of(updated))
        # Every changed report is stored already and differs from it only in
        # status, deal, message or recheck.
        self.store.update_outcomes(changed)
        self._follow_rollups(outcomes)
        # Reports of orders outside ``known`` are not added, so memory stays
        # bounded by the package. They are read again when needed.
        for report in changed:
            if report.ref in known:
                known[report.ref] = report

    def _follow_rollups(self, outcomes: dict[str, TopOutcome]) -> None:
        """Follow up rollup rows that earlier receipts reported as pending."""
        settled = [
            ref
            for ref, outcome in outcomes.items()
            if not outcome.unreached and outcome.status != OrderStatus.PENDING
        ]
        if not settled:
            return
        for package_id, (
            ref,
            number,
            document_number,
        ) in self.store.take_pending_rollups(settled):
            if package_id == self.package_id:
                continue
            outcome = outcomes[ref]
            self.followups[package_id].append(
                ReceiptRow(
                    ref=ref,
                    number=number,
                    document_number=document_number,
                    status=outcome.status,
                    deal_id=outcome.deal_id,
                    message=outcome.message,
                    rollup=True,
                )
            )

    def note_followup(self, report: OrderReport) -> None:
        """Add a changed report of another package to its follow-up."""
        if report.package_id != self.package_id:
            self.followups[report.package_id].append(row_of(report))


def suborder_message(top_number: str | None, outcome: TopOutcome | None) -> str:
    """Return the receipt message of a sub-order rolled up into its top."""
    message = f"rolled up into the order with Номер документа {top_number or '(empty)'}"
    if outcome is not None:
        message += f": {outcome.status.value}"
    return message


def row_of(report: OrderReport) -> ReceiptRow:
    """Return the receipt row of a stored report."""
    return ReceiptRow(
        ref=report.ref,
        number=report.number,
        document_number=report.document_number,
        status=OrderStatus(report.status),
        deal_id=report.deal_id,
        message=report.message,
        rollup=False,
    )
