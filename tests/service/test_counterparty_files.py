"""The counterparty loop through files: export, 1C receipt and catalog in the inbox."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from exchange import jsonio
from exchange.config.settings import Settings
from exchange.counterparties.store import CounterpartyStore
from exchange.emulator import Emulator
from exchange.resources import demo_seed
from exchange.service.run_once import run_once
from exchange.service.runtime import Runtime
from tests.counterparties.conftest import result
from tests.orders.conftest import make_settings

FLAG = "UF_CRM_1700000010"
REF = "UF_CRM_1700000020"
REF_NORTH = "6f1c2f0e-58a4-4c39-9a43-2b1f3c1d9a01"
# The 1C catalog entry of the company Северный ветер.
NORTH = {
    "ref": REF_NORTH,
    "kind": "legal_entity",
    "name": "Северный ветер",
    "inn": "7707083893",
    "kpp": "773601001",
}


@pytest.fixture
def portal(emulator_factory: Any) -> Emulator:
    """The demo portal: deals 201 and 202 flagged, with companies 1 and 2."""
    emulator: Emulator = emulator_factory(seed=demo_seed(), burst=10_000)
    return emulator


def settings_for(tmp_path: Path, emulator: Emulator) -> Settings:
    return make_settings(
        tmp_path,
        emulator.webhook_url,
        counterparties={"trigger_field": FLAG, "ref_field": REF},
    )


def envelope(kind: str, number: int) -> dict[str, Any]:
    return {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": kind,
        "package_id": str(uuid.uuid4()),
        "sender": "TMS",
        "number": number,
        "created_at": "2026-12-04T10:00:00",
    }


def drop(inbox: Path, name: str, document: dict[str, Any]) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(jsonio.dumps(document))


def run(settings: Settings) -> Any:
    with Runtime(settings) as runtime:
        return run_once(runtime, wait=False)


def test_receipt_file_closes_the_loop(tmp_path: Path, portal: Emulator) -> None:
    """Flag, export, then a 1C receipt file: reference written, flag cleared."""
    settings = settings_for(tmp_path, portal)
    first = run(settings)
    assert first.exit_code == 0
    assert first.exported is not None
    package = jsonio.loads((settings.paths.outbox / first.exported).read_bytes())
    assert package["kind"] == "counterparties"
    assert package["count"] == len(package["counterparties"])
    by_company = {
        r["b24_id"]: r
        for r in package["counterparties"]
        if r["b24_entity"] == "company"
    }
    assert set(by_company) == {1, 2}
    assert by_company[1]["deal_ids"] == [201]

    receipt = receipt_for(
        package["package_id"],
        7,
        [
            result("company", 1, "created", REF_NORTH),
            result("company", 2, "error", None, "ИНН не прошел проверку в 1С"),
        ],
    )
    drop(settings.paths.inbox, "counterparties_receipt_TMS_7.json", receipt)
    second = run(settings)

    assert [f.outcome for f in second.files] == ["applied"]
    assert portal.portal.companies[1][REF] == REF_NORTH
    assert portal.portal.deals[201][FLAG] == "0"
    assert portal.portal.deals[202][FLAG] == "1"
    assert not list(settings.paths.inbox.glob("*.json"))
    archived = list(settings.paths.archive.glob("*/*/*/counterparties_receipt_TMS_7.*"))
    assert len(archived) == 1


def test_receipt_for_unknown_package_rejected(tmp_path: Path, portal: Emulator) -> None:
    """A receipt naming a package the service never wrote gets a rejection."""
    settings = settings_for(tmp_path, portal)
    unknown = str(uuid.uuid4())
    receipt = receipt_for(unknown, 3, [])
    drop(settings.paths.inbox, "counterparties_receipt_TMS_3.json", receipt)
    report = run(settings)

    assert report.exit_code == 1
    assert [f.outcome for f in report.files] == ["rejected"]
    rejection = jsonio.loads(
        (settings.paths.outbox / report.files[0].reply).read_bytes()
    )
    assert rejection["kind"] == "rejection"
    assert rejection["in_reply_to"] == receipt["package_id"]
    assert rejection["errors"][0]["path"] == "/in_reply_to"
    # As JSON text, as every rejection gives a value.
    assert rejection["errors"][0]["value"] == f'"{unknown}"'
    rejected = list(settings.paths.errors.glob("*/*/*/counterparties_receipt_TMS_3.*"))
    assert len(rejected) == 2  # the file and its rejection beside it


def test_catalog_file_links_by_inn(tmp_path: Path, portal: Emulator) -> None:
    """A catalog in the inbox is applied before the export, which then links by it."""
    settings = settings_for(tmp_path, portal)
    first = run(settings)
    assert first.exported is not None
    exported = jsonio.loads((settings.paths.outbox / first.exported).read_bytes())
    record = next(r for r in exported["counterparties"] if r["b24_id"] == 1)
    assert record["action"] == "create"

    catalog = envelope("counterparty_catalog", 5) | {
        "complete": True,
        "counterparties": [NORTH],
    }
    drop(settings.paths.inbox, "counterparty_catalog_TMS_5.json", catalog)
    portal.portal.update_company(1, TITLE='ООО "Северный ветер" (изм.)')
    second = run(settings)

    assert [f.outcome for f in second.files] == ["applied"]
    assert second.exported is not None
    again = jsonio.loads((settings.paths.outbox / second.exported).read_bytes())
    linked = next(r for r in again["counterparties"] if r["b24_id"] == 1)
    assert linked["ref"] == REF_NORTH
    assert linked["match"] == {"by": "inn_kpp", "candidates": []}
    assert linked["action"] == "link"


def test_catalog_journal_entry_finds_by_inn(tmp_path: Path, portal: Emulator) -> None:
    """An applied catalog's journal entry is found by each INN it carries."""
    settings = settings_for(tmp_path, portal)
    catalog = envelope("counterparty_catalog", 5) | {
        "complete": True,
        "counterparties": [NORTH],
    }
    drop(settings.paths.inbox, "counterparty_catalog_TMS_5.json", catalog)
    run(settings)

    with Runtime(settings) as runtime:
        found = runtime.journal.find("inn", "7707 083 893")

    names = [entry.file_name for entry in found]
    assert "counterparty_catalog_TMS_5.json" in names


