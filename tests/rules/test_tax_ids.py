"""Tests of the INN, KPP, OGRN and OGRNIP checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from exchange.contract.enums import CounterpartyKind
from exchange.rules.tax_ids import (
    TaxIdCheck,
    check_inn,
    check_kpp,
    check_ogrn,
    check_ogrnip,
    check_registration_number,
)

if TYPE_CHECKING:
    from collections.abc import Callable

# Check-digit weights of the INN as the Federal Tax Service defines them,
# written out here so that the tests do not reuse the code under test.
_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_FIRST_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_SECOND_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _weighted_check_digit(digits: str, weights: tuple[int, ...]) -> str:
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    return str(total % 11 % 10)


def _inn10(first_nine: str) -> str:
    return first_nine + _weighted_check_digit(first_nine, _INN10_WEIGHTS)


def _inn12(first_ten: str) -> str:
    first_check = _weighted_check_digit(first_ten, _INN12_FIRST_WEIGHTS)
    eleven = first_ten + first_check
    return eleven + _weighted_check_digit(eleven, _INN12_SECOND_WEIGHTS)


def _other_digit(digit: str, shift: int) -> str:
    return str((int(digit) + shift) % 10)


def _digits(count: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=count, max_size=count)


def _region_digits(count: int) -> st.SearchStrategy[str]:
    # The first two digits of an INN are a region code, never 00.
    return _digits(count).filter(lambda digits: not digits.startswith("00"))


_shifts = st.integers(min_value=1, max_value=9)
_white_space = st.sampled_from([" ", "\u00a0", "\t", "  "])


@pytest.mark.parametrize(
    "inn",
    [
        "7707083893",  # Sberbank
        "7736050003",  # Gazprom
        "500100732259",
        "771234567859",
    ],
)
def test_inn_known_valid(inn: str) -> None:
    """Real INNs with correct check digits pass with no problems."""
    result = check_inn(inn)

    assert result.value == inn
    assert result.problems == []
    assert result.is_valid


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("7707083894", "check digit"),
        ("500100732258", "check digit"),
        ("500100732269", "check digit"),
        ("0000000000", "all zeros"),
        ("000000000000", "all zeros"),
        ("0012345679", "region code 00"),
        ("770708389", "9 digits"),
        ("77070838931", "11 digits"),
        ("77070838a3", "digits only"),
    ],
)
def test_inn_invalid_named(raw: str, fragment: str) -> None:
    """An invalid INN is kept and its problem names the value and the rule."""
    result = check_inn(raw)

    assert result.value == raw
    assert len(result.problems) == 1
    assert raw in result.problems[0]
    assert fragment in result.problems[0]
    assert not result.is_valid


def test_inn_region_00_rejected_despite_checksum() -> None:
    """An INN with region 00 fails even when its check digit is right."""
    inn = _inn10("001234567")

    assert "region code 00" in check_inn(inn).problems[0]


def test_inn_spaces_removed() -> None:
    """Spaces, non-breaking spaces and tabs inside an INN are removed."""
    result = check_inn(" 7707\u00a0083\t893 ")

    assert result.value == "7707083893"
    assert result.is_valid


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_inn_absent_no_problem(raw: str | None) -> None:
    """An absent INN is returned empty, with no problem, and is not valid."""
    result = check_inn(raw)

    assert result.value == ""
    assert result.problems == []
    assert not result.is_present
    assert not result.is_valid


@pytest.mark.parametrize(
    ("inn", "kind", "fits"),
    [
        ("7707083893", CounterpartyKind.LEGAL_ENTITY, True),
        ("7707083893", CounterpartyKind.ENTREPRENEUR, False),
        ("7707083893", CounterpartyKind.INDIVIDUAL, False),
        ("500100732259", CounterpartyKind.LEGAL_ENTITY, False),
        ("500100732259", CounterpartyKind.ENTREPRENEUR, True),
        ("500100732259", CounterpartyKind.INDIVIDUAL, True),
    ],
)
def test_inn_length_fits_kind(inn: str, kind: CounterpartyKind, fits: bool) -> None:
    """A legal entity needs a 10-digit INN, a person a 12-digit one."""
    result = check_inn(inn, kind)

    assert result.is_valid is fits
    if not fits:
        assert inn in result.problems[0]
        assert "digits" in result.problems[0]


@pytest.mark.parametrize("kpp", ["773601001", "7736AB001", "7736 01 001"])
def test_kpp_valid(kpp: str) -> None:
    """A KPP of 9 characters, letters only in positions 5 and 6, passes."""
    result = check_kpp(kpp)

    assert result.value == kpp.replace(" ", "")
    assert result.is_valid


@pytest.mark.parametrize(
    "kpp",
    ["77360100", "7736010011", "77AB01001", "7736ab001", "773601A01", "7736-0100"],
)
def test_kpp_invalid(kpp: str) -> None:
    """A KPP of the wrong length or with letters outside positions 5-6 fails."""
    result = check_kpp(kpp)

    assert result.value == kpp
    assert len(result.problems) == 1
    assert kpp in result.problems[0]


def test_kpp_for_entrepreneur_flagged() -> None:
    """A KPP given for an entrepreneur is a problem: only organisations have one."""
    result = check_kpp("773601001", CounterpartyKind.ENTREPRENEUR)

    assert len(result.problems) == 1
    assert "only organisations" in result.problems[0]
    assert check_kpp("773601001", CounterpartyKind.LEGAL_ENTITY).is_valid


def test_ogrn_known_valid() -> None:
    """The OGRN 1027700132195 of Sberbank passes."""
    assert check_ogrn("1027700132195").is_valid


@pytest.mark.parametrize("ogrnip", ["304500116000180", "304500116000191"])
def test_ogrnip_known_valid(ogrnip: str) -> None:
    """Valid OGRNIPs pass, among them those python-stdnum 2.2 rejects."""
    result = check_ogrnip(ogrnip)

    assert result.value == ogrnip
    assert result.problems == []


@pytest.mark.parametrize(
    ("check", "raw", "fragment"),
    [
        (check_ogrn, "1027700132196", "check digit"),
        (check_ogrn, "102770013219", "12 digits"),
        (check_ogrn, "0000000000000", "all zeros"),
        (check_ogrn, "10277001321x5", "digits only"),
        (check_ogrnip, "304500116000181", "check digit"),
        (check_ogrnip, "304500116000190", "check digit"),
        (check_ogrnip, "30450011600018", "14 digits"),
    ],
)
def test_ogrn_invalid_named(
    check: Callable[[str | None], TaxIdCheck], raw: str, fragment: str
) -> None:
    """An invalid OGRN or OGRNIP is kept and its problem names the value and rule."""
    result = check(raw)

    assert result.value == raw
    assert len(result.problems) == 1
    assert raw in result.problems[0]
    assert fragment in result.problems[0]


@pytest.mark.parametrize(
    ("raw", "kind", "valid"),
    [
        ("1027700132195", CounterpartyKind.LEGAL_ENTITY, True),
        ("304500116000180", CounterpartyKind.LEGAL_ENTITY, False),
        ("304500116000180", CounterpartyKind.ENTREPRENEUR, True),
        ("1027700132195", CounterpartyKind.ENTREPRENEUR, False),
        ("1027700132195", CounterpartyKind.INDIVIDUAL, True),
        ("304500116000191", CounterpartyKind.INDIVIDUAL, True),
    ],
)
def test_registration_number_by_kind(
    raw: str, kind: CounterpartyKind, valid: bool
) -> None:
    """The ``ogrn`` field is checked as OGRN or OGRNIP according to the kind."""
    assert check_registration_number(raw, kind).is_valid is valid


@given(first_nine=_region_digits(9))
def test_inn10_generated_valid(first_nine: str) -> None:
    """Every 10-digit INN with correct check digit and a region passes."""
    assert check_inn(_inn10(first_nine)).is_valid


@given(first_ten=_region_digits(10))
def test_inn12_generated_valid(first_ten: str) -> None:
    """Every 12-digit INN with correct check digits and a region passes."""
    assert check_inn(_inn12(first_ten)).is_valid


@given(first_nine=_region_digits(9), shift=_shifts)
def test_inn10_changed_check_digit_fails(first_nine: str, shift: int) -> None:
    """Changing the check digit of a 10-digit INN makes it fail."""
    inn = _inn10(first_nine)
    changed = inn[:9] + _other_digit(inn[9], shift)

    assert not check_inn(changed).is_valid


@given(
    first_ten=_region_digits(10),
    shift=_shifts,
    position=st.sampled_from([10, 11]),
)
def test_inn12_changed_check_digit_fails(
    first_ten: str, shift: int, position: int
) -> None:
    """Changing either check digit of a 12-digit INN makes it fail."""
    inn = _inn12(first_ten)
    changed = inn[:position] + _other_digit(inn[position], shift) + inn[position + 1 :]

    assert not check_inn(changed).is_valid


@given(first_twelve=_digits(12))
def test_ogrn_generated_valid(first_twelve: str) -> None:
    """Every OGRN whose last digit is (first 12 digits) mod 11 mod 10 passes."""
    assume(set(first_twelve) != {"0"})
    ogrn = first_twelve + str(int(first_twelve) % 11 % 10)

    assert check_ogrn(ogrn).is_valid


@given(first_fourteen=_digits(14))
def test_ogrnip_generated_valid(first_fourteen: str) -> None:
    """Every OGRNIP whose last digit is (first 14 digits) mod 13 mod 10 passes."""
    assume(set(first_fourteen) != {"0"})
    ogrnip = first_fourteen + str(int(first_fourteen) % 13 % 10)

    assert check_ogrnip(ogrnip).is_valid


@given(first_twelve=_digits(12), shift=_shifts)
def test_ogrn_changed_check_digit_fails(first_twelve: str, shift: int) -> None:
    """Changing the check digit of an OGRN makes it fail."""
    check_digit = str(int(first_twelve) % 11 % 10)

    assert not check_ogrn(first_twelve + _other_digit(check_digit, shift)).is_valid


@given(first_fourteen=_digits(14), shift=_shifts)
def test_ogrnip_changed_check_digit_fails(first_fourteen: str, shift: int) -> None:
    """Changing the check digit of an OGRNIP makes it fail."""
    check_digit = str(int(first_fourteen) % 13 % 10)

    assert not check_ogrnip(first_fourteen + _other_digit(check_digit, shift)).is_valid


@given(
    first_ten=_region_digits(10),
    cuts=st.lists(st.integers(min_value=0, max_value=12), max_size=4),
    space=_white_space,
)
def test_inn_inner_spaces_removed(first_ten: str, cuts: list[int], space: str) -> None:
    """White space anywhere inside an INN is removed and the INN still passes."""
    inn = _inn12(first_ten)
    spaced = inn
    for cut in sorted(cuts, reverse=True):
        spaced = spaced[:cut] + space + spaced[cut:]

    result = check_inn(spaced)

    assert result.value == inn
    assert result.is_valid


@given(
    first_fourteen=_digits(14),
    cut=st.integers(min_value=0, max_value=15),
    space=_white_space,
)
def test_ogrnip_inner_spaces_removed(first_fourteen: str, cut: int, space: str) -> None:
    """White space inside an OGRNIP is removed before the check."""
    assume(set(first_fourteen) != {"0"})
    ogrnip = first_fourteen + str(int(first_fourteen) % 13 % 10)

    result = check_ogrnip(ogrnip[:cut] + space + ogrnip[cut:])

    assert result.value == ogrnip
    assert result.is_valid
