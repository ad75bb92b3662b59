"""Checks of Russian tax and registration numbers: INN, KPP, OGRN and OGRNIP.

Every check returns the value with white space removed and a list of problems.
A value that fails is still returned, because the counterparty record keeps it
and carries the problem as a warning. An absent value (``None`` or blank) is
returned as ``""`` with no problems, so the caller decides whether absence
matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stdnum.ru import inn as stdnum_inn

from exchange.contract.enums import CounterpartyKind

_DIGITS = re.compile(r"[0-9]+")
# Tax office code (4 digits), reason code (2 digits or capital Latin letters),
# serial number (3 digits).
_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")

ORGANISATION_INN_LENGTH = 10
PERSONAL_INN_LENGTH = 12
OGRN_LENGTH = 13
OGRNIP_LENGTH = 15

_KIND_NOUNS = {
    CounterpartyKind.LEGAL_ENTITY: "a legal entity",
    CounterpartyKind.ENTREPRENEUR: "an individual entrepreneur",
    CounterpartyKind.INDIVIDUAL: "an individual",
}


@dataclass(frozen=True, slots=True)
class TaxIdCheck:
    """Result of one check: the value without white space and its problems."""

    value: str
    problems: list[str] = field(default_factory=list)

    @property
    def is_present(self) -> bool:
        """Whether a value was given at all."""
        return self.value != ""

    @property
    def is_valid(self) -> bool:
        """Whether a value was given and passed every rule."""
        return self.is_present and not self.problems


def remove_spaces(raw: str | None) -> str:
    """Remove every white-space character, non-breaking spaces included."""
    if raw is None:
        return ""
    return "".join(raw.split())


def _is_digits(value: str) -> bool:
    # str.isdigit() also accepts non-ASCII digits such as Arabic-Indic ones.
    return _DIGITS.fullmatch(value) is not None


def _inn_check_digits_match(value: str) -> bool:
    if len(value) == ORGANISATION_INN_LENGTH:
        return stdnum_inn.calc_company_check_digit(value[:9]) == value[9]
    return stdnum_inn.calc_personal_check_digits(value[:10]) == value[10:]


def _inn_length_problem(value: str, kind: CounterpartyKind) -> str | None:
    if kind is CounterpartyKind.LEGAL_ENTITY:
        expected = ORGANISATION_INN_LENGTH
    else:
        expected = PERSONAL_INN_LENGTH
    if len(value) == expected:
        return None
    return (
        f"INN {value} has {len(value)} digits, but the INN of "
        f"{_KIND_NOUNS[kind]} has {expected} digits"
    )


def check_inn(raw: str | None, kind: CounterpartyKind | None = None) -> TaxIdCheck:
    """Check an INN: 10 digits for organisations, 12 for persons, check digits.

    The check digits are the mod-11 sums that python-stdnum computes. The
    all-zero INN passes them, so it is rejected here, and so is region ``00``
    in the first two digits. With ``kind``, the length must also fit the kind:
    10 digits for a legal entity, 12 for an entrepreneur or an individual.
    """
    value = remove_spaces(raw)
    if not value:
        return TaxIdCheck(value)

    if not _is_digits(value):
        return TaxIdCheck(value, [f"INN {value} must contain digits only"])
    if len(value) not in (ORGANISATION_INN_LENGTH, PERSONAL_INN_LENGTH):
        problem = (
            f"INN {value} has {len(value)} digits, but an INN has 10 digits "
            "(organisation) or 12 digits (person)"
        )
        return TaxIdCheck(value, [problem])

    problems: list[str] = []
    if set(value) == {"0"}:
        problems.append(f"INN {value} is all zeros, which is not a real INN")
    elif value.startswith("00"):
        problems.append(f"INN {value} starts with region code 00, which is invalid")
    elif not _inn_check_digits_match(value):
        problems.append(f"INN {value} fails its check digit")

    if kind is not None:
        length_problem = _inn_length_problem(value, kind)
        if length_problem is not None:
            problems.append(length_problem)
    return TaxIdCheck(value, problems)


def check_kpp(raw: str | None, kind: CounterpartyKind | None = None) -> TaxIdCheck:
    """Check a KPP: 9 characters ``NNNNPPXXX``, positions 5-6 digits or A-Z.

    A KPP has no check digit. With ``kind``, a KPP given for an entrepreneur
    or an individual is a problem too, because only organisations have one.
    """
    value = remove_spaces(raw)
    if not value:
        return TaxIdCheck(value)

    problems: list[str] = []
    if _KPP.fullmatch(value) is None:
        problems.append(
            f"KPP {value} is invalid: a KPP has 9 characters, all digits except "
            "positions 5 and 6, which may also be capital Latin letters"
        )
    if kind is not None and kind is not CounterpartyKind.LEGAL_ENTITY:
        problems.append(
            f"KPP {value} is given for {_KIND_NOUNS[kind]}, but only "
            "organisations have a KPP"
        )
    return TaxIdCheck(value, problems)


def _check_registration_number(
    raw: str | None, name: str, length: int, modulus: int
) -> TaxIdCheck:
    # OGRN and OGRNIP share one rule: the last digit is the rest of the number,
    # read as an integer, modulo 11 (OGRN) or 13 (OGRNIP), then modulo 10.
    value = remove_spaces(raw)
    if not value:
        return TaxIdCheck(value)

    if not _is_digits(value):
        return TaxIdCheck(value, [f"{name} {value} must contain digits only"])
    if len(value) != length:
        problem = f"{name} {value} has {len(value)} digits, but an {name} has {length}"
        return TaxIdCheck(value, [problem])
    if set(value) == {"0"}:
        return TaxIdCheck(value, [f"{name} {value} is all zeros"])

    expected = int(value[:-1]) % modulus % 10
    if int(value[-1]) != expected:
        return TaxIdCheck(value, [f"{name} {value} fails its check digit"])
    return TaxIdCheck(value)


def check_ogrn(raw: str | None) -> TaxIdCheck:
    """Check an OGRN: 13 digits, the last one (first 12 digits) mod 11 mod 10."""
    return _check_registration_number(raw, "OGRN", OGRN_LENGTH, 11)


def check_ogrnip(raw: str | None) -> TaxIdCheck:
    """Check an OGRNIP: 15 digits, the last one (first 14 digits) mod 13 mod 10.

    python-stdnum 2.0-2.2 leaves out the final mod 10 step for OGRNIP and so
    rejects valid numbers such as 304500116000180; its check is not used.
    """
    return _check_registration_number(raw, "OGRNIP", OGRNIP_LENGTH, 13)


def check_registration_number(raw: str | None, kind: CounterpartyKind) -> TaxIdCheck:
    """Check the ``ogrn`` field of a counterparty: OGRN or OGRNIP by kind.

    A legal entity has an OGRN and an entrepreneur an OGRNIP. An individual
    has neither, so a value given for one is checked by its length.
    """
    if kind is CounterpartyKind.LEGAL_ENTITY:
        return check_ogrn(raw)
    if kind is CounterpartyKind.ENTREPRENEUR:
        return check_ogrnip(raw)
    if len(remove_spaces(raw)) == OGRN_LENGTH:
        return check_ogrn(raw)
    return check_ogrnip(raw)
