"""Enumerations of the exchange contract, as one Python enum each."""

from __future__ import annotations

from enum import StrEnum


class PaymentStatus(StrEnum):
    """Статус оплаты of a transport order; the value is 1C's value name."""

    NOT_PAID = "НеОплачен"
    PARTIALLY_PAID = "ОплаченЧастично"
    FULLY_PAID = "ОплаченПолностью"

    @property
    def presentation(self) -> str:
        """The text 1C shows for the value, which Bitrix24 list items copy."""
        return _PRESENTATIONS[self]


_PRESENTATIONS = {
    PaymentStatus.NOT_PAID: "Не оплачен",
    PaymentStatus.PARTIALLY_PAID: "Оплачен частично",
    PaymentStatus.FULLY_PAID: "Оплачен полностью",
}


class CounterpartyKind(StrEnum):
    """ЮрФизЛицо of a 1C counterparty, with individual entrepreneurs apart."""

    LEGAL_ENTITY = "legal_entity"
    ENTREPRENEUR = "entrepreneur"
    INDIVIDUAL = "individual"


class PackageKind(StrEnum):
    """The ``kind`` of a package in the envelope."""

    ORDERS = "orders"
    COUNTERPARTY_CATALOG = "counterparty_catalog"
    COUNTERPARTIES_RECEIPT = "counterparties_receipt"
    COUNTERPARTIES = "counterparties"
    ORDERS_RECEIPT = "orders_receipt"
    REJECTION = "rejection"


INCOMING_KINDS = frozenset(
    {
        PackageKind.ORDERS,
        PackageKind.COUNTERPARTY_CATALOG,
        PackageKind.COUNTERPARTIES_RECEIPT,
    }
)


class OrderStatus(StrEnum):
    """Status of one order in an ``orders_receipt``."""

    UPDATED = "updated"
    UNCHANGED = "unchanged"
    PENDING = "pending"
    SUBORDER = "suborder"
    IGNORED = "ignored"
    ERROR = "error"
