"""Applying a ``counterparties_receipt`` from 1C to Bitrix24 and the state.

A receipt is checked first against the package it replies to
(``receipt_checks.py``) and rejected whole when a result does not fit. For
each result with a reference the service writes the reference into the
item's 1C-reference field and records it in the registry. It also clears the
trigger flag wherever the export found it set: on the deals the record
listed in ``deal_ids``, or on the company or contact itself. All updates of
one receipt go out in ``batch`` requests. An ``error`` result keeps the flag
and is kept for ``exchange status``. Applying the same receipt again sends
nothing for records that are already closed.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from exchange.bitrix24.client import Command
from exchange.counterparties.fields import FlowFields, fields_from_settings
from exchange.counterparties.receipt_checks import answered_package, check_results
from exchange.counterparties.store import CounterpartyStore
from exchange.counterparties.store_records import ExportedRecord, ItemKey
from exchange.state.db import transaction

if TYPE_CHECKING:
    from exchange.bitrix24 import BatchResult
    from exchange.contract.models import (
        CounterpartiesReceiptPackage,
        CounterpartyResult,
    )
    from exchange.service.runtime import Runtime

log = logging.getLogger(__name__)

STATUSES = ("created", "updated", "matched", "error")
# Quiet updates: no live feed entry for each reference the service writes.
_UPDATE_PARAMS = {"REGISTER_SONET_EVENT": "N"}


def apply_receipt(
    runtime: Runtime,
    package: CounterpartiesReceiptPackage,
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """Apply 1C's receipt and return the number of results per status.

    The counts have the keys ``created``, ``updated``, ``matched`` and
    ``error``. Raises ``UnknownPackage`` when ``in_reply_to`` is not a
    counterparties package the service wrote. Raises ``ReceiptRejected`` when
    a result names an item that the package did not contain, or changes a
    success that an earlier receipt reported for the same package. Nothing
    is applied then. A receipt for a package that a later export superseded
    is still applied, and a new reference for an item replaces the stored
    one with a warning.
    """
    moment = now or datetime.now(UTC)
    # Opening the outgoing store creates its tables in a new state database.
    answered = answered_package(runtime.outgoing.conn, package)
    store = CounterpartyStore(runtime.conn)
    exported = store.exported_records(package.in_reply_to)
    check_results(package, answered, exported)
    counts: Counter[str] = Counter(dict.fromkeys(STATUSES, 0))

    to_close: list[tuple[ExportedRecord, CounterpartyResult]] = []
    with transaction(runtime.conn):
        stored_refs = store.registry_refs()
        for result in package.results:
            record = exported[(result.b24_entity, result.b24_id)]
            counts[result.status] += 1
            if _record_without_update(store, record, result, package, moment):
                continue
            _warn_if_relinked(
                stored_refs.get((record.entity, record.b24_id)), result, package
            )
            store.record_ref(
                result.b24_entity,
                result.b24_id,
                str(result.ref),
                package.package_id,
                moment,
            )
            to_close.append((record, result))

    if to_close:
        fields = fields_from_settings(runtime.settings.counterparties)
        closed = _write_to_bitrix24(runtime, fields, to_close)
        with transaction(runtime.conn):
            for record, result in to_close:
                store.record_receipt(
                    record,
                    status=result.status,
                    ref=result.ref,
                    message=result.message,
                    closed=(record.entity, record.b24_id) in closed,
                    receipt_package_id=package.package_id,
                    now=moment,
                )
    log.info(
        "counterparties receipt %s for %s applied: %s",
        package.package_id,
        package.in_reply_to,
        ", ".join(f"{count} {status}" for status, count in counts.items()),
    )
    return dict(counts)


def _record_without_update(
    store: CounterpartyStore,
    record: ExportedRecord,
    result: CounterpartyResult,
    package: CounterpartiesReceiptPackage,
    now: datetime,
) -> bool:
    """Store a result that needs no Bitrix24 update; return whether it was one."""
    if result.status == "error" or not result.ref:
        if result.status != "error":
            log.warning(
                "receipt %s: %s %d has status %s but no reference; the flag is kept",
                package.package_id,
                result.b24_entity,
                result.b24_id,
                result.status,
            )
        else:
            log.warning(
                "1C could not load %s %d: %s; the flag is kept until the item "
                "changes in Bitrix24",
                result.b24_entity,
                result.b24_id,
                result.message or "no message",
            )
        if record.receipt_status != result.status:
            store.record_receipt(
                record,
                status=result.status,
                ref=result.ref,
                message=result.message,
                closed=False,
                receipt_package_id=package.package_id,
                now=now,
            )
        return True
    # The same receipt applied again: the reference is written and the flags
    # are cleared already.
    return record.closed and record.receipt_status == result.status


def _warn_if_relinked(
    stored_ref: str | None,
    result: CounterpartyResult,
    package: CounterpartiesReceiptPackage,
) -> None:
    # check_results rejects another reference for the same package, so this
    # receipt answers a later or superseded package of the item. 1C linked
    # the item to another counterparty, after merging duplicates, say.
    if stored_ref is None or stored_ref == result.ref:
        return
    log.warning(
        "receipt %s for package %s links %s %d to 1C counterparty %s, replacing "
        "%s, which an earlier receipt stored; the new reference is written to "
        "Bitrix24, so check in 1C that %s is the counterparty to keep",
        package.package_id,
        package.in_reply_to,
        result.b24_entity,
        result.b24_id,
        result.ref,
        stored_ref,
        result.ref,
    )


def _write_to_bitrix24(
    runtime: Runtime,
    fields: FlowFields,
    to_close: list[tuple[ExportedRecord, CounterpartyResult]],
) -> set[ItemKey]:
    """Write references and clear flags; return the items fully updated."""
    commands: dict[str, Command] = {}
    owners: dict[str, ItemKey] = {}
    for record, result in to_close:
        key = (record.entity, record.b24_id)
        item_fields: dict[str, Any] = {fields.ref_field(result.b24_entity): result.ref}
        if record.flag_on_item:
            item_fields[fields.trigger_field] = 0
        name = f"{record.entity}_{record.b24_id}"
        commands[name] = (
            f"crm.{record.entity}.update",
            {"id": record.b24_id, "fields": item_fields, "params": _UPDATE_PARAMS},
        )
        owners[name] = key
        for deal_id in record.deal_ids:
            deal_name = f"deal_{deal_id}_{record.entity}_{record.b24_id}"
            commands[deal_name] = (
                "crm.deal.update",
                {
                    "id": deal_id,
                    "fields": {fields.trigger_field: 0},
                    "params": _UPDATE_PARAMS,
                },
            )
            owners[deal_name] = key
    outcome = runtime.client.batches(commands)
    return _closed_items(outcome, owners)


def _closed_items(outcome: BatchResult, owners: dict[str, ItemKey]) -> set[ItemKey]:
    failed: set[ItemKey] = set()
    for name, error in outcome.errors.items():
        key = owners[name]
        if name.startswith("deal_") and error.not_found:
            # A deleted deal has no flag left to clear.
            log.info("deal of %s %d no longer exists: %s", key[0], key[1], error)
            continue
        failed.add(key)
        log.warning(
            "updating %s %d after the receipt failed: %s; applying the receipt "
            "again retries it",
            key[0],
            key[1],
            error,
        )
    failed.update(owners[name] for name in outcome.skipped)
    return set(owners.values()) - failed
