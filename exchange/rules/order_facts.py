"""Facts of a transport order and the deal values computed from them.

The order rules (rollup, versions, document-number conflicts) work on these
plain values only, so that they stay free of I/O and fast enough to run on
every order of a large package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import date

    from exchange.contract.enums import PaymentStatus

PAYMENT_STATUS = "payment_status"
REALIZATION_DATE = "realization_date"
DEAL_FIELDS = frozenset({PAYMENT_STATUS, REALIZATION_DATE})


class Facts(Protocol):
    """The attributes of an order that the order rules read, on any object.

    ``OrderFacts`` is the rules' own form. The contract's ``Order`` models
    have the same attributes, so the orders of a large package go into the
    rules as they were loaded, without a copy of each.
    """

    @property
    def ref(self) -> str:
        """The order's 1C reference."""

    @property
    def parent_ref(self) -> str | None:
        """The parent order's reference; None for a top-level order."""

    @property
    def payment_status(self) -> PaymentStatus | None:
        """Статус оплаты; None when 1C left it empty."""

    @property
    def realization_date(self) -> date | None:
        """Дата реализации; None when 1C left it empty."""

    @property
    def deletion_mark(self) -> bool:
        """Whether the order is marked for deletion."""

    @property
    def posted(self) -> bool:
        """Whether the order is posted."""

    @property
    def document_number(self) -> str | None:
        """Номер документа, trimmed; None when empty."""


def is_included(order: Facts) -> bool:
    """Tell whether the order takes part in rollups: posted and not deleted."""
    return order.posted and not order.deletion_mark


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """The attributes of one 1C transport order that the order rules read.

    ``parent_ref`` is None for a top-level order. ``payment_status`` and
    ``realization_date`` are None when 1C left them empty.
    ``document_number`` is already trimmed, and None when empty.
    """

    ref: str
    parent_ref: str | None
    payment_status: PaymentStatus | None
    realization_date: date | None
    deletion_mark: bool
    posted: bool
    document_number: str | None

    @property
    def is_included(self) -> bool:
        """Whether the order takes part in rollups: posted and not deleted."""
        return is_included(self)


@dataclass(frozen=True, slots=True)
class DealValues:
    """The two deal fields the service sends for a top-level order.

    A ``realization_date`` of None clears the deal's date.
    """

    payment_status: PaymentStatus
    realization_date: date | None


def diff_fields(desired: DealValues, last_known: DealValues | None) -> set[str]:
    """Return the names of the deal fields whose value would change.

    Only these fields are sent to the deal, and an empty result means the
    order is ``unchanged``. When nothing is known of the deal (None), both
    fields are sent. The names are ``PAYMENT_STATUS`` and
    ``REALIZATION_DATE``.
    """
    if last_known is None:
        return set(DEAL_FIELDS)

    changed: set[str] = set()
    if desired.payment_status != last_known.payment_status:
        changed.add(PAYMENT_STATUS)
    if desired.realization_date != last_known.realization_date:
        changed.add(REALIZATION_DATE)
    return changed
