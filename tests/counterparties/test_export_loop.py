"""The whole loop over real HTTP: flag, export, 1C receipt, reference and flag."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange.contract.enums import PackageKind
from exchange.contract.load import validate_outgoing
from exchange.counterparties import (
    UnknownPackage,
    apply_receipt,
    export_counterparties,
    status_lines,
)
from exchange.counterparties.store import CounterpartyStore
from tests.counterparties.conftest import (
    BAD_INN,
    BRANCH,
    BRANCH_KPP,
    ENTREPRENEUR,
    FLAG,
    HEAD_OFFICE,
    INVALID_INN,
    IP_INN,
    IP_OGRNIP,
    ORG_INN,
    ORG_KPP,
    ORG_OGRN,
    ORPHAN_DEAL,
    PERSON,
    REF,
    UNKNOWN_TEMPLATE,
    Setup,
    read_package,
    receipt,
    records_by_item,
    result,
)

FLAGGED_DEALS = (215, 216, 217, 219, 218, 220, 221, ORPHAN_DEAL)
HEAD_REF = "330417ee-a23f-11f0-a214-0050569f2c41"
PERSON_REF = "5e3e5780-97d6-11f0-a348-0050569f2c41"
EMPTY_MATCH = {"by": "none", "candidates": []}


def _flag_all(setup: Setup) -> None:
    for deal_id in FLAGGED_DEALS:
        setup.flag(deal_id)


def _export(setup: Setup, **options: object) -> object:
    with setup.runtime() as runtime:
        return export_counterparties(runtime, **options)  # type: ignore[arg-type]


def test_export_writes_contract_records(setup: Setup) -> None:
    """Flagged deals become one valid package with the records the contract defines."""
    _flag_all(setup)

    outcome = _export(setup)

    files = setup.outbox_files()
    assert [path.name for path in files] == ["counterparties_B24_1.json"]
    document = read_package(files[0])
    assert validate_outgoing(PackageKind.COUNTERPARTIES, document) == []
    assert document["count"] == 6
    records = records_by_item(document)
    assert sorted(records) == [
        ("company", HEAD_OFFICE),
        ("company", BRANCH),
        ("company", ENTREPRENEUR),
        ("company", UNKNOWN_TEMPLATE),
        ("company", INVALID_INN),
        ("contact", PERSON),
    ]
    assert outcome.records == 6  # type: ignore[attr-defined]

    head = records[("company", HEAD_OFFICE)]
    assert head == {
        "b24_entity": "company",
        "b24_id": HEAD_OFFICE,
        "kind": "legal_entity",
        "ref": "",
        "action": "create",
        "match": EMPTY_MATCH,
        "name": "Транзит-Логистик",
        "full_name": "Общество с ограниченной ответственностью «Транзит-Логистик»",
        "last_name": "",
        "first_name": "",
        "middle_name": "",
        "inn": ORG_INN,
        "kpp": ORG_KPP,
        "ogrn": ORG_OGRN,
        "phones": ["+74955005550"],
        "emails": ["office@tranzit-logistik.example"],
        "addresses": [
            {
                "type": "legal",
                "postal_code": "125167",
                "country": "Россия",
                "province": "",
                "region": "",
                "city": "Москва",
                "address_1": "ул. Складочная, д. 1, стр. 4",
                "address_2": "офис 12",
                "text": "125167, Россия, Москва, ул. Складочная, д. 1, стр. 4, офис 12",
            },
            {
                "type": "actual",
                "postal_code": "125167",
                "country": "Россия",
                "province": "",
                "region": "",
                "city": "Москва",
                "address_1": "ул. Береговая, д. 8",
                "address_2": "",
                "text": "125167, Россия, Москва, ул. Береговая, д. 8",
            },
        ],
        "bank_accounts": [
            {
                "bik": "044525225",
                "account": "40702810938000012345",
                "correspondent_account": "30101810400000000225",
                "bank_name": "ПАО Сбербанк",
            }
        ],
        "deal": {
            "id": 215,
            "title": "Перевозка Москва — Казань",
            "stage_id": "C1:UC_CONTRACT",
        },
        "deal_ids": [215],
        "warnings": [
            (
                "company has 2 requisites; only requisite 1, the first active one "
                "by sort order, was exported (left out: 6 (inactive))"
            )
        ],
    }


def test_export_entrepreneur_person_and_problems(setup: Setup) -> None:
    """Entrepreneur, phones, unknown template and invalid INN follow the rules."""
    _flag_all(setup)

    _export(setup)

    records = records_by_item(read_package(setup.outbox_files()[0]))
    entrepreneur = records[("company", ENTREPRENEUR)]
    assert entrepreneur["kind"] == "entrepreneur"
    assert entrepreneur["inn"] == IP_INN
    assert entrepreneur["kpp"] == ""
    assert entrepreneur["ogrn"] == IP_OGRNIP
    assert entrepreneur["last_name"] == "Кузнецов"
    assert entrepreneur["first_name"] == "Андрей"
    assert entrepreneur["middle_name"] == "Викторович"
    assert entrepreneur["full_name"] == (
        "Индивидуальный предприниматель Кузнецов Андрей Викторович"
    )
    assert entrepreneur["deal_ids"] == [217, 219]
    assert entrepreneur["deal"]["id"] == 219
    assert entrepreneur["warnings"] == []

    person = records[("contact", PERSON)]
    assert person["kind"] == "individual"
    assert person["name"] == "Петров Сергей Иванович"
    assert person["full_name"] == "Петров Сергей Иванович"
    assert person["phones"] == ["+79123456789", "+79123456789;ext=123"]
    assert person["emails"] == ["s.petrov@mail.example"]
    assert person["deal"]["id"] == 220

    foreign = records[("company", UNKNOWN_TEMPLATE)]
    assert foreign["kind"] == "legal_entity"
    assert len(foreign["warnings"]) == 2
    assert "CUSTOM_FOREIGN" in foreign["warnings"][0]
    assert "the company has no INN" in foreign["warnings"][1]

    typo = records[("company", INVALID_INN)]
    assert typo["inn"] == BAD_INN
    assert typo["action"] == "create"
    assert typo["warnings"] == [f"INN {BAD_INN} fails its check digit"]

    branch = records[("company", BRANCH)]
    assert branch["kpp"] == BRANCH_KPP
    assert branch["full_name"] == "Филиал «Южный» ООО «Транзит-Логистик»"


def test_deal_without_counterparty_keeps_flag(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """A flagged deal with neither company nor contact is logged and keeps its flag."""
    _flag_all(setup)

    _export(setup)

    document = read_package(setup.outbox_files()[0])
    deal_ids = [i for record in document["counterparties"] for i in record["deal_ids"]]
    assert ORPHAN_DEAL not in deal_ids
    assert 223 not in deal_ids
    assert setup.emulator.portal.deals[ORPHAN_DEAL][FLAG] == "1"
    assert f"deal {ORPHAN_DEAL} is flagged" in caplog.text


def test_receipt_writes_reference_and_clears_flag(setup: Setup) -> None:
    """A success stores the reference and clears the flag; an error keeps it."""
    _flag_all(setup)
    _export(setup)
    package_id = read_package(setup.outbox_files()[0])["package_id"]
    package = receipt(
        package_id,
        [
            result("company", HEAD_OFFICE, "matched", HEAD_REF),
            result("contact", PERSON, "created", PERSON_REF),
            result("company", ENTREPRENEUR, "error", None, "ИНН уже занят"),
        ],
    )

    with setup.runtime() as runtime:
        counts = apply_receipt(runtime, package)
        registry = CounterpartyStore(runtime.conn).registry_refs()
        lines = status_lines(runtime)

    portal = setup.emulator.portal
    assert counts == {"created": 1, "updated": 0, "matched": 1, "error": 1}
    assert portal.companies[HEAD_OFFICE][REF] == HEAD_REF
    assert portal.contacts[PERSON][REF] == PERSON_REF
    assert portal.deals[215][FLAG] == "0"
    assert portal.deals[220][FLAG] == "0"
    assert portal.deals[217][FLAG] == "1"
    assert portal.deals[219][FLAG] == "1"
    assert portal.companies[ENTREPRENEUR][REF] in (None, "")
    assert registry == {
        ("company", HEAD_OFFICE): HEAD_REF,
        ("contact", PERSON): PERSON_REF,
    }
    text = "\n".join(lines)
    assert "counterparties that 1C could not load: 1" in text
    assert "ИНН уже занят" in text
    assert "counterparties awaiting a receipt from 1C: 3" in text


def test_same_receipt_twice_changes_nothing(setup: Setup) -> None:
    """Applying one receipt again sends no request and keeps every value."""
    _flag_all(setup)
    _export(setup)
    package_id = read_package(setup.outbox_files()[0])["package_id"]
    package = receipt(package_id, [result("company", HEAD_OFFICE, "matched", HEAD_REF)])
    with setup.runtime() as runtime:
        apply_receipt(runtime, package)
    modified = setup.emulator.portal.companies[HEAD_OFFICE]["DATE_MODIFY"]
    setup.clock.advance(minutes=5)
    requests_before = setup.emulator.stats.requests

    with setup.runtime() as runtime:
        counts = apply_receipt(runtime, package)

    assert counts["matched"] == 1
    assert setup.emulator.stats.requests == requests_before
    assert setup.emulator.portal.companies[HEAD_OFFICE]["DATE_MODIFY"] == modified


def test_second_export_without_changes_writes_nothing(setup: Setup) -> None:
    """A run that finds only exported, unchanged items writes no package."""
    _flag_all(setup)
    _export(setup)
    setup.clock.advance(minutes=10)

    outcome = _export(setup, now=setup.clock.now)

    assert outcome.package_name is None  # type: ignore[attr-defined]
    assert len(setup.outbox_files()) == 1


def test_company_change_after_export_exports_again(setup: Setup) -> None:
    """A company modified after its export goes out again, alone."""
    _flag_all(setup)
    _export(setup)
    setup.clock.advance(minutes=10)
    assert setup.emulator.portal.update_company(BRANCH, TITLE="Южный филиал")

    outcome = _export(setup, now=setup.clock.now)

    assert outcome.package_name == "counterparties_B24_2.json"  # type: ignore[attr-defined]
    records = records_by_item(read_package(setup.outbox_files()[1]))
    assert list(records) == [("company", BRANCH)]
    assert records[("company", BRANCH)]["name"] == "Южный филиал"


def test_requisite_or_deal_change_exports_again(setup: Setup) -> None:
    """A changed requisite or a changed flagged deal counts as a modification."""
    _flag_all(setup)
    _export(setup)
    setup.clock.advance(minutes=10)
    assert setup.emulator.portal.update_requisite(3, RQ_OGRNIP=IP_OGRNIP)
    assert setup.emulator.portal.update_deal(220, TITLE="Переезд, уточнено")

    _export(setup, now=setup.clock.now)

    records = records_by_item(read_package(setup.outbox_files()[1]))
    assert sorted(records) == [("company", ENTREPRENEUR), ("contact", PERSON)]


def test_no_receipt_within_resend_time_exports_again(setup: Setup) -> None:
    """Items without a receipt after resend_after_hours go out again."""
    _flag_all(setup)
    _export(setup, now=setup.clock.now)

    early = _export(setup, now=setup.clock.now + timedelta(hours=23, minutes=59))
    late = _export(setup, now=setup.clock.now + timedelta(hours=24))

    assert early.package_name is None  # type: ignore[attr-defined]
    assert late.records == 6  # type: ignore[attr-defined]


def test_error_receipt_waits_for_change(setup: Setup) -> None:
    """After an error receipt the item is sent again only once it changes."""
    _flag_all(setup)
    _export(setup, now=setup.clock.now)
    package_id = read_package(setup.outbox_files()[0])["package_id"]
    everything_else = [
        result(entity, b24_id, "matched", f"00000000-0000-4000-8000-{b24_id:012d}")
        for entity, b24_id in [
            ("company", HEAD_OFFICE),
            ("company", BRANCH),
            ("company", UNKNOWN_TEMPLATE),
            ("company", INVALID_INN),
            ("contact", PERSON),
        ]
    ]
    failure = result("company", ENTREPRENEUR, "error", None, "Не заполнен ИНН")
    with setup.runtime() as runtime:
        apply_receipt(runtime, receipt(package_id, [*everything_else, failure]))

    unchanged = _export(setup, now=setup.clock.now + timedelta(hours=48))
    setup.clock.advance(minutes=1)
    setup.emulator.portal.update_company(ENTREPRENEUR, TITLE="ИП Кузнецов А. В.")
    changed = _export(setup, now=setup.clock.now)

    assert unchanged.package_name is None  # type: ignore[attr-defined]
    assert changed.records == 1  # type: ignore[attr-defined]
    records = records_by_item(read_package(setup.outbox_files()[1]))
    assert list(records) == [("company", ENTREPRENEUR)]


def test_registry_reference_is_sent_as_update(setup: Setup) -> None:
    """An item flagged again after its receipt is sent with the stored reference."""
    _flag_all(setup)
    _export(setup)
    package_id = read_package(setup.outbox_files()[0])["package_id"]
    with setup.runtime() as runtime:
        apply_receipt(
            runtime,
            receipt(package_id, [result("contact", PERSON, "created", PERSON_REF)]),
        )
    # The reference field is emptied by hand, so only the registry has it.
    setup.emulator.portal.update_contact(PERSON, **{REF: ""})
    setup.flag(220)

    _export(setup, only={("deal", 220)})

    record = records_by_item(read_package(setup.outbox_files()[1]))[("contact", PERSON)]
    assert record["ref"] == PERSON_REF
    assert record["action"] == "update"
    assert record["match"] == {"by": "id", "candidates": []}


def test_superseded_receipt_is_applied(setup: Setup) -> None:
    """A receipt for a superseded package still writes the reference."""
    _flag_all(setup)
    _export(setup)
    first_id = read_package(setup.outbox_files()[0])["package_id"]
    setup.clock.advance(minutes=10)
    setup.emulator.portal.update_company(HEAD_OFFICE, TITLE="Транзит-Логистик ООО")
    _export(setup, now=setup.clock.now)

    with setup.runtime() as runtime:
        apply_receipt(
            runtime,
            receipt(first_id, [result("company", HEAD_OFFICE, "updated", HEAD_REF)]),
        )
        lines = status_lines(runtime)

    assert setup.emulator.portal.companies[HEAD_OFFICE][REF] == HEAD_REF
    assert setup.emulator.portal.deals[215][FLAG] == "0"
    assert any("counterparties_B24_2.json" in line for line in lines)


def test_receipt_for_unknown_package_raises(setup: Setup) -> None:
    """A receipt for a package the service never wrote raises UnknownPackage."""
    package = receipt(
        "6b1f0c52-6c4a-4d7e-9c1a-2f8e0d4b7a11",
        [result("company", HEAD_OFFICE, "matched", HEAD_REF)],
    )

    with setup.runtime() as runtime, pytest.raises(UnknownPackage) as caught:
        apply_receipt(runtime, package)

    assert "6b1f0c52-6c4a-4d7e-9c1a-2f8e0d4b7a11" in str(caught.value)
    assert setup.emulator.portal.companies[HEAD_OFFICE][REF] in (None, "")


def test_export_record_fails_with_its_package(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while recording an export leaves no package and no export."""
    _flag_all(setup)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(CounterpartyStore, "record_export", broken)
        with pytest.raises(OSError, match="disk full"):
            _export(setup)

    assert setup.outbox_files() == []
    outcome = _export(setup)
    assert [path.name for path in setup.outbox_files()] == ["counterparties_B24_1.json"]
    assert outcome.records == 6  # type: ignore[attr-defined]
    assert _export(setup).package_name is None  # type: ignore[attr-defined]


