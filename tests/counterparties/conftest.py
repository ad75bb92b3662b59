"""A seeded emulator, settings in tmp_path and helpers for the counterparty tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from exchange import jsonio
from exchange.config.settings import (
    Bitrix24Settings,
    CounterpartiesSettings,
    PathsSettings,
    Settings,
)
from exchange.contract.load import ContractSettings, load_package
from exchange.contract.models import (
    CounterpartiesReceiptPackage,
    CounterpartyCatalogPackage,
)
from exchange.emulator import Emulator
from exchange.service.runtime import Runtime

FLAG = "UF_CRM_1700000010"
REF = "UF_CRM_1700000020"
COMPANY_FLAG = "UF_CRM_1700000030"

HEAD_OFFICE = 15
BRANCH = 16
ENTREPRENEUR = 17
UNKNOWN_TEMPLATE = 18
INVALID_INN = 19
PERSON = 21
ORPHAN_DEAL = 222
UNKNOWN_PRESET_ID = 7

# Valid identifiers: INN 7707083893 with OGRN 1027700132195 (an organisation),
# INN 500100732259 with OGRNIP 304500116000180 (an entrepreneur).
ORG_INN = "7707083893"
ORG_KPP = "773601001"
BRANCH_KPP = "773643001"
ORG_OGRN = "1027700132195"
IP_INN = "500100732259"
IP_OGRNIP = "304500116000180"
BAD_INN = "7707083894"

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def seed() -> dict[str, Any]:
    """Return a portal with the companies, contact and deals the tests use."""
    return {
        "fields": {
            "deal": {FLAG: {"type": "boolean", "label": "Подлежит загрузке в 1С"}},
            "company": {
                REF: {"type": "string", "label": "Ссылка 1С"},
                COMPANY_FLAG: {"type": "boolean", "label": "Подлежит загрузке в 1С"},
            },
            "contact": {REF: {"type": "string", "label": "Ссылка 1С"}},
        },
        "presets": [
            {"ID": UNKNOWN_PRESET_ID, "NAME": "Нерезидент", "XML_ID": "CUSTOM_FOREIGN"}
        ],
        "companies": [
            {
                "ID": HEAD_OFFICE,
                "TITLE": "Транзит-Логистик",
                "PHONE": [{"VALUE": "+7 (495) 500-55-50", "VALUE_TYPE": "WORK"}],
                "EMAIL": [{"VALUE": "Office@Tranzit-Logistik.example"}],
            },
            {"ID": BRANCH, "TITLE": "Транзит-Логистик, филиал «Южный»"},
            {
                "ID": ENTREPRENEUR,
                "TITLE": "ИП Кузнецов Андрей Викторович",
                "PHONE": [{"VALUE": "+7 916 123-45-67"}],
            },
            {"ID": UNKNOWN_TEMPLATE, "TITLE": "Foreign Freight GmbH"},
            {"ID": INVALID_INN, "TITLE": "Опечатка ИНН"},
        ],
        "contacts": [
            {
                "ID": PERSON,
                "LAST_NAME": "Петров",
                "NAME": "Сергей",
                "SECOND_NAME": "Иванович",
                "PHONE": [
                    {"VALUE": "8 (912) 345-67-89"},
                    {"VALUE": "+7 912 345 67 89 доб. 123"},
                ],
                "EMAIL": [{"VALUE": "S.Petrov@mail.example"}],
            }
        ],
        "deals": [
            _deal(215, "Перевозка Москва — Казань", company=HEAD_OFFICE),
            _deal(216, "Перевозка Ростов", company=BRANCH),
            _deal(217, "Доставка оборудования", company=ENTREPRENEUR),
            _deal(219, "Доставка оборудования, вторая", company=ENTREPRENEUR),
            _deal(218, "Экспорт в Германию", company=UNKNOWN_TEMPLATE),
            _deal(220, "Переезд Петров С. И.", contact=PERSON),
            _deal(221, "Опечатка", company=INVALID_INN),
            _deal(ORPHAN_DEAL, "Без клиента"),
            _deal(223, "Не отмечена", company=HEAD_OFFICE),
        ],
        "requisites": [
            {
                "ID": 1,
                "ENTITY_TYPE_ID": 4,
                "ENTITY_ID": HEAD_OFFICE,
                "PRESET_ID": 1,
                "NAME": "Организация",
                "RQ_INN": ORG_INN,
                "RQ_KPP": ORG_KPP,
                "RQ_OGRN": ORG_OGRN,
                "RQ_COMPANY_NAME": "ООО «Транзит-Логистик»",
                "RQ_COMPANY_FULL_NAME": "Общество с ограниченной ответственностью "
                "«Транзит-Логистик»",
            },
            {
                "ID": 2,
                "ENTITY_TYPE_ID": 4,
                "ENTITY_ID": BRANCH,
                "PRESET_ID": 1,
                "RQ_INN": ORG_INN,
                "RQ_KPP": BRANCH_KPP,
                "RQ_COMPANY_FULL_NAME": "Филиал «Южный» ООО «Транзит-Логистик»",
            },
            {
                "ID": 3,
                "ENTITY_TYPE_ID": 4,
                "ENTITY_ID": ENTREPRENEUR,
                "PRESET_ID": 2,
                "RQ_INN": "5001 0073 2259",
                "RQ_OGRNIP": IP_OGRNIP,
                "RQ_LAST_NAME": "Кузнецов",
                "RQ_FIRST_NAME": "Андрей",
                "RQ_SECOND_NAME": "Викторович",
                "RQ_COMPANY_FULL_NAME": "Индивидуальный предприниматель Кузнецов "
                "Андрей Викторович",
            },
            {
                "ID": 4,
                "ENTITY_TYPE_ID": 4,
                "ENTITY_ID": UNKNOWN_TEMPLATE,
                "PRESET_ID": UNKNOWN_PRESET_ID,
                "RQ_COMPANY_FULL_NAME": "Foreign Freight GmbH",
            },
            {
                "ID": 5,
                "ENTITY_TYPE_ID": 4,
                "ENTITY_ID": INVALID_INN,
                "PRESET_ID": 1,
                "RQ_INN": BAD_INN,
                "RQ_KPP": ORG_KPP,
            },
            # An inactive requisite of the head office, sorted first: skipped.
            {
                "ID": 6,
                "ENTITY_TYPE_ID": 4,
                "ENTITY_ID": HEAD_OFFICE,
                "PRESET_ID": 1,
                "ACTIVE": "N",
                "SORT": 100,
                "RQ_INN": "7736050003",
            },
        ],
        "bank_details": [
            {
                "ENTITY_ID": 1,
                "RQ_BANK_NAME": "ПАО Сбербанк",
                "RQ_BIK": "044525225",
                "RQ_ACC_NUM": "40702810938000012345",
                "RQ_COR_ACC_NUM": "30101810400000000225",
            }
        ],
        "addresses": [
            _address(1, 1, "ул. Береговая, д. 8", ""),
            _address(1, 6, "ул. Складочная, д. 1, стр. 4", "офис 12"),
            # Type 9 (beneficiary) is not one of the four the contract lists.
            _address(1, 9, "ул. Прочая, д. 2", ""),
        ],
    }


def _deal(
    deal_id: int, title: str, *, company: int = 0, contact: int = 0
) -> dict[str, Any]:
    return {
        "ID": deal_id,
        "TITLE": title,
        "STAGE_ID": "C1:UC_CONTRACT",
        "COMPANY_ID": company,
        "CONTACT_ID": contact or None,
    }


def _address(
    requisite_id: int, type_id: int, line_1: str, line_2: str
) -> dict[str, Any]:
    return {
        "TYPE_ID": type_id,
        "ENTITY_TYPE_ID": 8,
        "ENTITY_ID": requisite_id,
        "POSTAL_CODE": "125167",
        "COUNTRY": "Россия",
        "CITY": "Москва",
        "ADDRESS_1": line_1,
        "ADDRESS_2": line_2,
    }


class Clock:
    """A settable clock shared by the emulated portal and the export."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward and return the new time."""
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Setup:
    """A seeded emulator with a clock, and settings whose paths are in tmp_path."""

    emulator: Emulator
    settings: Settings
    clock: Clock
    tmp_path: Path

    def runtime(self) -> Runtime:
        """Open a runtime on the settings; the caller closes it."""
        return Runtime(self.settings)

    def outbox_files(self) -> list[Path]:
        """Return the files in the outbox folder, by name."""
        return sorted(self.settings.paths.outbox.glob("*.json"))

    def flag(self, deal_id: int) -> None:
        """Set the deal's flag as the Bitrix24 robot does."""
        self.clock.advance(seconds=1)
        assert self.emulator.portal.update_deal(deal_id, **{FLAG: 1})


