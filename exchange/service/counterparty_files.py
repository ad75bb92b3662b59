"""Incoming files of the counterparties flow: 1C's catalog and its receipts."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from exchange.archive import catalog_keys, counterparty_keys
from exchange.contract.load import LoadedFile
from exchange.contract.models import (
    CounterpartiesReceiptPackage,
    CounterpartyCatalogPackage,
)
from exchange.service.file_endings import (
    FileOutcome,
    archive_file,
    mark_archived,
    reject_file,
)
from exchange.service.runtime import Runtime
from exchange.state.orders_records import PackageRecord

log = logging.getLogger(__name__)


def apply_counterparty_file(
    runtime: Runtime,
    loaded: LoadedFile,
    package: Any,
    record: PackageRecord,
    data: bytes,
    received: datetime,
) -> FileOutcome:
    """Apply a counterparty catalog or a receipt for exported counterparties.

    A receipt for a package this service never sent, or with a result that
    does not fit the package it replies to, is rejected.
    """
    from exchange.counterparties import (
        ReceiptRejected,
        apply_catalog,
        apply_receipt,
    )

    try:
        if isinstance(package, CounterpartyCatalogPackage):
            counts = apply_catalog(runtime, package)
        elif isinstance(package, CounterpartiesReceiptPackage):
            counts = apply_receipt(runtime, package)
        else:
            raise TypeError(f"unexpected package type {type(package).__name__}")
    except ReceiptRejected as exc:
        return reject_file(runtime, loaded, data, received, exc.problems)
    store = runtime.orders
    with store.transaction():
        if store.package(record.package_id) is None:
            store.add_package(record, received.isoformat())
    details, keys = _journal_details_and_keys(package)
    archive_file(
        runtime,
        loaded,
        data,
        received,
        "applied",
        "",
        b"",
        counts=counts,
        details=details,
        keys=keys,
    )
    mark_archived(runtime, record, loaded.source_name, counts)
    return FileOutcome(loaded.source_name, "applied", record.kind, counts)


def _journal_details_and_keys(
    package: Any,
) -> tuple[list[dict[str, Any]] | None, list[tuple[str, str]]]:
    """Return the journal details and search keys of an applied counterparty file.

    A catalog is found by each reference and INN it lists, and keeps no
    details because it may list every counterparty of the 1C base. A receipt
    keeps its results, so that ``audit show`` lists which reference 1C gave
    to which item. It is found by those references and item IDs, and by the
    package id of the export it replies to, as replies to orders are.
    """
    if isinstance(package, CounterpartyCatalogPackage):
        return None, catalog_keys(package.counterparties)
    results = [result.model_dump(mode="json") for result in package.results]
    keys = [("package_id", package.in_reply_to), *counterparty_keys(results)]
    return results, keys
