"""Tests of phone normalization and of the keys phones are matched by."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.contract.enums import CounterpartyKind
from exchange.rules.counterparty_match import CatalogEntry, CatalogIndex, Party, match
from exchange.rules.phones import matching_key, matching_keys, normalize_phones


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("89123456789", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("+7 912 345 67 89", "+79123456789"),
        ("8 10 7 912 345 67 89", "+79123456789"),
        ("8\u00a0912\u00a0345\u201167\u201189", "+79123456789"),
        ("+7 (495) 123-45-67", "+74951234567"),
        ("8 495 123 45 67 доб. 123", "+74951234567;ext=123"),
        ("+7 495 123-45-67 ext. 45", "+74951234567;ext=45"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_normalize_one_number(raw: str, expected: str) -> None:
    """A number typed in any usual way becomes E.164, with ``;ext=`` if any."""
    result = normalize_phones([raw])

    assert result.phones == [expected]
    assert result.warnings == []


def test_normalize_several_in_field() -> None:
    """A field holding several numbers yields each of them in order."""
    result = normalize_phones(["+7 912 345-67-89, 8 (913) 345-67-89; 84951234567"])

    assert result.phones == ["+79123456789", "+79133456789", "+74951234567"]
    assert result.warnings == []


def test_normalize_duplicates_removed() -> None:
    """The same number typed twice is kept once, at its first position."""
    result = normalize_phones(
        ["8 (495) 123-45-67", "+7 912 345 67 89", "+7 495 123 45 67", "89123456789"]
    )

    assert result.phones == ["+74951234567", "+79123456789"]


def test_normalize_extension_is_another_number() -> None:
    """A number with an extension is kept beside the same number without one."""
    result = normalize_phones(["+7 495 123-45-67", "+7 495 123-45-67 доб. 12"])

    assert result.phones == ["+74951234567", "+74951234567;ext=12"]


@pytest.mark.parametrize("raw", ["abc", "123", "+7 912 345-67-8", "+7 000 000 00 00"])
def test_normalize_invalid_left_out(raw: str) -> None:
    """A field with no valid number is left out and named in a warning."""
    result = normalize_phones([raw, "+7 912 345 67 89"])

    assert result.phones == ["+79123456789"]
    assert len(result.warnings) == 1
    assert repr(raw) in result.warnings[0]


def test_normalize_invalid_part_warned() -> None:
    """A digit fragment beside valid numbers in one field is named in a warning."""
    result = normalize_phones(["+7 912 345-67-89 / 555-12 / +7 913 345-67-89"])

    assert result.phones == ["+79123456789", "+79133456789"]
    assert len(result.warnings) == 1
    assert "555-12" in result.warnings[0]


def test_normalize_blank_skipped() -> None:
    """Blank fields are skipped without a warning."""
    result = normalize_phones(["", "   "])

    assert result.phones == []
    assert result.warnings == []


@pytest.mark.parametrize(
    ("phone", "key"),
    [
        ("+79123456789", "+79123456789"),
        ("+74951234567;ext=123", "+74951234567"),
        ("+78005553535", None),
        ("+78005553535;ext=1", None),
        ("+78045553535", None),
        ("+442079460958", "+442079460958"),
        ("+448000112233", None),
        ("+7123", None),
        ("89123456789", None),
        ("", None),
    ],
)
def test_matching_key(phone: str, key: str | None) -> None:
    """The key drops the extension, and toll-free or invalid numbers have none."""
    assert matching_key(phone) == key


def test_matching_keys_distinct() -> None:
    """Keys are distinct and in first-seen order, without the unusable ones."""
    phones = ["+74951234567;ext=1", "+78005553535", "+74951234567", "+79123456789"]

    assert matching_keys(phones) == ("+74951234567", "+79123456789")


_AREA_CODES = ["495", "499", "812", "343", "912", "916", "926", "903", "977"]
_SEPARATORS = [" ", "\u00a0", "-", "\u2011", ""]


@st.composite
def _typed_number(draw: st.DrawFn, national: str) -> str:
    """Draw one way of typing the Russian number with this national part."""
    prefix = draw(st.sampled_from(["8", "+7", "+7 ", "8 ", "8 10 7 "]))
    separator = draw(st.sampled_from(_SEPARATORS))
    area, rest = national[:3], national[3:]
    if draw(st.booleans()):
        area = f"({area})"
    groups = [rest[:3], rest[3:5], rest[5:]]
    padding = draw(st.sampled_from(["", " ", "\u00a0"]))
    return padding + prefix + area + separator + separator.join(groups) + padding


@st.composite
def _number_typed_twice(draw: st.DrawFn) -> tuple[str, str, str]:
    area = draw(st.sampled_from(_AREA_CODES))
    subscriber = draw(st.text(alphabet="0123456789", min_size=7, max_size=7))
    national = area + subscriber
    return "+7" + national, draw(_typed_number(national)), draw(_typed_number(national))


@given(case=_number_typed_twice())
def test_formatting_does_not_change_number(case: tuple[str, str, str]) -> None:
    """Any two ways of typing one number normalize to the same E.164."""
    e164, first, second = case

    assert normalize_phones([first]).phones == [e164]
    assert normalize_phones([second]).phones == [e164]


@given(case=_number_typed_twice())
def test_formatting_matches_same_entry(case: tuple[str, str, str]) -> None:
    """A number typed differently in 1C and Bitrix24 links to the same entry."""
    _, catalog_typed, bitrix_typed = case
    catalog_keys = matching_keys(normalize_phones([catalog_typed]).phones)
    entry = CatalogEntry(
        ref="ref-person",
        kind=CounterpartyKind.INDIVIDUAL,
        name="Person",
        inn=None,
        kpp=None,
        phones=catalog_keys,
    )
    party = Party(
        entity="contact",
        b24_id=7,
        kind=CounterpartyKind.INDIVIDUAL,
        inn="",
        kpp="",
        inn_valid=False,
        phones=tuple(normalize_phones([bitrix_typed]).phones),
    )

    result = match(party, CatalogIndex([entry]))

    assert result.action == "link"
    assert result.by == "phone"
    assert result.ref == "ref-person"
