"""Normalization of e-mail addresses: trimmed, lower-cased, without duplicates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

# Addresses typed into one field are separated by commas or semicolons. A
# display name may surround the address in angle brackets ("Ivan <i@x.ru>").
_FIELD_SEPARATORS = re.compile(r"[,;]")
_ANGLE_ADDRESS = re.compile(r"<([^<>]*)>")
_MAILTO_PREFIX = "mailto:"


@dataclass(frozen=True, slots=True)
class EmailResult:
    """Normalized addresses in first-seen order, and warnings for those left out."""

    emails: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _is_address(candidate: str) -> bool:
    local, at, domain = candidate.partition("@")
    return bool(at) and bool(local) and bool(domain) and "@" not in domain


def _candidates_in_part(part: str) -> list[str]:
    bracketed = _ANGLE_ADDRESS.search(part)
    if bracketed is not None:
        return [bracketed.group(1).strip()]
    return part.split()


def normalize_emails(values: Iterable[str]) -> EmailResult:
    """Normalize e-mail fields as typed into lower-case addresses, without duplicates.

    A field may hold several addresses separated by commas, semicolons or
    spaces. Anything that is not ``local@domain`` with exactly one ``@`` is
    left out and named in a warning. Blank fields are skipped. The check is
    deliberately loose, because 1C and mail servers judge the rest.
    """
    emails: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for raw in values:
        for part in _FIELD_SEPARATORS.split(raw):
            for candidate in _candidates_in_part(part):
                address = candidate.lower().removeprefix(_MAILTO_PREFIX)
                if not _is_address(address):
                    warnings.append(
                        f"e-mail {candidate!r} is not a valid address and was left out"
                    )
                    continue
                if address not in seen:
                    seen.add(address)
                    emails.append(address)
    return EmailResult(emails, warnings)
