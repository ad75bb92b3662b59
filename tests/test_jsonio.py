"""The JSON wrapper: a fragment serialized ahead embeds as if written in place."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from exchange import jsonio

SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text()
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(VALUES, st.integers(min_value=1, max_value=3))
def test_fragment_same_bytes_as_in_place(value: Any, depth: int) -> None:
    """A document with the fragment at ``depth`` has the bytes of the plain one."""
    document: Any = value
    for level in range(depth):
        document = {"level": level, "inner": document}
    expected = jsonio.dumps(document, indent=True)

    embedded: Any = jsonio.indented_fragment(value, depth)
    for level in range(depth):
        embedded = {"level": level, "inner": embedded}

    assert jsonio.dumps(embedded, indent=True) == expected


def test_fragment_keeps_line_breaks_in_strings() -> None:
    """A line break inside a string stays escaped and gets no indentation."""
    document = {"results": [{"message": "first\nsecond"}]}
    embedded = {"results": jsonio.indented_fragment(document["results"])}

    assert jsonio.dumps(embedded, indent=True) == jsonio.dumps(document, indent=True)
    assert b"first\\nsecond" in jsonio.dumps(embedded, indent=True)