def make_settings(tmp_path: Path, webhook_url: str, **counterparties: Any) -> Settings:
    """Build settings with every path in tmp_path and the emulator's webhook."""
    options: dict[str, Any] = {"trigger_field": FLAG, "ref_field": REF}
    options.update(counterparties)
    return Settings(
        paths=PathsSettings(
            inbox=tmp_path / "inbox",
            outbox=tmp_path / "outbox",
            archive=tmp_path / "archive",
            errors=tmp_path / "errors",
            state=tmp_path / "state" / "exchange.sqlite3",
            dry_run=tmp_path / "dry-run",
        ),
        bitrix24=Bitrix24Settings(webhook_url=SecretStr(webhook_url)),
        counterparties=CounterpartiesSettings(**options),
    )


@pytest.fixture
def setup(emulator_factory: Callable[..., Emulator], tmp_path: Path) -> Setup:
    """An emulator with the seed above, its clock at START, and settings."""
    emulator = emulator_factory(seed=seed())
    clock = Clock()
    emulator.portal.clock = clock
    return Setup(
        emulator, make_settings(tmp_path, emulator.webhook_url), clock, tmp_path
    )


def read_package(path: Path) -> dict[str, Any]:
    """Read a package the service wrote."""
    document = jsonio.loads(path.read_bytes())
    assert isinstance(document, dict)
    return document


