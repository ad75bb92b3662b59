"""PHP-style query encoding of batch command parameters."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.bitrix24.query import build_query


def parse_like_php(query: str) -> dict[str, Any]:
    """Decode a query the way PHP's parse_str nests bracket keys."""
    nested: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        head, _, rest = key.partition("[")
        path = [head] + (rest[:-1].split("][") if rest else [])
        target = nested
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    return nested


def expected_strings(value: Any) -> Any:
    """Turn a parameter tree into what parse_str returns: strings and maps."""
    if isinstance(value, dict):
        return {str(key): expected_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return {str(index): expected_strings(item) for index, item in enumerate(value)}
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


top_keys = st.text(
    alphabet=st.characters(categories=["Lu", "Ll", "Nd"], max_codepoint=0x44F),
    min_size=1,
    max_size=12,
)
inner_keys = st.text(
    alphabet=st.characters(
        categories=["Lu", "Ll", "Nd", "Zs", "Pd", "Sm", "Po"],
        exclude_characters="[]",
        max_codepoint=0x44F,
    ),
    min_size=1,
    max_size=12,
)
scalars = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.booleans(),
    st.none(),
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=4),
        st.dictionaries(inner_keys, children, min_size=1, max_size=4),
    ),
    max_leaves=12,
)


@given(st.dictionaries(top_keys, trees, min_size=1, max_size=5))
def test_round_trip_through_parse_str_rules(params: dict[str, Any]) -> None:
    """Any parameter tree decodes back to its string form with PHP's nesting."""
    assert parse_like_php(build_query(params)) == expected_strings(params)


def test_nested_filter_uses_bracket_keys() -> None:
    """A filter list becomes indexed bracket keys, brackets percent-encoded."""
    query = build_query({"filter": {"@UF_CRM_1": ["a", "b"]}})
    assert query == "filter%5B%40UF_CRM_1%5D%5B0%5D=a&filter%5B%40UF_CRM_1%5D%5B1%5D=b"


def test_space_plus_and_tilde_follow_php_urlencode() -> None:
    """A space is '+', a plus sign '%2B' and a tilde '%7E', as PHP urlencode writes."""
    assert build_query({"q": "a b+c~"}) == "q=a+b%2Bc%7E"


def test_booleans_and_none() -> None:
    """True is 1, False is 0 and None is an empty value that clears a field."""
    query = build_query({"fields": {"A": True, "B": False, "C": None}})
    assert parse_like_php(query) == {"fields": {"A": "1", "B": "0", "C": ""}}


def test_cyrillic_value_is_utf8_percent_encoded() -> None:
    """Cyrillic text is sent as percent-encoded UTF-8."""
    assert build_query({"n": "ТЛ"}) == "n=%D0%A2%D0%9B"


@pytest.mark.parametrize("empty", [[], {}])
def test_empty_container_is_rejected(empty: object) -> None:
    """An empty list or map raises, since PHP would drop it and widen a filter."""
    with pytest.raises(ValueError, match=r"filter\[@UF\]"):
        build_query({"filter": {"@UF": empty}})


def test_unsupported_type_is_rejected() -> None:
    """A value of a type PHP cannot receive raises TypeError naming the key."""
    with pytest.raises(TypeError, match="when"):
        build_query({"when": object()})
