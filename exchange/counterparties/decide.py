"""Which collected items go into the next package.

An item is sent when it was never exported. An item awaiting its receipt is
sent again when it was modified in Bitrix24 since the export (the company or
contact, one of its requisites, or one of its flagged deals), or when no
receipt came within the resend time, as 1C's own exchanges resend
unconfirmed changes. After an ``error`` receipt it is sent only once it was
modified again. A receipt that succeeded
cleared the flags, so an item that is flagged again is a new request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from exchange.counterparties.store_records import AWAITING, Snapshot, TrackedItem

ExportReason = Literal["new", "modified", "no receipt", "flagged again"]


def export_reason(
    current: Snapshot,
    tracked: TrackedItem | None,
    *,
    now: datetime,
    resend_after: timedelta,
) -> ExportReason | None:
    """Return why the item is sent now, or None to leave it out of this run.

    ``current`` contains the modification times read in this run; any
    difference from those stored at the export (a time, or a requisite or
    flagged deal added or gone) counts as a modification.
    """
    if tracked is None:
        return "new"
    modified = current != tracked.snapshot
    if tracked.status == AWAITING:
        if modified:
            return "modified"
        if now - tracked.exported_at >= resend_after:
            return "no receipt"
        return None
    if tracked.status == "error":
        return "modified" if modified else None
    return "flagged again"
