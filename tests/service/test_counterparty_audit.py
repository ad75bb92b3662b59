"""``exchange audit find`` and ``show`` on the counterparty loop, run through files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from exchange import jsonio
from exchange.config.settings import Settings
from exchange.emulator import Emulator
from exchange.resources import demo_seed
from tests.archive.conftest import Roots
from tests.archive.test_audit_cmd import audit
from tests.counterparties.conftest import result
from tests.service.test_counterparty_files import (
    FLAG,
    REF_NORTH,
    drop,
    envelope,
    run,
    settings_for,
)

REF_PERSON = "5e3e5780-97d6-11f0-a348-0050569f2c41"
REF_CANDIDATES = (
    "0d1f4e3c-1111-4c39-9a43-2b1f3c1d9a02",
    "0d1f4e3c-2222-4c39-9a43-2b1f3c1d9a03",
)
PERSON = 1  # contact Мария Иванова: an individual without INN


@pytest.fixture
def portal(emulator_factory: Any) -> Emulator:
    """The demo portal: deals 201 and 202 flagged, with companies 1 and 2."""
    emulator: Emulator = emulator_factory(seed=demo_seed(), burst=10_000)
    return emulator


@dataclass
class Loop:
    """The counterparty loop after the export, 1C's receipt and its catalog."""

    settings: Settings
    portal: Emulator
    person_deal: int
    package: dict[str, Any]
    """The exported counterparties package, as written to the outbox."""


@pytest.fixture
def loop(tmp_path: Path, portal: Emulator) -> Loop:
    """Export, then 1C's receipt, then its catalog, each processed by a real run."""
    person_deal = portal.portal.add_deal(
        TITLE="Договор: Иванова М. С.",
        CATEGORY_ID=1,
        STAGE_ID="C1:WON",
        CONTACT_ID=PERSON,
        **{FLAG: "1"},
    )
    settings = settings_for(tmp_path, portal)
    exported = run(settings).exported
    assert exported is not None
    package = jsonio.loads((settings.paths.outbox / exported).read_bytes())

    receipt = envelope("counterparties_receipt", 7) | {
        "in_reply_to": package["package_id"],
        "results": [
            result("company", 1, "created", REF_NORTH),
            result("company", 2, "error", None, "ИНН не прошел проверку в 1С"),
            result("contact", PERSON, "created", REF_PERSON),
        ],
    }
    drop(settings.paths.inbox, "counterparties_receipt_TMS_7.json", receipt)
    assert [f.outcome for f in run(settings).files] == ["applied"]

    catalog = envelope("counterparty_catalog", 8) | {
        "counterparties": [
            {
                "ref": REF_PERSON.upper(),
                "kind": "individual",
                "name": "Иванова Мария Сергеевна",
                "inn": None,
                "kpp": None,
            }
        ],
    }
    drop(settings.paths.inbox, "counterparty_catalog_TMS_8.json", catalog)
    assert [f.outcome for f in run(settings).files] == ["applied"]
    return Loop(settings, portal, person_deal, package)


def _roots(settings: Settings) -> Roots:
    paths = settings.paths
    return Roots(state=paths.state, archive=paths.archive, errors=paths.errors)


def _found(settings: Settings, *args: str) -> list[dict[str, Any]]:
    result = audit(_roots(settings), "find", "--json", *args)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = jsonio.loads(result.stdout)
    return rows


