"""Normalization of phone numbers to E.164, and the keys used to match them.

A normalized number is E.164 (``+74951234567``) with an extension appended as
``;ext=123``, the RFC 3966 parameter. phonenumbers reads the Russian trunk
prefix ``8``, the old ``8 10`` international prefix, non-breaking spaces and
"доб." extensions, so every way of typing one number gives one string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberType

if TYPE_CHECKING:
    from collections.abc import Iterable

DEFAULT_REGION = "RU"
EXTENSION_SEPARATOR = ";ext="
# Russian toll-free numbers (8-800) are shared by all callers of one company.
# phonenumbers types them as TOLL_FREE, and this prefix keeps them out even if
# its metadata changes.
_RUSSIAN_TOLL_FREE_PREFIX = "+7800"
_DIGIT = re.compile(r"[0-9]")


@dataclass(frozen=True, slots=True)
class PhoneResult:
    """Normalized numbers in first-seen order, and warnings for those left out."""

    phones: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def format_phone(number: PhoneNumber) -> str:
    """Format a parsed number as E.164, with ``;ext=`` and its extension if any."""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        return f"{e164}{EXTENSION_SEPARATOR}{number.extension}"
    return e164


def _parse_whole(raw: str, region: str) -> PhoneNumber | None:
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return number


def _leftover_with_digits(raw: str, spans: list[tuple[int, int]]) -> str:
    # The text outside the numbers found, if it still contains a digit: a
    # fragment that looked like part of a number but was not read as one.
    pieces: list[str] = []
    position = 0
    for start, end in spans:
        pieces.append(raw[position:start])
        position = end
    pieces.append(raw[position:])
    leftover = " ".join(" ".join(pieces).split())
    if _DIGIT.search(leftover) is None:
        return ""
    return leftover


def _numbers_in_field(raw: str, region: str) -> tuple[list[PhoneNumber], list[str]]:
    number = _parse_whole(raw, region)
    if number is not None:
        return [number], []

    # The field may hold several numbers ("+7 912 ..., +7 913 ..."), which
    # parse() rejects as a whole; the matcher finds each valid one.
    matches = list(phonenumbers.PhoneNumberMatcher(raw, region))
    if not matches:
        return [], [f"phone {raw!r} is not a valid phone number and was left out"]

    warnings: list[str] = []
    spans = [(match.start, match.end) for match in matches]
    leftover = _leftover_with_digits(raw, spans)
    if leftover:
        warnings.append(
            f"phone field {raw!r}: {leftover!r} is not a valid phone number "
            "and was left out"
        )
    return [match.number for match in matches], warnings


def normalize_phones(
    values: Iterable[str], region: str = DEFAULT_REGION
) -> PhoneResult:
    """Normalize phone fields as typed into E.164 numbers, without duplicates.

    Each field may hold several numbers. Numbers without a country code are
    read as numbers of ``region``. A field or part of a field that is not a
    valid number is left out and named in a warning. Blank fields are skipped.
    """
    phones: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for raw in values:
        text = raw.strip()
        if not text:
            continue
        numbers, field_warnings = _numbers_in_field(text, region)
        warnings.extend(field_warnings)
        for number in numbers:
            formatted = format_phone(number)
            if formatted not in seen:
                seen.add(formatted)
                phones.append(formatted)
    return PhoneResult(phones, warnings)


def matching_key(phone: str) -> str | None:
    """Return the key a normalized phone matches by, or None if it must not match.

    The key is the E.164 number without its extension, because an extension
    reaches a person behind a shared line. Toll-free numbers (8-800 and any
    number phonenumbers types as TOLL_FREE) are shared by many customers, and
    invalid numbers identify no one, so both return None. ``phone`` must be
    normalized: a number without ``+`` and country code returns None.
    """
    e164, _, _ = phone.strip().partition(EXTENSION_SEPARATOR)
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None

    key = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if key.startswith(_RUSSIAN_TOLL_FREE_PREFIX):
        return None
    if phonenumbers.number_type(number) == PhoneNumberType.TOLL_FREE:
        return None
    return key


def matching_keys(phones: Iterable[str]) -> tuple[str, ...]:
    """Return the distinct matching keys of normalized phones, in first-seen order.

    Phones that must not match (toll-free, invalid) contribute no key.
    """
    keys: dict[str, None] = {}
    for phone in phones:
        key = matching_key(phone)
        if key is not None:
            keys[key] = None
    return tuple(keys)
