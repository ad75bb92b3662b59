"""The stored values of order versions: the time of change exactly as parsed."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from exchange import jsonio
from exchange.contract.load import load_package
from exchange.contract.models import Order, OrdersPackage
from exchange.orders.version_rows import version_rows
from tests.contract.documents import ORDER_REF, encode, order, orders_package

SECOND_REF = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"


def _orders(*modified: str) -> tuple[Order, ...]:
    refs = (ORDER_REF, SECOND_REF)[: len(modified)]
    records = [
        order(modified_at=text, ref=ref)
        for text, ref in zip(modified, refs, strict=True)
    ]
    package = load_package(encode(orders_package(*records)), "orders.json").package
    assert isinstance(package, OrdersPackage)
    return package.orders


def _stored_texts(orders: tuple[Order, ...]) -> list[str]:
    rows = jsonio.loads(jsonio.dumps(version_rows({o.ref: o for o in orders})))
    return [rows[order.ref][7] for order in orders]


def test_local_mean_time_offset_kept() -> None:
    """A time of change in 1900 keeps Moscow's offset of 2:30:17 to the second."""
    (stored,) = _stored_texts(_orders("1900-05-01T12:00:00"))
    assert stored == "1900-05-01T12:00:00+02:30:17"


def test_modern_time_as_iso_text() -> None:
    """A time of change in 2026 is stored as its ISO text with the zone's offset."""
    (stored,) = _stored_texts(_orders("2026-11-27T18:00:00.250000"))
    assert stored == "2026-11-27T18:00:00.250000+03:00"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        # Local times without an offset, as 1C writes them.
        st.datetimes(
            min_value=datetime.fromisoformat("1850-01-01T00:00:00"),
            max_value=datetime.fromisoformat("2100-01-01T00:00:00"),
        ),
        min_size=1,
        max_size=2,
    )
)
def test_stored_text_is_isoformat(moments: list[datetime]) -> None:
    """Whatever the years, the stored text equals ``isoformat`` of the parsed time."""
    orders = _orders(*(moment.isoformat() for moment in moments))
    expected = [o.modified_at.isoformat() for o in orders if o.modified_at]
    assert _stored_texts(orders) == expected
