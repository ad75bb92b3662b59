"""Parameter parsing with PHP parse_str semantics and PHP array shapes."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from exchange.emulator.params import (
    merge_top_level,
    parse_body,
    parse_query,
    php_array,
    values_of,
)


def test_bracket_keys_nest() -> None:
    """Bracket keys build nested maps and keep field-code case."""
    parsed = parse_query("id=5&fields[UF_CRM_X]=a&fields[TITLE]=b")
    assert parsed == {"id": "5", "fields": {"UF_CRM_X": "a", "TITLE": "b"}}


def test_empty_brackets_append() -> None:
    """``[]`` appends the next integer index, like PHP arrays."""
    parsed = parse_query("filter[@UF_CRM_1][]=a&filter[@UF_CRM_1][]=b")
    assert parsed == {"filter": {"@UF_CRM_1": {"0": "a", "1": "b"}}}


def test_explicit_indexes_then_append() -> None:
    """An append after explicit index 5 takes index 6."""
    parsed = parse_query("a[5]=x&a[]=y")
    assert parsed == {"a": {"5": "x", "6": "y"}}


def test_percent_and_plus_decoding() -> None:
    """Values are URL-decoded once, with ``+`` read as a space."""
    parsed = parse_query("filter[%3E%3DID]=10&title=a+b%2Bc&q=%25")
    assert parsed == {"filter": {">=ID": "10"}, "title": "a b+c", "q": "%"}


def test_php_base_name_rules() -> None:
    """Dots and spaces in a base name become underscores, as in PHP."""
    assert parse_query("a.b=1&c d=2&e[f=3") == {"a_b": "1", "c_d": "2", "e_f": "3"}


def test_invalid_json_body_is_empty() -> None:
    """A JSON body that does not parse counts as no parameters."""
    assert parse_body(b"{not json", "application/json") == {}
    assert parse_body(b"[1, 2]", "application/json; charset=utf-8") == {}


def test_top_level_names_lowercased() -> None:
    """Top-level names are case-insensitive; nested keys keep case."""
    merged = merge_top_level({"ID": "1"}, {"Fields": {"TITLE": "x"}})
    assert merged == {"id": "1", "fields": {"TITLE": "x"}}


def test_php_array_shapes() -> None:
    """Empty and 0..n-1 keyed maps become lists; others stay objects."""
    assert php_array({}) == []
    assert php_array({"0": "a", "1": "b"}) == ["a", "b"]
    assert php_array({"1": "a"}) == {"1": "a"}
    assert php_array({"d_1": 1}) == {"d_1": 1}


def test_values_of_reads_lists_and_maps() -> None:
    """``values_of`` reads JSON lists, PHP maps and single values alike."""
    assert values_of(["a"]) == ["a"]
    assert values_of({"0": "a", "1": "b"}) == ["a", "b"]
    assert values_of("a") == ["a"]


@given(
    st.dictionaries(
        st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True),
        st.text(max_size=20),
        max_size=5,
    )
)
def test_round_trip_of_encoded_fields(fields: dict[str, str]) -> None:
    """Any field map encoded once as ``fields[CODE]=value`` parses back."""
    query = "&".join(
        f"fields[{code}]={quote(value, safe='')}" for code, value in fields.items()
    )
    parsed = parse_query(query)
    assert parsed.get("fields", {}) == fields