def read_rejection(settings: Settings, report: Any) -> dict[str, Any]:
    """Return the rejection that the run's only file got."""
    assert [f.outcome for f in report.files] == ["rejected"]
    document: dict[str, Any] = jsonio.loads(
        (settings.paths.outbox / report.files[0].reply).read_bytes()
    )
    assert document["kind"] == "rejection"
    return document


def test_receipt_with_item_twice_rejected(
    tmp_path: Path, portal: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A receipt naming one company twice is rejected, and none of it applies."""
    settings = settings_for(tmp_path, portal)
    exported = run(settings).exported
    package = jsonio.loads((settings.paths.outbox / exported).read_bytes())
    receipt = receipt_for(
        package["package_id"],
        7,
        [
            result("company", 1, "created", REF_NORTH),
            result("company", 2, "created", str(uuid.uuid4())),
            result("company", 1, "error", None, "Контрагент заблокирован"),
        ],
    )
    drop(settings.paths.inbox, "counterparties_receipt_TMS_7.json", receipt)

    report = run(settings)

    rejection = read_rejection(settings, report)
    assert report.exit_code == 1
    assert [(e["path"], e["value"]) for e in rejection["errors"]] == [
        ("/results/0/b24_id", "1"),
        ("/results/2/b24_id", "1"),
    ]
    message = rejection["errors"][0]["message"]
    assert "company 1" in message
    assert "/results/0, /results/2" in message
    assert "keep only the row" in message
    assert portal.portal.companies[1].get(REF) in (None, "")
    assert portal.portal.companies[2].get(REF) in (None, "")
    assert portal.portal.deals[201][FLAG] == "1"
    assert portal.portal.deals[202][FLAG] == "1"
    assert "could not load" not in caplog.text


def test_catalog_with_ref_twice_rejected(tmp_path: Path, portal: Emulator) -> None:
    """A catalog listing one Ссылка twice is rejected, and nothing of it is stored."""
    settings = settings_for(tmp_path, portal)
    catalog = envelope("counterparty_catalog", 5) | {
        "complete": True,
        "counterparties": [
            NORTH,
            {
                "ref": REF_NORTH.upper(),
                "kind": "ФизЛицо",
                "name": "Северный ветер",
                "inn": None,
                "kpp": None,
            },
        ],
    }
    drop(settings.paths.inbox, "counterparty_catalog_TMS_5.json", catalog)

    report = run(settings)

    rejection = read_rejection(settings, report)
    assert report.exit_code == 1
    assert [(e["path"], e["value"]) for e in rejection["errors"]] == [
        ("/counterparties/0/ref", f'"{REF_NORTH}"'),
        ("/counterparties/1/ref", f'"{REF_NORTH.upper()}"'),
    ]
    message = rejection["errors"][1]["message"]
    assert "appears 2 times" in message
    assert "/counterparties/0 (legal_entity), /counterparties/1 (individual)" in message
    assert "one record per Ссылка" in message
    with Runtime(settings) as runtime:
        assert not CounterpartyStore(runtime.conn).catalog_received()


def test_receipt_for_item_not_exported_rejected(
    tmp_path: Path, portal: Emulator
) -> None:
    """A receipt row for an item the package did not contain rejects the receipt."""
    settings = settings_for(tmp_path, portal)
    exported = run(settings).exported
    package = jsonio.loads((settings.paths.outbox / exported).read_bytes())
    receipt = receipt_for(
        package["package_id"],
        7,
        [
            result("company", 1, "created", REF_NORTH),
            result("company", 999, "created", str(uuid.uuid4())),
        ],
    )
    drop(settings.paths.inbox, "counterparties_receipt_TMS_7.json", receipt)

    report = run(settings)

    rejection = read_rejection(settings, report)
    assert report.exit_code == 1
    assert [(e["path"], e["value"]) for e in rejection["errors"]] == [
        ("/results/1/b24_id", "999"),
    ]
    message = rejection["errors"][0]["message"]
    assert "company 999" in message
    assert exported in message
    assert "remove this row" in message
    assert portal.portal.companies[1].get(REF) in (None, "")
    assert portal.portal.deals[201][FLAG] == "1"


def company_receipt(
    in_reply_to: str, number: int, status: str, ref: str
) -> dict[str, Any]:
    """Build a receipt file with one result, for company 1."""
    return receipt_for(in_reply_to, number, [result("company", 1, status, ref)])


def receipt_for(
    in_reply_to: str, number: int, results: list[dict[str, Any]]
) -> dict[str, Any]:
    """Build a receipt file, number ``number``, answering package ``in_reply_to``."""
    return envelope("counterparties_receipt", number) | {
        "in_reply_to": in_reply_to,
        "results": results,
    }


def test_package_answered_twice(tmp_path: Path, portal: Emulator) -> None:
    """An error may be followed by a success; a success may only be repeated."""
    settings = settings_for(tmp_path, portal)
    exported = run(settings).exported
    package_id = jsonio.loads((settings.paths.outbox / exported).read_bytes())[
        "package_id"
    ]
    failed = company_receipt(package_id, 6, "error", "")
    drop(settings.paths.inbox, "counterparties_receipt_TMS_6.json", failed)
    assert [f.outcome for f in run(settings).files] == ["applied"]
    first = company_receipt(package_id, 7, "matched", REF_NORTH)
    drop(settings.paths.inbox, "counterparties_receipt_TMS_7.json", first)
    assert [f.outcome for f in run(settings).files] == ["applied"]
    assert portal.portal.companies[1][REF] == REF_NORTH

    drop(settings.paths.inbox, "counterparties_receipt_TMS_7.json", first)
    again = run(settings)
    other_ref = str(uuid.uuid4())
    second = company_receipt(package_id, 8, "updated", other_ref)
    drop(settings.paths.inbox, "counterparties_receipt_TMS_8.json", second)
    changed = run(settings)

    assert [f.outcome for f in again.files] == ["duplicate"]
    rejection = read_rejection(settings, changed)
    assert [(e["path"], e["value"]) for e in rejection["errors"]] == [
        ("/results/0/ref", f'"{other_ref}"'),
    ]
    message = rejection["errors"][0]["message"]
    assert f"already reported as matched with reference {REF_NORTH}" in message
    assert first["package_id"] in message
    assert "repeat that result or leave the row out" in message
    assert portal.portal.companies[1][REF] == REF_NORTH
