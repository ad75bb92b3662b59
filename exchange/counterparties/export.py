"""One export run: flagged items from Bitrix24 into one ``counterparties`` package."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from exchange.archive import counterparty_keys
from exchange.contract.enums import PackageKind
from exchange.contract.load import validate_outgoing
from exchange.counterparties.collect import collect
from exchange.counterparties.collected import CollectedItem
from exchange.counterparties.decide import ExportReason, export_reason
from exchange.counterparties.fields import check_fields, fields_from_settings
from exchange.counterparties.records import BuiltRecord, build_record
from exchange.counterparties.store import CounterpartyStore
from exchange.counterparties.store_records import ItemExport
from exchange.outbox.documents import envelope
from exchange.rules.counterparty_match import CatalogIndex
from exchange.state.db import transaction
from exchange.state.outgoing_store import OutgoingPackage

if TYPE_CHECKING:
    from exchange.service.runtime import Runtime

log = logging.getLogger(__name__)

KIND = PackageKind.COUNTERPARTIES.value


@dataclass(frozen=True, slots=True)
class ExportResult:
    """Outcome of one export run."""

    package_name: str | None
    """File name of the package written, or None when nothing was exported."""
    package_id: str | None
    records: int
    warnings: int
    """Warnings over all records of the package."""
    flagged: int
    """Flagged items found, including those not sent in this run."""
    awaiting: int = 0
    """Flagged items left out because they await 1C's receipt of an export."""
    failed: int = 0
    """Flagged items left out because 1C reported an error and they are unchanged."""


def export_counterparties(
    runtime: Runtime,
    *,
    only: set[tuple[str, int]] | None = None,
    now: datetime | None = None,
) -> ExportResult:
    """Collect flagged items, write the ones due in one package and record them.

    ``only`` limits the run to the named items and deals (``("deal", id)``,
    ``("company", id)``, ``("contact", id)``), as events name them. ``now``
    (aware) replaces the clock for the resend time. A run that finds nothing
    due writes no package.
    """
    moment = now or datetime.now(UTC)
    settings = runtime.settings.counterparties
    fields = fields_from_settings(settings)
    client = runtime.client
    store = CounterpartyStore(runtime.conn)
    check_fields(client, fields)

    items = collect(client, fields, only=only)
    resend_after = timedelta(hours=settings.resend_after_hours)
    due, not_due = _due_items(store, items, moment, resend_after)
    if not due:
        with transaction(runtime.conn):
            store.record_run(now=moment, package_name=None, records=0, warnings=0)
        log.info(
            "counterparty export: %d flagged, nothing to export%s",
            len(items),
            _not_due_text(not_due, settings.resend_after_hours),
        )
        return ExportResult(
            None, None, 0, 0, len(items), not_due["awaiting"], not_due["failed"]
        )

    index = None
    confirmed_refs: frozenset[str] = frozenset()
    if store.catalog_received():
        complete_since = store.catalog_complete_since()
        index = CatalogIndex(
            store.catalog_entries(), complete=complete_since is not None
        )
        if complete_since is not None:
            confirmed_refs = frozenset(store.refs_reported_since(complete_since))
    registry = store.registry_refs()
    built = [
        build_record(
            item,
            ref_field=fields.ref_field(item.entity),
            registry_ref=registry.get(item.key),
            index=index,
            phone_region=settings.phone_region,
            confirmed_refs=confirmed_refs,
        )
        for item, _ in due
    ]
    body = _body(built)
    _check_body(runtime, body)

    warnings = sum(len(record.warnings) for record in built)

    def record_export(package: OutgoingPackage) -> None:
        # Committed with the queued package: a crash leaves both or neither,
        # so an exported item is never sent again as not yet exported.
        store.record_export(
            package_id=package.package_id,
            package_name=package.name,
            now=moment,
            items=[
                _item_export(item, record)
                for (item, _), record in zip(due, built, strict=True)
            ],
        )
        store.record_run(
            now=moment, package_name=package.name, records=len(built), warnings=warnings
        )

    package = runtime.outbox.compose(
        KIND, body, keys=counterparty_keys(body["counterparties"]), record=record_export
    )
    runtime.outbox.deliver()
    for item, reason in due:
        log.info(
            "%s %d exported in %s (%s)", item.entity, item.b24_id, package.name, reason
        )
    log.info(
        "counterparty export: %d flagged, %d exported in %s, %d warnings%s",
        len(items),
        len(built),
        package.name,
        warnings,
        _not_due_text(not_due, settings.resend_after_hours),
    )
    return ExportResult(
        package.name,
        package.package_id,
        len(built),
        warnings,
        len(items),
        not_due["awaiting"],
        not_due["failed"],
    )


def _due_items(
    store: CounterpartyStore,
    items: list[CollectedItem],
    now: datetime,
    resend_after: timedelta,
) -> tuple[list[tuple[CollectedItem, ExportReason]], Counter[str]]:
    """Return the items due with their reasons, and count the others.

    The counts have the keys ``awaiting`` (no receipt yet for the last
    export) and ``failed`` (1C reported an error, and nothing changed since).
    """
    tracked = store.tracked_items()
    due: list[tuple[CollectedItem, ExportReason]] = []
    not_due: Counter[str] = Counter(awaiting=0, failed=0)
    for item in items:
        last = tracked.get(item.key)
        reason = export_reason(
            item.snapshot(), last, now=now, resend_after=resend_after
        )
        if reason is not None:
            due.append((item, reason))
            continue
        log.debug("%s %d: exported before and unchanged", item.entity, item.b24_id)
        # export_reason holds back only items awaiting a receipt or in error.
        if last is not None and last.status == "error":
            not_due["failed"] += 1
        else:
            not_due["awaiting"] += 1
    return due, not_due


def _not_due_text(not_due: Counter[str], resend_after_hours: float) -> str:
    """Describe the flagged items left out of the run, for its log line."""
    if not not_due["awaiting"] and not not_due["failed"]:
        return ""
    return (
        f"; awaiting 1C's receipt of an earlier export: {not_due['awaiting']} "
        f"(sent again once changed in Bitrix24, or after {resend_after_hours:g} h "
        "without a receipt), failed in 1C and waiting for a change in Bitrix24: "
        f"{not_due['failed']}"
    )


def _body(built: list[BuiltRecord]) -> dict[str, Any]:
    records = [record.document for record in built]
    return {"count": len(records), "counterparties": records}


def _check_body(runtime: Runtime, body: dict[str, Any]) -> None:
    # The envelope here is a stand-in with the same shape as the one compose
    # writes, so the whole document can be checked before it is numbered.
    onec = runtime.settings.onec
    document = envelope(KIND, onec.node, 1, datetime.now(UTC), onec.zone)
    document.update(body)
    problems = validate_outgoing(PackageKind.COUNTERPARTIES, document)
    if problems:
        listed = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
        raise ValueError(f"the counterparties package breaks its schema: {listed}")


def _item_export(item: CollectedItem, record: BuiltRecord) -> ItemExport:
    return ItemExport(
        entity=item.entity,
        b24_id=item.b24_id,
        name=record.name,
        snapshot=item.snapshot(),
        deal_ids=tuple(deal.id for deal in item.deals),
        flag_on_item=item.flag_on_item,
    )
