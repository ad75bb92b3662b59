"""The counterparty flow, Bitrix24 → 1C: export, 1C catalog, 1C receipts, events."""

from exchange.counterparties.catalog import apply_catalog
from exchange.counterparties.events import EventListener, ExportTrigger
from exchange.counterparties.export import ExportResult, export_counterparties
from exchange.counterparties.receipt_checks import ReceiptRejected, UnknownPackage
from exchange.counterparties.receipts import apply_receipt
from exchange.counterparties.status import status_lines

__all__ = [
    "EventListener",
    "ExportResult",
    "ExportTrigger",
    "ReceiptRejected",
    "UnknownPackage",
    "apply_catalog",
    "apply_receipt",
    "export_counterparties",
    "status_lines",
]
