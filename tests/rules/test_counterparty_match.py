"""Tests of matching Bitrix24 companies and contacts to the 1C catalog."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from exchange.contract.enums import CounterpartyKind
from exchange.rules.counterparty_match import (
    EMPTY_REF,
    CatalogEntry,
    CatalogIndex,
    Entity,
    MatchResult,
    Party,
    kind_from_preset,
    match,
)
from exchange.rules.phones import matching_keys, normalize_phones
from exchange.rules.tax_ids import check_inn

LEGAL = CounterpartyKind.LEGAL_ENTITY
ENTREPRENEUR = CounterpartyKind.ENTREPRENEUR
INDIVIDUAL = CounterpartyKind.INDIVIDUAL

# Valid INNs: Sberbank, Gazprom, and others with computed check digits.
SBER_INN = "7707083893"
GAZPROM_INN = "7736050003"
SOLO_INN = "7812345675"
DELETED_CO_INN = "5027001233"
IVANOV_INN = "500100732259"
PETROV_INN = "771234567859"
UNKNOWN_PERSON_INN = "502700123446"
# Sberbank's INN with its check digit changed from 3 to 4.
INVALID_INN = "7707083894"
# IVANOV_INN with its last check digit changed from 9 to 8.
INVALID_PERSON_INN = "500100732258"


def _entry(
    ref: str,
    kind: CounterpartyKind,
    inn: str | None = None,
    kpp: str | None = None,
    phones: tuple[str, ...] = (),
    deletion_mark: bool = False,
) -> CatalogEntry:
    # Catalog phones arrive as typed in 1C and are turned into keys first.
    keys = matching_keys(normalize_phones(phones).phones)
    return CatalogEntry(ref, kind, ref, inn, kpp, keys, deletion_mark)


CATALOG = [
    _entry("ref-sber-hq", LEGAL, SBER_INN, "773601001"),
    _entry("ref-sber-spb", LEGAL, SBER_INN, "784243001"),
    _entry("ref-gaz-a", LEGAL, GAZPROM_INN, "772801001"),
    _entry("ref-gaz-b", LEGAL, GAZPROM_INN, "772801001"),
    _entry("ref-solo", LEGAL, SOLO_INN, "781201001"),
    _entry("ref-deleted-co", LEGAL, DELETED_CO_INN, "502701001", deletion_mark=True),
    _entry("ref-bad-inn", LEGAL, INVALID_INN, "773601001"),
    _entry("ref-romashka", LEGAL, None, None, ("+7 495 333-44-55",)),
    _entry("ref-ip-ivanov", ENTREPRENEUR, IVANOV_INN, None, ("8 916 123 45 67",)),
    _entry("ref-ip-bad-inn", ENTREPRENEUR, INVALID_PERSON_INN),
    _entry(
        "ref-petrov",
        INDIVIDUAL,
        PETROV_INN,
        None,
        ("8 (903) 111-22-33", "+7 495 000-11-22"),
    ),
    _entry("ref-sidorova", INDIVIDUAL, None, None, ("+7 926 123-45-67",)),
    _entry("ref-kuznetsov", INDIVIDUAL, None, None, ("+7 495 765-43-21",)),
    _entry("ref-kuznetsova", INDIVIDUAL, None, None, ("84957654321",)),
    _entry("ref-office", INDIVIDUAL, None, None, ("+7 495 999-88-77 доб. 3",)),
    _entry("ref-hotline", INDIVIDUAL, None, None, ("8-800-555-35-35",)),
    _entry(
        "ref-deleted-person",
        INDIVIDUAL,
        None,
        None,
        ("+7 999 777-66-55",),
        deletion_mark=True,
    ),
]


def _party(
    kind: CounterpartyKind,
    inn: str = "",
    kpp: str = "",
    phones: tuple[str, ...] = (),
    stored_ref: str | None = None,
) -> Party:
    entity: Entity = "company" if kind is LEGAL else "contact"
    return Party(
        entity=entity,
        b24_id=101,
        kind=kind,
        inn=inn,
        kpp=kpp,
        inn_valid=check_inn(inn, kind).is_valid,
        phones=tuple(normalize_phones(phones).phones),
        stored_ref=stored_ref,
    )


class Expected(NamedTuple):
    action: str
    by: str
    ref: str = ""
    candidates: tuple[str, ...] = ()


MATCH_CASES = [
    pytest.param(
        _party(LEGAL, SBER_INN, "773601001", stored_ref="ref-elsewhere"),
        Expected("update", "id", "ref-elsewhere"),
        id="stored-ref-wins-over-inn-kpp",
    ),
    pytest.param(
        _party(LEGAL, SBER_INN, "773601001"),
        Expected("link", "inn_kpp", "ref-sber-hq"),
        id="inn-kpp-single",
    ),
    pytest.param(
        _party(LEGAL, SBER_INN, "780601001"),
        Expected("create", "none"),
        id="branch-same-inn-other-kpp-not-linked",
    ),
    pytest.param(
        _party(LEGAL, GAZPROM_INN, "772801001"),
        Expected("review", "ambiguous", "", ("ref-gaz-a", "ref-gaz-b")),
        id="inn-kpp-two-entries-ambiguous",
    ),
    pytest.param(
        _party(LEGAL, SBER_INN),
        Expected("review", "inn", "", ("ref-sber-hq", "ref-sber-spb")),
        id="legal-no-kpp-inn-candidates-review",
    ),
    pytest.param(
        _party(LEGAL, SOLO_INN),
        Expected("review", "inn", "", ("ref-solo",)),
        id="legal-no-kpp-one-candidate-still-review",
    ),
    pytest.param(
        _party(LEGAL, INVALID_INN),
        Expected("create", "none"),
        id="legal-no-kpp-invalid-inn-no-candidates",
    ),
    pytest.param(
        _party(LEGAL, INVALID_INN, "773601001"),
        Expected("create", "none"),
        id="invalid-inn-checksum-never-matches",
    ),
    pytest.param(
        _party(LEGAL, DELETED_CO_INN, "502701001"),
        Expected("create", "none"),
        id="deleted-legal-entity-not-matched",
    ),
    pytest.param(
        _party(LEGAL, phones=("+7 495 333-44-55",)),
        Expected("create", "none"),
        id="legal-entity-not-matched-by-phone",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("+7 495 333-44-55",)),
        Expected("create", "none"),
        id="individual-not-matched-to-legal-by-phone",
    ),
    pytest.param(
        _party(ENTREPRENEUR, IVANOV_INN),
        Expected("link", "inn", "ref-ip-ivanov"),
        id="entrepreneur-by-inn",
    ),
    pytest.param(
        _party(ENTREPRENEUR, PETROV_INN),
        Expected("link", "inn", "ref-petrov"),
        id="entrepreneur-inn-finds-individual",
    ),
    pytest.param(
        _party(ENTREPRENEUR, UNKNOWN_PERSON_INN, phones=("+7 926 123 45 67",)),
        Expected("link", "phone", "ref-sidorova"),
        id="entrepreneur-inn-nothing-falls-back-to-phone",
    ),
    pytest.param(
        _party(ENTREPRENEUR, IVANOV_INN, phones=("+7 926 123 45 67",)),
        Expected("link", "inn", "ref-ip-ivanov"),
        id="entrepreneur-inn-found-phone-unused",
    ),
    pytest.param(
        _party(ENTREPRENEUR, INVALID_PERSON_INN, phones=("+7 926 123 45 67",)),
        Expected("link", "phone", "ref-sidorova"),
        id="entrepreneur-invalid-inn-falls-back-to-phone",
    ),
    pytest.param(
        _party(ENTREPRENEUR, UNKNOWN_PERSON_INN),
        Expected("create", "none"),
        id="entrepreneur-nothing-found",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("8 (903) 111-22-33",)),
        Expected("link", "phone", "ref-petrov"),
        id="individual-by-phone",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("+7 916 123-45-67",)),
        Expected("link", "phone", "ref-ip-ivanov"),
        id="individual-by-phone-finds-entrepreneur",
    ),
    pytest.param(
        _party(INDIVIDUAL, PETROV_INN),
        Expected("create", "none"),
        id="individual-not-matched-by-inn",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("8-800-555-35-35",)),
        Expected("create", "none"),
        id="toll-free-never-matches",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("8-800-555-35-35", "+7 903 111 22 33")),
        Expected("link", "phone", "ref-petrov"),
        id="toll-free-ignored-beside-match",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("+7 926 123-45-67", "+7 903 111-22-33")),
        Expected("review", "ambiguous", "", ("ref-petrov", "ref-sidorova")),
        id="two-phones-different-counterparties",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("+7 903 111-22-33", "8 495 000 11 22")),
        Expected("link", "phone", "ref-petrov"),
        id="two-phones-same-counterparty",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("+7 999 000 11 22", "8 903 111 22 33")),
        Expected("link", "phone", "ref-petrov"),
        id="unmatched-phone-does-not-block",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("+7 495 765-43-21",)),
        Expected("review", "ambiguous", "", ("ref-kuznetsov", "ref-kuznetsova")),
        id="shared-landline-ambiguous",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("+7 495 999-88-77 доб. 12",)),
        Expected("link", "phone", "ref-office"),
        id="extension-ignored",
    ),
    pytest.param(
        _party(INDIVIDUAL, phones=("+7 999 777-66-55",)),
        Expected("create", "none"),
        id="deleted-individual-not-matched",
    ),
    pytest.param(
        _party(INDIVIDUAL),
        Expected("create", "none"),
        id="individual-without-phone",
    ),
    pytest.param(
        _party(LEGAL, SBER_INN, "773601001", stored_ref=EMPTY_REF),
        Expected("link", "inn_kpp", "ref-sber-hq"),
        id="empty-guid-is-no-stored-ref",
    ),
]


@pytest.mark.parametrize(("party", "expected"), MATCH_CASES)
def test_match_table(party: Party, expected: Expected) -> None:
    """Each Bitrix24 counterparty gets the action, key and reference the rules give."""
    result = match(party, CatalogIndex(CATALOG))

    assert result.action == expected.action
    assert result.by == expected.by
    assert result.ref == expected.ref
    assert result.candidates == list(expected.candidates)


def test_stored_ref_without_catalog() -> None:
    """A stored reference is sent for update even when 1C sent no catalog."""
    result = match(_party(INDIVIDUAL, stored_ref=" ref-known "), None)

    assert result.action == "update"
    assert result.by == "id"
    assert result.ref == "ref-known"
    assert result.warnings == []


@pytest.mark.parametrize(
    "party",
    [
        _party(LEGAL, SBER_INN, "773601001"),
        _party(ENTREPRENEUR, IVANOV_INN),
        _party(INDIVIDUAL, phones=("+7 903 111 22 33",)),
    ],
)
def test_no_catalog_creates(party: Party) -> None:
    """Without a catalog, a counterparty with no stored reference is created."""
    result = match(party, None)

    assert result.action == "create"
    assert result.by == "none"
    assert result.ref == ""
    assert result.candidates == []


def test_stored_ref_to_deleted_entry_warned() -> None:
    """A stored reference to an entry marked deleted is still sent, with a warning."""
    party = _party(LEGAL, DELETED_CO_INN, "502701001", stored_ref="ref-deleted-co")

    result = match(party, CatalogIndex(CATALOG))

    assert result.action == "update"
    assert result.by == "id"
    assert result.ref == "ref-deleted-co"
    assert len(result.warnings) == 1
    assert "ref-deleted-co" in result.warnings[0]
    assert "marked for deletion" in result.warnings[0]


def test_stored_ref_to_live_entry_no_warning() -> None:
    """A stored reference to an entry in use carries no warning."""
    result = match(_party(LEGAL, stored_ref="ref-sber-hq"), CatalogIndex(CATALOG))

    assert result.warnings == []


def test_invalid_inn_warned() -> None:
    """An INN that fails its check is named in a warning saying it was not used."""
    result = match(_party(LEGAL, INVALID_INN, "773601001"), CatalogIndex(CATALOG))

    assert len(result.warnings) == 1
    assert INVALID_INN in result.warnings[0]


def test_toll_free_phone_warned() -> None:
    """A toll-free phone is named in a warning saying it was not used."""
    party = _party(INDIVIDUAL, phones=("8-800-555-35-35",))

    result = match(party, CatalogIndex(CATALOG))

    assert len(result.warnings) == 1
    assert "+78005553535" in result.warnings[0]


def test_index_finds_deleted_by_ref_only() -> None:
    """Entries marked deleted are found by reference and by no other key."""
    index = CatalogIndex(CATALOG)

    entry = index.get("ref-deleted-co")
    assert entry is not None
    assert entry.deletion_mark
    assert index.find_by_inn(DELETED_CO_INN, [LEGAL]) == []
    assert index.find_by_inn_kpp(DELETED_CO_INN, "502701001", [LEGAL]) == []
    assert index.find_by_phone("+79997776655", [INDIVIDUAL]) == []


def test_index_later_entry_replaces_earlier() -> None:
    """Of two entries with one reference, the later one is indexed."""
    old = _entry("ref-x", LEGAL, SBER_INN, "773601001")
    new = _entry("ref-x", LEGAL, GAZPROM_INN, "772801001")

    index = CatalogIndex([old, new])

    assert len(index) == 1
    assert index.find_by_inn(SBER_INN, [LEGAL]) == []
    assert index.find_by_inn(GAZPROM_INN, [LEGAL]) == [new]


def test_index_ignores_toll_free_catalog_phone() -> None:
    """A toll-free number in the catalog is never a key."""
    index = CatalogIndex(
        [CatalogEntry("ref-h", INDIVIDUAL, "Hotline", None, None, ("+78005553535",))]
    )

    assert index.find_by_phone("+78005553535", [INDIVIDUAL]) == []


@pytest.mark.parametrize(
    ("action", "ref", "candidates"),
    [
        ("update", "", []),
        ("link", "", []),
        ("create", "ref-x", []),
        ("review", "", []),
        ("create", "", ["ref-x"]),
        ("link", "ref-x", ["ref-x"]),
    ],
)
def test_match_result_invariants(action: str, ref: str, candidates: list[str]) -> None:
    """A result rejects a reference or candidates that do not fit its action."""
    with pytest.raises(ValueError, match="match result"):
        MatchResult(action, "none", ref, candidates)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("preset", "entity", "kind"),
    [
        ("#CRM_REQUISITE_PRESET_DEF_RU_COMPANY#", "company", LEGAL),
        ("#CRM_REQUISITE_PRESET_DEF_RU_INDIVIDUAL#", "company", ENTREPRENEUR),
        ("#CRM_REQUISITE_PRESET_DEF_RU_PERSON#", "contact", INDIVIDUAL),
        ("#CRM_REQUISITE_PRESET_DEF_RU_INDIVIDUAL#", "contact", ENTREPRENEUR),
        ("#CRM_REQUISITE_PRESET_DEF_RU_COMPANY#", "contact", LEGAL),
    ],
)
def test_kind_from_default_preset(
    preset: str, entity: Entity, kind: CounterpartyKind
) -> None:
    """The three Russian default templates give their kind with no warning."""
    assert kind_from_preset(preset, entity) == (kind, None)


@pytest.mark.parametrize(
    ("preset", "entity", "kind"),
    [
        ("#CRM_REQUISITE_PRESET_DEF_KZ_COMPANY#", "company", LEGAL),
        ("custom_template", "contact", INDIVIDUAL),
        ("", "company", LEGAL),
    ],
)
def test_kind_from_other_preset_warned(
    preset: str, entity: Entity, kind: CounterpartyKind
) -> None:
    """Any other template counts by the entity and adds a warning naming it."""
    result_kind, warning = kind_from_preset(preset, entity)

    assert result_kind is kind
    assert warning is not None
    assert repr(preset) in warning


@pytest.mark.parametrize(
    ("entity", "kind"), [("company", LEGAL), ("contact", INDIVIDUAL)]
)
def test_kind_without_requisite(entity: Entity, kind: CounterpartyKind) -> None:
    """An item with no requisite counts by the entity without a warning."""
    assert kind_from_preset(None, entity) == (kind, None)


def test_kind_unknown_entity_rejected() -> None:
    """An entity other than company or contact is a programming error."""
    with pytest.raises(ValueError, match="deal"):
        kind_from_preset(None, "deal")  # type: ignore[arg-type]
