"""The stored values of a package's order versions, built in bulk."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from operator import attrgetter, itemgetter

from exchange.contract.models import Order
from exchange.state.orders_records import VersionValues


def version_rows(orders: Mapping[str, Order]) -> dict[str, VersionValues]:
    """Return the stored fields of each order of ``orders`` (by ref), by ref.

    Built straight from the contract's models, without a ``StoredOrder`` per
    order: a package may carry 100,000 of them. The date, the payment
    status and the time of the change stay objects, which the store
    serializes in C. orjson writes a UTC offset in whole minutes, so a time
    of change before 1973 is written here as text: in the tz database, the
    last offset with seconds (Africa/Monrovia, -0:44:30) ended in January
    1972.
    """
    earliest = min(filter(None, map(_MODIFIED_AT, orders.values())), default=None)
    if earliest is None or earliest >= _WHOLE_MINUTE_OFFSETS:
        return dict(zip(orders, map(_VERSION_VALUES, orders.values()), strict=True))
    return {
        ref: (
            order.parent_ref,
            order.number,
            order.document_number,
            order.payment_status,
            order.realization_date,
            order.deletion_mark,
            order.posted,
            order.modified_at.isoformat() if order.modified_at else None,
        )
        for ref, order in orders.items()
    }


# By position: itemgetter reads a tuple's fields faster than attrgetter.
_VERSION_VALUES = itemgetter(
    *map(
        Order._fields.index,
        (
            "parent_ref",
            "number",
            "document_number",
            "payment_status",
            "realization_date",
            "deletion_mark",
            "posted",
            "modified_at",
        ),
    )
)
_MODIFIED_AT = attrgetter("modified_at")
_WHOLE_MINUTE_OFFSETS = datetime(1973, 1, 1, tzinfo=UTC)
