"""Checks of a ``counterparties_receipt`` against the package it replies to.

A receipt that fails any of them is rejected whole before anything of it is
applied, because the receipt has no reply of its own: a rejection is the
only way to tell 1C that a row was not taken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchange.contract.enums import PackageKind
from exchange.contract.problems import Problem, show_value
from exchange.errors import ContractError
from exchange.state.outgoing_store import OutgoingPackage, find_package

if TYPE_CHECKING:
    import sqlite3

    from exchange.contract.models import CounterpartiesReceiptPackage
    from exchange.counterparties.store_records import ExportedRecord, ItemKey


class ReceiptRejected(ContractError):  # noqa: N818 (public name)
    """A receipt that does not fit the package it replies to; nothing of it applies."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


class UnknownPackage(ReceiptRejected):
    """A receipt whose ``in_reply_to`` is no counterparties package of ours."""


def answered_package(
    conn: sqlite3.Connection, receipt: CounterpartiesReceiptPackage
) -> OutgoingPackage:
    """Return the counterparties package that the receipt replies to.

    Raises ``UnknownPackage`` when ``in_reply_to`` names no counterparties
    package that this service wrote.
    """
    package_id = receipt.in_reply_to
    written = find_package(conn, package_id)
    if written is None or written.kind != PackageKind.COUNTERPARTIES.value:
        message = (
            f"in_reply_to {package_id} is not a counterparties package written by "
            "this service; check that the receipt answers a file from this "
            "service's outbox"
        )
        raise UnknownPackage([Problem("/in_reply_to", show_value(package_id), message)])
    return written


def check_results(
    receipt: CounterpartiesReceiptPackage,
    answered: OutgoingPackage,
    exported: dict[ItemKey, ExportedRecord],
) -> None:
    """Raise ``ReceiptRejected`` listing every result the receipt may not give.

    ``exported`` contains the records of the answered package. A result for
    an item that the package did not contain is rejected.
    """
    problems: list[Problem] = []
    for index, result in enumerate(receipt.results):
        if (result.b24_entity, result.b24_id) in exported:
            continue
        message = (
            f"{result.b24_entity} {result.b24_id} (b24_entity, b24_id) is not in "
            f"{answered.name} (package {answered.package_id}), which this receipt "
            "answers; a receipt gives results only for the counterparties of that "
            "package, so remove this row or correct b24_entity and b24_id, and "
            "send the receipt again"
        )
        problems.append(
            Problem(f"/results/{index}/b24_id", show_value(result.b24_id), message)
        )
    if problems:
        raise ReceiptRejected(problems)
