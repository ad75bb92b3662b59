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

    from exchange.contract.models import (
        CounterpartiesReceiptPackage,
        CounterpartyResult,
    )
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

    ``exported`` contains the records of the answered package, with what
    earlier receipts for it gave. A result is rejected when the package did
    not contain its item, or when an earlier receipt reported the item
    loaded with another status or reference.
    """
    problems: list[Problem] = []
    for index, result in enumerate(receipt.results):
        record = exported.get((result.b24_entity, result.b24_id))
        if record is None:
            problems.append(_not_in_package(index, result, answered))
            continue
        problem = _contradiction(index, result, record, answered)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise ReceiptRejected(problems)


def _not_in_package(
    index: int, result: CounterpartyResult, answered: OutgoingPackage
) -> Problem:
    message = (
        f"{result.b24_entity} {result.b24_id} (b24_entity, b24_id) is not in "
        f"{answered.name} (package {answered.package_id}), which this receipt "
        "answers; a receipt gives results only for the counterparties of that "
        "package, so remove this row or correct b24_entity and b24_id, and "
        "send the receipt again"
    )
    return Problem(f"/results/{index}/b24_id", show_value(result.b24_id), message)


def _contradiction(
    index: int,
    result: CounterpartyResult,
    record: ExportedRecord,
    answered: OutgoingPackage,
) -> Problem | None:
    """Describe a result that contradicts an earlier success for the same package.

    After an ``error`` any result may follow, because 1C may load the item
    on a second try. A success is final for its package: a later receipt
    may repeat it but not change it. Rows stored before the reference was
    kept (``receipt_ref`` None) are compared by status only.
    """
    if record.receipt_status in (None, "error"):
        return None
    ref_differs = record.receipt_ref is not None and record.receipt_ref != result.ref
    if record.receipt_status == result.status and not ref_differs:
        return None
    earlier = f"as {record.receipt_status}"
    if record.receipt_ref:
        earlier += f" with reference {record.receipt_ref}"
    if record.receipt_package_id:
        earlier += f" by receipt {record.receipt_package_id}"
    message = (
        f"{result.b24_entity} {result.b24_id} of {answered.name} was already "
        f"reported {earlier}; each counterparty of a package is answered once, "
        "so repeat that result or leave the row out. To link the "
        f"{result.b24_entity} to another 1C counterparty, flag it for loading "
        "again in Bitrix24 and answer the package that then exports it"
    )
    field = "ref" if ref_differs else "status"
    value = result.ref if ref_differs else result.status
    return Problem(f"/results/{index}/{field}", show_value(value), message)
