"""The stored values of a package's order versions, built in bulk."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from operator import attrgetter

from exchange.contract.models import Order
from exchange.state.orders_records import VersionValues


def version_rows(orders: Collection[Order]) -> dict[str, VersionValues]:
    """Return the stored fields of ``orders``, by ref.

    Built straight from the contract's models, without a ``StoredOrder`` per
    order: a package may carry 100,000 of them. The date, the payment
    status and the time of the change stay objects, which the store
    serializes in C. orjson writes a UTC offset in whole minutes, so a time
    of change before 1973 is written here as text: in the tz database, the
    last offset with seconds (Africa/Monrovia, -0:44:30) ended in January
    1972.
    """
    earliest = min(filter(None, map(_MODIFIED_AT, orders)), default=None)
    if earliest is None or earliest >= _WHOLE_MINUTE_OFFSETS:
        return dict(zip(map(_REF, orders), map(_VERSION_VALUES, orders), strict=True))
    return {
        order.ref: (
            order.parent_ref,
            order.number,
            order.document_number,
            order.payment_status,
            order.realization_date,
            order.deletion_mark,
            order.posted,
            order.modified_at.isoformat() if order.modified_at else None,
        )
        for order in orders
    }


_REF = attrgetter("ref")
_VERSION_VALUES = attrgetter(
    "parent_ref",
    "number",
    "document_number",
    "payment_status",
    "realization_date",
    "deletion_mark",
    "posted",
    "modified_at",
)
_MODIFIED_AT = attrgetter("modified_at")
_WHOLE_MINUTE_OFFSETS = datetime(1973, 1, 1, tzinfo=UTC)
