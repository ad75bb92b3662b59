"""Matching of one Bitrix24 company or contact to the 1C counterparty catalog.

A stored reference (the 1C reference in the Bitrix24 field, or one the service
recorded from an earlier receipt) always wins. Without one, the keys depend on
the kind, and only 1C counterparties of a compatible kind are searched:

- a legal entity by INN + KPP among legal entities, because branches share
  the INN and differ in KPP; without a KPP its INN candidates go to review;
- an entrepreneur by INN among entrepreneurs and individuals (the 12-digit INN
  is the person's own), then by phone only if the INN finds no candidate;
- an individual by phone among individuals and entrepreneurs.

One candidate links, several go to a person for review, none creates. An INN
that fails its check, toll-free numbers and invalid numbers never match.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from exchange.contract.enums import CounterpartyKind
from exchange.rules.phones import matching_key, matching_keys
from exchange.rules.tax_ids import remove_spaces

if TYPE_CHECKING:
    from collections.abc import Iterable

Entity = Literal["company", "contact"]
Action = Literal["update", "link", "create", "review"]
MatchedBy = Literal["id", "inn_kpp", "inn", "phone", "none", "ambiguous"]

# The empty reference that 1C writes for "no counterparty".
EMPTY_REF = "00000000-0000-0000-0000-000000000000"

PRESET_KINDS: dict[str, CounterpartyKind] = {
    "#CRM_REQUISITE_PRESET_DEF_RU_COMPANY#": CounterpartyKind.LEGAL_ENTITY,
    "#CRM_REQUISITE_PRESET_DEF_RU_INDIVIDUAL#": CounterpartyKind.ENTREPRENEUR,
    "#CRM_REQUISITE_PRESET_DEF_RU_PERSON#": CounterpartyKind.INDIVIDUAL,
}
ENTITY_KINDS: dict[str, CounterpartyKind] = {
    "company": CounterpartyKind.LEGAL_ENTITY,
    "contact": CounterpartyKind.INDIVIDUAL,
}

_LEGAL_ENTITIES = frozenset({CounterpartyKind.LEGAL_ENTITY})
_PERSONS = frozenset({CounterpartyKind.ENTREPRENEUR, CounterpartyKind.INDIVIDUAL})


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One 1C counterparty from a ``counterparty_catalog`` package.

    ``phones`` are matching keys: ``exchange.rules.phones.matching_keys`` of
    the normalized phones. The index drops any key that must not match.
    """

    ref: str
    kind: CounterpartyKind
    name: str
    inn: str | None
    kpp: str | None
    phones: tuple[str, ...] = ()
    deletion_mark: bool = False


class CatalogIndex:
    """Lookups of the 1C catalog by reference, INN + KPP, INN and phone key.

    Entries marked for deletion are found by reference only. When two entries
    carry the same reference, the later one replaces the earlier.
    ``complete`` tells that the entries list every counterparty of the 1C
    base, so that a reference missing from them may have been deleted in 1C.
    """

    def __init__(
        self, entries: Iterable[CatalogEntry], *, complete: bool = False
    ) -> None:
        self.complete = complete
        self._by_ref: dict[str, CatalogEntry] = {}
        for entry in entries:
            self._by_ref[entry.ref] = entry

        self._by_inn_kpp: dict[tuple[str, str], list[CatalogEntry]] = defaultdict(list)
        self._by_inn: dict[str, list[CatalogEntry]] = defaultdict(list)
        self._by_phone: dict[str, list[CatalogEntry]] = defaultdict(list)
        for entry in self._by_ref.values():
            if entry.deletion_mark:
                continue
            inn = remove_spaces(entry.inn)
            kpp = remove_spaces(entry.kpp)
            if inn:
                self._by_inn[inn].append(entry)
                if kpp:
                    self._by_inn_kpp[inn, kpp].append(entry)
            for key in matching_keys(entry.phones):
                self._by_phone[key].append(entry)

    def __len__(self) -> int:
        return len(self._by_ref)

    def get(self, ref: str) -> CatalogEntry | None:
        """Return the entry with this reference, even one marked for deletion."""
        return self._by_ref.get(ref)

    def find_by_inn_kpp(
        self, inn: str, kpp: str, kinds: Iterable[CounterpartyKind]
    ) -> list[CatalogEntry]:
        """Return the entries not marked for deletion with this INN, KPP and kind."""
        return _of_kinds(self._by_inn_kpp.get((inn, kpp), []), kinds)

    def find_by_inn(
        self, inn: str, kinds: Iterable[CounterpartyKind]
    ) -> list[CatalogEntry]:
        """Return the entries not marked for deletion with this INN and kind."""
        return _of_kinds(self._by_inn.get(inn, []), kinds)

    def find_by_phone(
        self, key: str, kinds: Iterable[CounterpartyKind]
    ) -> list[CatalogEntry]:
        """Return the entries not marked for deletion with this phone key and kind."""
        return _of_kinds(self._by_phone.get(key, []), kinds)