def records_by_item(document: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    """Return the records of a counterparties package by (entity, ID)."""
    return {
        (record["b24_entity"], record["b24_id"]): record
        for record in document["counterparties"]
    }


def receipt(
    in_reply_to: str, results: list[dict[str, Any]], *, number: int = 10
) -> CounterpartiesReceiptPackage:
    """Build a 1C receipt as a dict, load it through the contract and return it."""
    document = {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": "counterparties_receipt",
        "package_id": str(uuid.uuid4()),
        "sender": "TMS",
        "number": number,
        "created_at": "2026-11-20T12:00:00",
        "in_reply_to": in_reply_to,
        "results": results,
    }
    loaded = load_package(jsonio.dumps(document), "receipt.json", ContractSettings())
    assert loaded.problems == [], loaded.problems
    assert isinstance(loaded.package, CounterpartiesReceiptPackage)
    return loaded.package


def result(
    entity: str, b24_id: int, status: str, ref: str | None, message: str = ""
) -> dict[str, Any]:
    """Build one result row of a receipt."""
    return {
        "b24_entity": entity,
        "b24_id": b24_id,
        "status": status,
        "ref": ref,
        "message": message,
    }


def catalog(
    counterparties: list[dict[str, Any]], *, complete: bool, number: int = 5
) -> CounterpartyCatalogPackage:
    """Build a 1C catalog as a dict, load it through the contract and return it."""
    document = {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": "counterparty_catalog",
        "package_id": str(uuid.uuid4()),
        "sender": "TMS",
        "number": number,
        "created_at": "2026-11-20T08:00:00",
        "complete": complete,
        "counterparties": counterparties,
    }
    loaded = load_package(jsonio.dumps(document), "catalog.json", ContractSettings())
    assert loaded.problems == [], loaded.problems
    assert isinstance(loaded.package, CounterpartyCatalogPackage)
    return loaded.package


def entry(
    ref: str, kind: str, inn: str | None, kpp: str | None, *phones: str, **extra: Any
) -> dict[str, Any]:
    """Build one catalog counterparty."""
    return {
        "ref": ref,
        "kind": kind,
        "name": f"Контрагент {ref[:8]}",
        "inn": inn,
        "kpp": kpp,
        "phones": list(phones),
        **extra,
    }
