"""Lines for ``exchange status``: receipts awaited, errors and the last export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchange.counterparties.store import CounterpartyStore
from exchange.counterparties.store_records import AWAITING
from exchange.timestamps import format_timestamp

if TYPE_CHECKING:
    from exchange.service.runtime import Runtime


def status_lines(runtime: Runtime) -> list[str]:
    """Describe the counterparty flow in plain lines, for an operator.

    Lists the items awaiting 1C's receipt, the items whose receipt reported
    an error with 1C's message, and the last export run. Times are in the
    ``[display] timezone``, as ``format_timestamp`` writes them.
    """
    zone = runtime.settings.display.zone
    store = CounterpartyStore(runtime.conn)
    tracked = sorted(store.tracked_items().values(), key=lambda item: item.exported_at)
    awaiting = [item for item in tracked if item.status == AWAITING]
    failed = [item for item in tracked if item.status == "error"]
    lines: list[str] = []

    last = store.last_export()
    if last is None:
        lines.append("counterparties: no export has run yet")
    else:
        ran_at = format_timestamp(last.ran_at, zone)
        written = (
            f"wrote {last.package_name} with {last.records} records and "
            f"{last.warnings} warnings"
            if last.package_name
            else "found nothing to export"
        )
        lines.append(f"counterparties: last export at {ran_at} {written}")

    lines.append(f"counterparties awaiting a receipt from 1C: {len(awaiting)}")
    for item in awaiting:
        exported = format_timestamp(item.exported_at, zone)
        lines.append(
            f"  {item.entity} {item.b24_id} «{item.name}» in {item.package_name} "
            f"since {exported}"
        )
    lines.append(f"counterparties that 1C could not load: {len(failed)}")
    for item in failed:
        message = item.message or "1C gave no message"
        lines.append(
            f"  {item.entity} {item.b24_id} «{item.name}» in {item.package_name}: "
            f"{message}; exported again once it changes in Bitrix24"
        )
    return lines
