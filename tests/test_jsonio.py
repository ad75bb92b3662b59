"""The JSON wrapper: two indented objects merge into the bytes of one."""

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
OBJECTS = st.dictionaries(st.text(max_size=5), VALUES, max_size=4)


@given(OBJECTS, OBJECTS)
def test_merged_objects_same_bytes_as_one(first: Any, second: Any) -> None:
    """Merging two serialized objects gives the bytes of their merged dict."""
    second = {f"2{key}": value for key, value in second.items()}
    first = {f"1{key}": value for key, value in first.items()}

    merged = jsonio.merged_objects(
        jsonio.dumps(first, indent=True), jsonio.dumps(second, indent=True)
    )

    assert merged == jsonio.dumps({**first, **second}, indent=True)


def test_merged_objects_keep_line_breaks_in_strings() -> None:
    """A line break inside a string stays escaped in the merged object."""
    first = {"format": "tms-b24-exchange"}
    second = {"results": [{"message": "first\nsecond"}]}

    merged = jsonio.merged_objects(
        jsonio.dumps(first, indent=True), jsonio.dumps(second, indent=True)
    )

    assert jsonio.loads(merged) == {**first, **second}
    assert b"first\\nsecond" in merged
