"""Counting top-level orders by document number, against a plain restatement."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from exchange.orders.number_owners import NumberOwners

NUMBERS = st.sampled_from(["Д-1", "Д-2", "Д-3"])
REFS = st.sampled_from(["a", "b", "c", "d"])


@given(
    st.lists(st.tuples(NUMBERS, REFS), max_size=12),
    st.integers(min_value=0, max_value=12),
)
def test_others_match_plain_sets(pairs: list[tuple[str, str]], split: int) -> None:
    """Each number lists every other ref added with it, sorted, once each.

    The first pairs go through ``add``, the rest through ``add_each``.
    """
    owners = NumberOwners()
    for number, ref in pairs[:split]:
        owners.add(number, ref)
    owners.add_each(pairs[split:])

    for number in ("Д-1", "Д-2", "Д-3"):
        carried = {ref for added, ref in pairs if added == number}
        assert (number in owners) == bool(carried)
        assert (owners.sole.get(number) is not None) == (len(carried) == 1)
        for ref in ("a", "b", "c", "d"):
            assert owners.others(number, ref) == sorted(carried - {ref})


def test_add_all_keeps_earlier_owners() -> None:
    """Owners read from the state join those added before."""
    owners = NumberOwners()
    owners.add("Д-1", "a")
    owners.add_all({"Д-1": ["b"], "Д-2": ["c"]})

    assert owners.others("Д-1", "a") == ["b"]
    assert owners.others("Д-2", "a") == ["c"]
    assert "Д-3" not in owners
