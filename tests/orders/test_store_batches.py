"""Batch writes of the orders store and the journal's key normalization."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from exchange.archive.entry import KEY_TYPES, normalize_key, normalize_keys
from exchange.state.db import connect
from exchange.state.orders_store import DealState, OrdersStore


def test_remember_sent_keeps_unsent_fields(tmp_path: Path) -> None:
    """A sent field replaces the stored value, and a field not sent keeps it."""
    store = OrdersStore(connect(tmp_path / "state.sqlite3"))
    with store.transaction():
        store.remember_reads(
            {
                1: DealState("45", "2026-11-01", "read"),
                2: DealState("45", "2026-11-01", "read"),
            }
        )
        store.remember_sent(
            {
                1: {"payment_status_item": "47"},
                2: {"realization_date": None},
                3: {"realization_date": "2026-12-01"},
            }
        )
    states = store.deal_states([1, 2, 3])
    assert states[1] == DealState("47", "2026-11-01", "sent")
    assert states[2] == DealState("45", None, "sent")
    assert states[3] == DealState(None, "2026-12-01", "sent")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(KEY_TYPES),
            st.text(alphabet=" \tAaBbТЛ-0129", max_size=6),
        ),
        max_size=40,
    )
)
def test_normalize_keys_matches_single_keys(keys: list[tuple[str, str]]) -> None:
    """Bulk normalization gives the sorted distinct non-empty single-key forms."""
    expected = sorted(
        {
            (key_type, normalize_key(key_type, value))
            for key_type, value in keys
            if normalize_key(key_type, value)
        }
    )
    assert normalize_keys(keys) == tuple(expected)
