"""One ``counterparties`` record per collected company or contact.

The record follows the contract: every key is a valid 1C identifier, strings
are never null, and data problems are listed in ``warnings`` (and logged)
while the record is still sent.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from exchange.contract.enums import CounterpartyKind
from exchange.counterparties.collected import CollectedItem
from exchange.rules.counterparty_match import (
    EMPTY_REF,
    CatalogIndex,
    MatchResult,
    Party,
    kind_from_preset,
    match,
)
from exchange.rules.emails import normalize_emails
from exchange.rules.phones import normalize_phones
from exchange.rules.tax_ids import check_inn, check_kpp, check_registration_number

log = logging.getLogger(__name__)

_REFERENCE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Bitrix24 address TYPE_ID → contract type, in the order records list them.
ADDRESS_TYPES: dict[int, str] = {
    6: "legal",
    1: "actual",
    4: "registration",
    8: "postal",
}
# Contract address part → Bitrix24 field, in the order ``text`` joins them.
ADDRESS_PARTS: dict[str, str] = {
    "postal_code": "POSTAL_CODE",
    "country": "COUNTRY",
    "province": "PROVINCE",
    "region": "REGION",
    "city": "CITY",
    "address_1": "ADDRESS_1",
    "address_2": "ADDRESS_2",
}
_PERSON_KINDS = frozenset({CounterpartyKind.ENTREPRENEUR, CounterpartyKind.INDIVIDUAL})


@dataclass(frozen=True, slots=True)
class BuiltRecord:
    """A record ready for the package, with what the export keeps of it."""

    document: dict[str, Any]
    inn: str
    name: str
    warnings: tuple[str, ...]


def build_record(
    item: CollectedItem,
    *,
    ref_field: str,
    registry_ref: str | None,
    index: CatalogIndex | None,
    phone_region: str,
    confirmed_refs: frozenset[str] = frozenset(),
) -> BuiltRecord:
    """Build the record of one item and match it to the 1C catalog.

    The stored reference is the value of ``ref_field`` in Bitrix24, else the
    one the registry holds from an earlier receipt. ``index`` is None when 1C
    has sent no catalog. ``confirmed_refs`` are the references that receipts
    reported after the complete catalog arrived.
    """
    warnings = list(item.warnings)
    kind, kind_warning = kind_from_preset(item.preset_xml_id, item.entity)
    if kind_warning:
        warnings.append(kind_warning)
    requisite = item.requisite or {}

    inn = check_inn(requisite.get("RQ_INN"), kind)
    kpp = check_kpp(requisite.get("RQ_KPP"), kind)
    ogrn = check_registration_number(_registration_number(requisite, kind), kind)
    for check in (inn, kpp, ogrn):
        warnings.extend(check.problems)

    phones = normalize_phones(_multifield(item.row.get("PHONE")), phone_region)
    emails = normalize_emails(_multifield(item.row.get("EMAIL")))
    warnings += phones.warnings + emails.warnings
    if kind is CounterpartyKind.INDIVIDUAL and not phones.phones:
        warnings.append(
            "the individual has no valid phone, so 1C cannot match by phone"
        )

    stored_ref = _stored_ref(item, ref_field, registry_ref, warnings)
    if kind is CounterpartyKind.LEGAL_ENTITY and not inn.value and not stored_ref:
        warnings.append(
            f"the {item.entity} has no INN, so 1C cannot match it to an existing "
            "counterparty and may create a duplicate; add the INN to its "
            "requisite in Bitrix24"
        )
    party = Party(
        entity=item.entity,
        b24_id=item.b24_id,
        kind=kind,
        inn=inn.value,
        kpp=kpp.value,
        inn_valid=inn.is_valid,
        phones=tuple(phones.phones),
        stored_ref=stored_ref,
        stored_ref_confirmed=stored_ref in confirmed_refs,
    )
    result = match(party, index)
    warnings += [text for text in result.warnings if text not in warnings]
    if result.action == "review":
        warnings.append(_review_warning(result, party))

    name, last, first, middle = _names(item, kind)
    document: dict[str, Any] = {
        "b24_entity": item.entity,
        "b24_id": item.b24_id,
        "kind": kind.value,
        "ref": result.ref,
        "action": result.action,
        "match": {"by": result.by, "candidates": list(result.candidates)},
        "name": name,
        "full_name": _full_name(requisite, kind, name, (last, first, middle)),
        "last_name": last,
        "first_name": first,
        "middle_name": middle,
        "inn": inn.value,
        "kpp": kpp.value,
        "ogrn": ogrn.value,
        "phones": phones.phones,
        "emails": emails.emails,
        "addresses": _addresses(item.addresses),
        "bank_accounts": _bank_accounts(item.bank_details),
        "deal": _deal(item),
        "deal_ids": [deal.id for deal in item.deals],
        "warnings": warnings,
    }
    for warning in warnings:
        log.warning("%s %d: %s", item.entity, item.b24_id, warning)
    return BuiltRecord(document, inn.value, name, tuple(warnings))


def _registration_number(requisite: dict[str, Any], kind: CounterpartyKind) -> str:
    ogrn = _text(requisite.get("RQ_OGRN"))
    ogrnip = _text(requisite.get("RQ_OGRNIP"))
    if kind is CounterpartyKind.LEGAL_ENTITY:
        return ogrn
    return ogrnip or ogrn


def _stored_ref(
    item: CollectedItem, ref_field: str, registry_ref: str | None, warnings: list[str]
) -> str | None:
    # A reference in the Bitrix24 field wins over the registry, because a
    # person may have corrected it by hand.
    raw = _text(item.row.get(ref_field)).strip()
    ref = raw.lower()
    if ref and ref != EMPTY_REF:
        if _REFERENCE.fullmatch(ref):
            return ref
        warnings.append(
            f"field {ref_field} contains {raw!r}, which is not a 1C reference "
            "(a UUID), so it was ignored; write the 1C counterparty's UUID "
            "there or clear the field"
        )
    return registry_ref or None


def _review_warning(result: MatchResult, party: Party) -> str:
    count = len(result.candidates)
    if result.by == "inn":
        return (
            f"KPP is empty, so the {party.entity} was looked up by INN alone: "
            f"{count} counterparties in 1C have INN {party.inn}; choose one"
        )
    return f"{count} counterparties in 1C match this {party.entity}; choose one"


def _names(item: CollectedItem, kind: CounterpartyKind) -> tuple[str, str, str, str]:
    requisite = item.requisite or {}
    if item.entity == "contact":
        last = _clean(item.row.get("LAST_NAME"))
        first = _clean(item.row.get("NAME"))
        middle = _clean(item.row.get("SECOND_NAME"))
        name = _join(" ", (last, first, middle))
        if not (last or first or middle):
            last, first, middle = _requisite_person(requisite)
    else:
        name = _clean(item.row.get("TITLE"))
        last, first, middle = _requisite_person(requisite)
    if kind not in _PERSON_KINDS:
        return name, "", "", ""
    return name, last, first, middle


def _requisite_person(requisite: dict[str, Any]) -> tuple[str, str, str]:
    return (
        _clean(requisite.get("RQ_LAST_NAME")),
        _clean(requisite.get("RQ_FIRST_NAME")),
        _clean(requisite.get("RQ_SECOND_NAME")),
    )


def _full_name(
    requisite: dict[str, Any],
    kind: CounterpartyKind,
    name: str,
    person: tuple[str, str, str],
) -> str:
    full = _clean(requisite.get("RQ_COMPANY_FULL_NAME"))
    if full and kind is not CounterpartyKind.INDIVIDUAL:
        return full
    if kind in _PERSON_KINDS and any(person):
        return _join(" ", person)
    return full or name


def _addresses(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    order = list(ADDRESS_TYPES)
    known = [row for row in rows if _type_id(row) in ADDRESS_TYPES]
    known.sort(key=lambda row: order.index(_type_id(row)))
    addresses: list[dict[str, str]] = []
    for row in known:
        address = {"type": ADDRESS_TYPES[_type_id(row)]}
        for part, code in ADDRESS_PARTS.items():
            address[part] = _clean(row.get(code))
        address["text"] = _join(", ", (address[part] for part in ADDRESS_PARTS))
        addresses.append(address)
    return addresses


def _type_id(row: dict[str, Any]) -> int:
    text = _text(row.get("TYPE_ID")).strip()
    return int(text) if text.isdigit() else 0


def _bank_accounts(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "bik": _clean(row.get("RQ_BIK")),
            "account": _clean(row.get("RQ_ACC_NUM")),
            "correspondent_account": _clean(row.get("RQ_COR_ACC_NUM")),
            "bank_name": _clean(row.get("RQ_BANK_NAME")),
        }
        for row in rows
        if _text(row.get("ACTIVE")).upper() != "N"
    ]


def _deal(item: CollectedItem) -> dict[str, Any] | None:
    if item.flag_on_item or not item.deals:
        return None
    deal = max(item.deals, key=lambda deal: deal.id)
    return {"id": deal.id, "title": deal.title, "stage_id": deal.stage_id}


def _multifield(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [_text(entry.get("VALUE")) for entry in value if isinstance(entry, dict)]


def _join(separator: str, parts: Any) -> str:
    return separator.join(part for part in parts if part)


def _clean(value: object) -> str:
    return " ".join(_text(value).split())


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value)
