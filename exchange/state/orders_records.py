"""Records of the orders state, as the store takes and returns them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from exchange import jsonio
from exchange.contract.enums import PaymentStatus
from exchange.rules.order_facts import OrderFacts

VersionValues = tuple[
    str | None,
    str,
    str | None,
    PaymentStatus | None,
    date | None,
    bool,
    bool,
    datetime | str | None,
]
"""An order version's fields as ``save_versions`` takes them, by ref: parent
ref, 1C number, document number, payment status, realization date, deletion
mark, posted, and the time it was modified, which is stored as ISO text (a
``datetime`` must have an offset in whole minutes, which orjson writes
exactly). They are stored as this JSON array, in this order; the package's
sender, number and ID are added to every row."""

OutcomeRow = tuple[str, int | None, str, bool, str]
"""An order's outcome as ``update_outcome_rows`` takes it: status, deal id,
message, recheck, ref. The status may be an ``OrderStatus``, a ``str``."""

ReceiptKey = tuple[str, str, str]
"""An order as a receipt names it: ref, 1C number, document number."""


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """One order version as stored, with what the receipt needs besides facts."""

    facts: OrderFacts
    number: str
    modified_at: str | None
    sender: str
    package_number: int
    package_id: str


@dataclass(frozen=True, slots=True)
class PackageRecord:
    """An incoming package the service has taken."""

    package_id: str
    sha256: str
    kind: str
    sender: str
    number: int
    source_file: str
    state: str


# Not frozen: a frozen dataclass takes about four times as long to build
# (each field goes through ``object.__setattr__``), and a large package builds
# one of these per order. Nothing changes one after it is built.
@dataclass(slots=True)
class OrderReport:
    """The status an order was last reported with, and in which package."""

    ref: str
    package_id: str
    number: str
    document_number: str
    status: str
    deal_id: int | None
    message: str
    rollup: bool
    recheck: bool


# Not frozen, for the reason given at ``OrderReport``.
@dataclass(slots=True)
class DealState:
    """Values of a deal's two fields as last sent or read (item ID, ISO date)."""

    payment_status_item: str | None
    realization_date: str | None
    source: str


def outcome_row(report: OrderReport) -> OutcomeRow:
    """Return the outcome of a report as ``update_outcome_rows`` takes it."""
    return (report.status, report.deal_id, report.message, report.recheck, report.ref)


def json_array(values: Iterable[str] | Iterable[int]) -> str:
    """Return values as the JSON array text that ``json_each`` reads.

    Each value is listed once, so that a query may join ``json_each`` to a
    table (``FROM json_each(?) AS j CROSS JOIN t ON t.key = j.value``) and
    get each row once. That form probes the table's index once per value.
    ``WHERE key IN (SELECT value FROM json_each(?))`` first builds a
    temporary index of the values: 0.16 s for 100,000 refs against 0.015 s
    with an empty table. CROSS JOIN keeps ``json_each`` the outer loop.
    """
    return jsonio.dumps(list(dict.fromkeys(values))).decode()