def _files_and_statuses(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {
        row["file_name"]: [
            f"{r['b24_entity']} {r['b24_id']} {r.get('status') or r.get('action')}"
            for r in row["matched_results"]
        ]
        for row in rows
    }


def test_find_deal_in_export(loop: Loop) -> None:
    """--deal finds the counterparties package that names the flagged deal."""
    settings = loop.settings
    person_deal = loop.person_deal

    by_person = _files_and_statuses(_found(settings, "--deal", str(person_deal)))
    by_company = _files_and_statuses(_found(settings, "--deal", "201"))

    assert by_person == {"counterparties_B24_1.json": [f"contact {PERSON} create"]}
    assert by_company == {"counterparties_B24_1.json": ["company 1 create"]}


def test_find_deal_table_names_item(loop: Loop) -> None:
    """The table shows each status after the Bitrix24 item it belongs to."""
    result = audit(_roots(loop.settings), "find", "--deal", "201")

    assert result.exit_code == 0, result.output
    lines = [
        line for line in result.stdout.splitlines() if "counterparties_B24" in line
    ]
    assert len(lines) == 1
    assert lines[0].rstrip().endswith("company 1 create")


def test_find_ref_of_person_without_inn(loop: Loop) -> None:
    """--ref finds 1C's receipt and catalog that carry a counterparty's reference."""
    rows = _found(loop.settings, "--ref", REF_PERSON.upper())

    assert _files_and_statuses(rows) == {
        "counterparties_receipt_TMS_7.json": [f"contact {PERSON} created"],
        "counterparty_catalog_TMS_8.json": [],
    }


def test_find_ref_in_later_export(loop: Loop) -> None:
    """--ref finds an export whose record carries the reference 1C gave."""
    settings = loop.settings
    loop.portal.portal.update_deal(loop.person_deal, **{FLAG: "1"})
    loop.portal.portal.update_contact(PERSON, NAME="Мария (изм.)")
    exported = run(settings).exported
    assert exported is not None

    rows = _found(settings, "--ref", REF_PERSON)

    statuses = _files_and_statuses(rows)
    assert statuses[exported] == [f"contact {PERSON} update"]


def test_find_ref_of_match_candidate(tmp_path: Path, portal: Emulator) -> None:
    """--ref finds an export that lists the reference as a match candidate."""
    settings = settings_for(tmp_path, portal)
    twins = [
        {
            "ref": ref,
            "kind": "legal_entity",
            "name": "Северный ветер",
            "inn": "7707083893",
            "kpp": "773601001",
        }
        for ref in REF_CANDIDATES
    ]
    catalog = envelope("counterparty_catalog", 5) | {"counterparties": twins}
    drop(settings.paths.inbox, "counterparty_catalog_TMS_5.json", catalog)
    exported = run(settings).exported
    assert exported is not None

    rows = _found(settings, "--ref", REF_CANDIDATES[1])

    assert _files_and_statuses(rows) == {
        "counterparty_catalog_TMS_5.json": [],
        exported: ["company 1 review"],
    }


def test_find_company_and_contact(loop: Loop) -> None:
    """--company and --contact find the export and 1C's receipt for the item."""
    settings = loop.settings

    by_contact = _files_and_statuses(_found(settings, "--contact", str(PERSON)))
    by_company = _files_and_statuses(_found(settings, "--company", "2"))

    assert by_contact == {
        "counterparties_B24_1.json": [f"contact {PERSON} create"],
        "counterparties_receipt_TMS_7.json": [f"contact {PERSON} created"],
    }
    assert by_company == {
        "counterparties_B24_1.json": ["company 2 create"],
        "counterparties_receipt_TMS_7.json": ["company 2 error"],
    }


def test_find_export_package_id(loop: Loop) -> None:
    """--package-id of an export also finds 1C's receipt that replies to it."""
    rows = _found(loop.settings, "--package-id", loop.package["package_id"])

    assert [row["file_name"] for row in rows] == [
        "counterparties_B24_1.json",
        "counterparties_receipt_TMS_7.json",
    ]


def test_show_receipt_lists_refs(loop: Loop) -> None:
    """show of 1C's receipt lists which reference went to which item."""
    roots = _roots(loop.settings)

    as_json = audit(roots, "show", "--json", "counterparties_receipt_TMS_7.json")
    table = audit(roots, "show", "counterparties_receipt_TMS_7.json")

    assert as_json.exit_code == 0, as_json.output
    (entry,) = jsonio.loads(as_json.stdout)
    refs = {(row["b24_entity"], row["b24_id"]): row["ref"] for row in entry["details"]}
    assert refs == {
        ("company", 1): REF_NORTH,
        ("company", 2): None,
        ("contact", 1): REF_PERSON,
    }
    assert table.exit_code == 0, table.output
    person_lines = [line for line in table.stdout.splitlines() if REF_PERSON in line]
    assert len(person_lines) == 1
    assert "contact" in person_lines[0]
    assert "created" in person_lines[0]