def _of_kinds(
    entries: list[CatalogEntry], kinds: Iterable[CounterpartyKind]
) -> list[CatalogEntry]:
    wanted = frozenset(kinds)
    return [entry for entry in entries if entry.kind in wanted]


@dataclass(frozen=True, slots=True)
class Party:
    """The Bitrix24 side of a match: a company or contact with its requisite.

    ``inn`` and ``kpp`` have spaces removed, and ``inn_valid`` is the result of
    the INN check. ``phones`` are normalized E.164, possibly with ``;ext=``.
    ``stored_ref`` is the 1C reference from the Bitrix24 field or from the
    service's registry of earlier receipts, if any. ``stored_ref_confirmed``
    is true when a receipt reported that reference after the complete
    catalog arrived, so that its absence from the catalog is no sign that it
    was deleted in 1C.
    """

    entity: Entity
    b24_id: int
    kind: CounterpartyKind
    inn: str
    kpp: str
    inn_valid: bool
    phones: tuple[str, ...] = ()
    stored_ref: str | None = None
    stored_ref_confirmed: bool = False


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Outcome of one match: the action for the 1C processing and the key used.

    ``ref`` is set for ``update`` and ``link`` and empty otherwise.
    ``candidates`` (sorted references) is non-empty exactly for ``review``.
    Both rules are checked on construction and raise ``ValueError``.
    """

    action: Action
    by: MatchedBy
    ref: str = ""
    candidates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        needs_ref = self.action in ("update", "link")
        if needs_ref != bool(self.ref):
            raise ValueError(
                f"match result {self.action!r} must "
                f"{'carry' if needs_ref else 'not carry'} a reference, got {self.ref!r}"
            )
        if (self.action == "review") != bool(self.candidates):
            raise ValueError(
                f"match result {self.action!r} has candidates {self.candidates!r}, "
                "but candidates are required exactly for 'review'"
            )


def kind_from_preset(
    preset_xml_id: str | None, entity: Entity
) -> tuple[CounterpartyKind, str | None]:
    """Return the counterparty kind of a requisite template, and a warning or None.

    The three Russian default templates name the kind. ``None`` means the
    item has no requisite: the kind follows the entity (company → legal
    entity, contact → individual) without a warning, because contacts and new
    companies often have none. Any other template, including one without an
    XML_ID (``""``), also counts by the entity, with a warning.
    """
    if entity not in ENTITY_KINDS:
        raise ValueError(f"entity must be 'company' or 'contact', got {entity!r}")

    if preset_xml_id is not None and preset_xml_id.strip() in PRESET_KINDS:
        return PRESET_KINDS[preset_xml_id.strip()], None

    kind = ENTITY_KINDS[entity]
    if preset_xml_id is None:
        return kind, None
    warning = (
        f"requisite template {preset_xml_id!r} is not one of the Russian default "
        f"templates (company, individual entrepreneur, person), so the {entity} "
        f"is exported as {kind.value}"
    )
    return kind, warning


def _stored_ref(party: Party) -> str:
    ref = (party.stored_ref or "").strip()
    if ref == EMPTY_REF:
        return ""
    return ref


def _result_from_candidates(
    entries: Iterable[CatalogEntry], by: MatchedBy, warnings: list[str]
) -> MatchResult:
    refs = sorted({entry.ref for entry in entries})
    if not refs:
        return MatchResult("create", "none", warnings=warnings)
    if len(refs) == 1:
        return MatchResult("link", by, refs[0], warnings=warnings)
    return MatchResult("review", "ambiguous", candidates=refs, warnings=warnings)


def _match_stored(party: Party, ref: str, index: CatalogIndex | None) -> MatchResult:
    warnings: list[str] = []
    entry = index.get(ref) if index is not None else None
    if entry is not None and entry.deletion_mark:
        warnings.append(
            f"1C counterparty {ref} stored for {party.entity} {party.b24_id} is "
            "marked for deletion in 1C; it is still sent for update"
        )
    elif (
        entry is None
        and index is not None
        and index.complete
        and not party.stored_ref_confirmed
    ):
        warnings.append(
            f"1C counterparty {ref} stored for {party.entity} {party.b24_id} is "
            "not in the complete 1C catalog, so it may have been deleted in 1C; "
            "it is still sent for update, so check the reference in 1C"
        )
    return MatchResult("update", "id", ref, warnings=warnings)


def _invalid_inn_warning(party: Party) -> str:
    return f"INN {party.inn} is invalid, so it was not used to find a 1C counterparty"


def _match_legal_entity(party: Party, index: CatalogIndex) -> MatchResult:
    if not party.inn:
        return MatchResult("create", "none")
    if not party.inn_valid:
        return MatchResult("create", "none", warnings=[_invalid_inn_warning(party)])

    if party.kpp:
        entries = index.find_by_inn_kpp(party.inn, party.kpp, _LEGAL_ENTITIES)
        return _result_from_candidates(entries, "inn_kpp", [])

    # INN alone may match dozens of branches, so even one candidate goes to
    # a person rather than being linked.
    refs = sorted({e.ref for e in index.find_by_inn(party.inn, _LEGAL_ENTITIES)})
    if not refs:
        return MatchResult("create", "none")
    return MatchResult("review", "inn", candidates=refs)


def _match_by_phone(
    party: Party, index: CatalogIndex, warnings: list[str]
) -> MatchResult:
    found: list[CatalogEntry] = []
    for phone in party.phones:
        key = matching_key(phone)
        if key is None:
            warnings.append(
                f"phone {phone} is toll-free or invalid, so it was not used "
                "to find a 1C counterparty"
            )
            continue
        # A phone that matches nothing adds no candidate and blocks nothing.
        found.extend(index.find_by_phone(key, _PERSONS))
    return _result_from_candidates(found, "phone", warnings)


def _match_entrepreneur(party: Party, index: CatalogIndex) -> MatchResult:
    warnings: list[str] = []
    if party.inn and not party.inn_valid:
        warnings.append(_invalid_inn_warning(party))
    elif party.inn:
        entries = index.find_by_inn(party.inn, _PERSONS)
        if entries:
            return _result_from_candidates(entries, "inn", warnings)
    return _match_by_phone(party, index, warnings)


def match(party: Party, index: CatalogIndex | None) -> MatchResult:
    """Match one Bitrix24 counterparty to the 1C catalog.

    ``index`` is None when 1C has sent no catalog: then only a stored
    reference matches, and everything else is created.
    """
    ref = _stored_ref(party)
    if ref:
        return _match_stored(party, ref, index)
    if index is None:
        return MatchResult("create", "none")

    if party.kind is CounterpartyKind.LEGAL_ENTITY:
        return _match_legal_entity(party, index)
    if party.kind is CounterpartyKind.ENTREPRENEUR:
        return _match_entrepreneur(party, index)
    return _match_by_phone(party, index, [])
