"""Settle rule and processing order over many generated cases."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from exchange.transport.names import processing_order
from exchange.transport.settle import SettleTracker
from exchange.transport.source import IncomingFile

SETTLE = 5.0

# Each step: seconds until the next poll, and whether the writer changed the file.
steps = st.lists(
    st.tuples(st.floats(min_value=0.0, max_value=4.0), st.booleans()),
    min_size=1,
    max_size=30,
)


@given(steps)
def test_never_settled_while_changing(poll_steps: list[tuple[float, bool]]) -> None:
    """A file is settled exactly when no change was seen for the settle time."""
    now = 1000.0
    tracker = SettleTracker(SETTLE, clock=lambda: now, trust_mtime=True)
    size = 1
    last_change = now
    tracker.observe("a.json", size, mtime=now)

    for wait, changed in poll_steps:
        now += wait
        if changed:
            size += 1
            last_change = now
        settled = tracker.observe("a.json", size, mtime=last_change)

        assert settled == (now - last_change >= SETTLE)


names = st.from_regex(r"[a-z]{1,8}_[A-Z]{1,3}_[0-9]{1,4}\.json", fullmatch=True)


@given(st.lists(names, min_size=2, max_size=20, unique=True))
def test_order_by_number_within_sender(file_names: list[str]) -> None:
    """Files of one sender come out in increasing package number."""
    items = [IncomingFile(n, 1, 0.0, n) for n in file_names]

    ordered = sorted(items, key=processing_order)

    for sender in {n.split("_")[1] for n in file_names}:
        numbers = [
            int(i.name.rsplit("_", 1)[1].removesuffix(".json"))
            for i in ordered
            if i.name.split("_")[1] == sender
        ]
        assert numbers == sorted(numbers)
