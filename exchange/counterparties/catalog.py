"""Applying a ``counterparty_catalog`` package from 1C."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from exchange.counterparties.store import CounterpartyStore
from exchange.rules.counterparty_match import CatalogEntry
from exchange.rules.phones import matching_keys, normalize_phones

if TYPE_CHECKING:
    from exchange.contract.models import CatalogCounterparty, CounterpartyCatalogPackage
    from exchange.service.runtime import Runtime

log = logging.getLogger(__name__)


def apply_catalog(
    runtime: Runtime,
    package: CounterpartyCatalogPackage,
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """Store the 1C catalog and return counts for the journal.

    A package with ``complete`` true replaces the stored catalog, so the
    counterparties missing from it are no longer matched; otherwise its
    entries are merged into the stored ones. The counts are ``added``,
    ``updated``, ``removed`` and ``unchanged``.
    """
    region = runtime.settings.counterparties.phone_region
    entries = [
        catalog_entry(counterparty, region) for counterparty in package.counterparties
    ]
    store = CounterpartyStore(runtime.conn)
    counts = store.apply_catalog(
        entries,
        complete=package.complete,
        package_id=package.package_id,
        now=now or datetime.now(UTC),
    )
    log.info(
        "counterparty catalog %s (%s) applied: %d added, %d updated, %d removed, "
        "%d unchanged",
        package.package_id,
        "complete" if package.complete else "changes",
        counts["added"],
        counts["updated"],
        counts["removed"],
        counts["unchanged"],
    )
    return {str(change): count for change, count in counts.items()}


def catalog_entry(counterparty: CatalogCounterparty, region: str) -> CatalogEntry:
    """Convert one catalog counterparty, with its phones as matching keys."""
    phones = normalize_phones(counterparty.phones, region)
    return CatalogEntry(
        ref=counterparty.ref,
        kind=counterparty.kind,
        name=counterparty.name,
        inn=counterparty.inn,
        kpp=counterparty.kpp,
        phones=matching_keys(phones.phones),
        deletion_mark=counterparty.deletion_mark,
    )