def test_later_package_relinks_with_warning(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """A later package's receipt replaces the stored reference with a warning."""
    new_ref = "7a0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d"
    _flag_all(setup)
    _export(setup)
    first_id = read_package(setup.outbox_files()[0])["package_id"]
    with setup.runtime() as runtime:
        apply_receipt(
            runtime,
            receipt(first_id, [result("company", HEAD_OFFICE, "matched", HEAD_REF)]),
        )
    setup.flag(215)
    _export(setup, only={("deal", 215)})
    second = read_package(setup.outbox_files()[1])
    assert records_by_item(second)[("company", HEAD_OFFICE)]["ref"] == HEAD_REF
    relink = receipt(
        second["package_id"],
        [result("company", HEAD_OFFICE, "updated", new_ref)],
        number=11,
    )

    with setup.runtime() as runtime:
        apply_receipt(runtime, relink)
        registry = CounterpartyStore(runtime.conn).registry_refs()

    assert setup.emulator.portal.companies[HEAD_OFFICE][REF] == new_ref
    assert registry[("company", HEAD_OFFICE)] == new_ref
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    relinked = [text for text in warnings if "replacing" in text]
    assert len(relinked) == 1
    assert f"company {HEAD_OFFICE} to 1C counterparty {new_ref}" in relinked[0]
    assert f"replacing {HEAD_REF}" in relinked[0]
    assert relink.package_id in relinked[0]


def test_company_without_requisites_warns(setup: Setup) -> None:
    """A legal entity without any requisite is created with a warning about its INN."""
    portal = setup.emulator.portal
    bare = portal.add_company(TITLE="Без реквизитов")
    deal = portal.add_deal(TITLE="Перевозка без ИНН", COMPANY_ID=bare)
    setup.flag(deal)

    _export(setup)

    record = records_by_item(read_package(setup.outbox_files()[0]))[("company", bare)]
    assert record["kind"] == "legal_entity"
    assert record["inn"] == ""
    assert (record["action"], record["match"]["by"]) == ("create", "none")
    expected = (
        "the company has no INN, so 1C cannot match it to an existing counterparty "
        "and may create a duplicate; add the INN to its requisite in Bitrix24"
    )
    assert record["warnings"] == [expected]


def test_bad_ref_warning_quotes_original(setup: Setup) -> None:
    """A text in the reference field is quoted as Bitrix24 has it, case kept."""
    setup.emulator.portal.update_company(HEAD_OFFICE, **{REF: " см. карточку 1С "})
    setup.flag(215)

    _export(setup)

    record = records_by_item(read_package(setup.outbox_files()[0]))[
        ("company", HEAD_OFFICE)
    ]
    assert record["action"] == "create"
    about_ref = [text for text in record["warnings"] if REF in text]
    assert len(about_ref) == 1
    assert "'см. карточку 1С'" in about_ref[0]
    assert "not a 1C reference" in about_ref[0]
