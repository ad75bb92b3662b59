"""Receipt rows, and the follow-ups owed to earlier packages.

Each order's status is reported in the receipt of the package that last
carried it. When a later run changes that status (a pending order applied,
an ambiguous number resolved, an order drawn into a number conflict), the
change is written as a follow-up receipt for that earlier package, holding
only the orders whose status changed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from exchange.contract.enums import OrderStatus
from exchange.orders.evaluate import TopOutcome
from exchange.state.orders_store import OrderReport, OrdersStore


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    """One entry of ``results`` in an ``orders_receipt``."""

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
    """

    def __init__(self, store: OrdersStore, package_id: str | None) -> None:
        self.store = store
        self.package_id = package_id
        self.followups: dict[str, list[ReceiptRow]] = defaultdict(list)

    def settle(self, outcomes: dict[str, TopOutcome]) -> None:
        """Store outcomes of top-level orders (inside the caller's transaction)."""
        previous = self.store.reports(outcomes)
        changed: list[OrderReport] = []
        for ref, outcome in outcomes.items():
            report = previous.get(ref)
            if report is None:
                continue
            status = outcome.status.value
            if outcome.unreached and report.package_id != self.package_id:
                # Nothing new is known, so an earlier package keeps its status,
                # but the order is retried: its deal may be owed new values.
                if not report.recheck:
                    changed.append(replace(report, recheck=True))
                continue
            if (
                report.package_id == self.package_id
                and report.status == OrderStatus.UPDATED
                and status == OrderStatus.UNCHANGED
            ):
                # The same package processed again after a crash: the update it
                # confirmed before stays its result.
                continue
            updated = replace(
                report,
                status=status,
                deal_id=outcome.deal_id if outcome.deal_id else report.deal_id,
                message=outcome.message,
                recheck=outcome.recheck,
            )
            if updated == report:
                continue
            changed.append(updated)
            if report.package_id != self.package_id and report.status != status:
                self.followups[report.package_id].append(row_of(updated))
        self.store.save_reports(changed)

    def note_followup(self, report: OrderReport) -> None:
        """Add a changed report of another package to its follow-up."""
        if report.package_id != self.package_id:
            self.followups[report.package_id].append(row_of(report))


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
