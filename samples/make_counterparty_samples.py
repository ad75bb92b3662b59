"""Write the counterparty samples: 1C's catalog, the export and 1C's receipt.

The catalog and the receipt are laid out as 1C writes them (see
make_samples.py); the export is written as the service writes it. Run from the
repository root: ``.venv/bin/python samples/make_counterparty_samples.py``.
"""

from __future__ import annotations

from typing import Any

from make_samples import (
    EMPTY_REF,
    OUTGOING,
    SAMPLES,
    envelope,
    guid,
    write_onec,
    write_service,
)

HEAD_OFFICE = guid("Контрагент Транзит-Логистик")
BRANCH = guid("Контрагент Транзит-Логистик филиал Южный")
ENTREPRENEUR = guid("Контрагент ИП Кузнецов")
INDIVIDUAL = guid("Контрагент Петров")
DELETED = guid("Контрагент Старый перевозчик")
CREATED = guid("Контрагент Смирнова")


def counterparty_catalog() -> dict[str, Any]:
    """Build ``counterparty_catalog_TMS_3.json``: a complete catalog."""
    counterparties = [
        {
            "ref": HEAD_OFFICE,
            "kind": "legal_entity",
            "name": "Транзит-Логистик ООО",
            "full_name": "Общество с ограниченной ответственностью «Транзит-Логистик»",
            "inn": "7707083893",
            "kpp": "773601001",
            "phones": ["+7 (495) 500-55-50"],
            "deletion_mark": False,
        },
        {
            "ref": BRANCH,
            "kind": "legal_entity",
            "name": "Транзит-Логистик ООО (филиал «Южный»)",
            "full_name": "Филиал «Южный» ООО «Транзит-Логистик»",
            "inn": "7707083893",
            "kpp": "773643001",
            "phones": [],
            "deletion_mark": False,
        },
        {
            "ref": ENTREPRENEUR,
            "kind": "entrepreneur",
            "name": "Кузнецов Андрей Викторович ИП",
            "full_name": "Индивидуальный предприниматель Кузнецов Андрей Викторович",
            "inn": "500100732259",
            "kpp": "",
            "phones": ["+7 916 123-45-67"],
            "deletion_mark": False,
        },
        {
            "ref": INDIVIDUAL,
            "kind": "individual",
            "name": "Петров Сергей Иванович",
            "full_name": "Петров Сергей Иванович",
            "inn": "",
            "kpp": "",
            "phones": ["8 (912) 345-67-89"],
            "deletion_mark": False,
        },
        {
            "ref": DELETED,
            "kind": "legal_entity",
            "name": "Старый перевозчик ООО (не использовать)",
            "full_name": "Общество с ограниченной ответственностью «Старый перевозчик»",
            "inn": "7736050003",
            "kpp": "773601001",
            "phones": ["+7 (495) 111-22-33"],
            "deletion_mark": True,
        },
    ]
    head = envelope("counterparty_catalog", "TMS", 3, "2026-11-29T09:12:44")
    return head | {"complete": True, "counterparties": counterparties}


def counterparty(
    entity: str, b24_id: int, kind: str, ref: str, action: str, by: str, **fields: Any
) -> dict[str, Any]:
    """Build an outgoing counterparty record with every field present."""
    record: dict[str, Any] = {
        "b24_entity": entity,
        "b24_id": b24_id,
        "kind": kind,
        "ref": ref,
        "action": action,
        "match": {"by": by, "candidates": fields.pop("candidates", [])},
        "name": "",
        "full_name": "",
        "last_name": "",
        "first_name": "",
        "middle_name": "",
        "inn": "",
        "kpp": "",
        "ogrn": "",
        "phones": [],
        "emails": [],
        "addresses": [],
        "bank_accounts": [],
        "deal": None,
        "deal_ids": [],
        "warnings": [],
    }
    unknown = set(fields) - set(record)
    if unknown:
        raise KeyError(f"not a counterparty field: {sorted(unknown)}")
    record.update(fields)
    return record


def address(
    kind: str, postal_code: str, province: str, city: str, street: str, office: str
) -> dict[str, str]:
    """Build an outgoing address; ``text`` joins the non-empty parts."""
    parts = {
        "postal_code": postal_code,
        "country": "Россия",
        "province": province,
        "region": "",
        "city": city,
        "address_1": street,
        "address_2": office,
    }
    text = ", ".join(part for part in parts.values() if part)
    return {"type": kind} | parts | {"text": text}


def deal(deal_id: int, title: str) -> dict[str, Any]:
    """Build the flagged deal of a counterparty record."""
    return {"id": deal_id, "title": title, "stage_id": "C1:UC_CONTRACT"}


def counterparties_package() -> dict[str, Any]:
    """Build ``outgoing/counterparties_B24_1.json``: one record per action."""
    head_office_account = {
        "bik": "044525225",
        "account": "40702810938000012345",
        "correspondent_account": "30101810400000000225",
        "bank_name": "ПАО Сбербанк",
    }
    records = [
        counterparty(
            "company",
            15,
            "legal_entity",
            HEAD_OFFICE,
            "link",
            "inn_kpp",
            name="Транзит-Логистик",
            full_name="Общество с ограниченной ответственностью «Транзит-Логистик»",
            inn="7707083893",
            kpp="773601001",
            ogrn="1027700132195",
            phones=["+74955005550"],
            emails=["office@tranzit-logistik.example"],
            addresses=[
                address(
                    "legal",
                    "125167",
                    "",
                    "Москва",
                    "ул. Складочная, д. 1, стр. 4",
                    "офис 12",
                ),
                address("postal", "125167", "", "Москва", "а/я 48", ""),
            ],
            bank_accounts=[head_office_account],
            deal=deal(215, "Перевозка Москва — Казань, декабрь"),
            deal_ids=[215],
        ),
        counterparty(
            "company",
            16,
            "legal_entity",
            BRANCH,
            "update",
            "id",
            name="Транзит-Логистик, филиал «Южный»",
            full_name="Филиал «Южный» ООО «Транзит-Логистик»",
            inn="7707083893",
            kpp="773643001",
            ogrn="1027700132195",
            phones=["+78632001020;ext=305"],
            addresses=[
                address(
                    "actual",
                    "344002",
                    "Ростовская обл.",
                    "Ростов-на-Дону",
                    "ул. Береговая, д. 8",
                    "",
                )
            ],
        ),
        counterparty(
            "company",
            17,
            "entrepreneur",
            ENTREPRENEUR,
            "link",
            "inn",
            name="ИП Кузнецов Андрей Викторович",
            full_name="Индивидуальный предприниматель Кузнецов Андрей Викторович",
            last_name="Кузнецов",
            first_name="Андрей",
            middle_name="Викторович",
            inn="500100732259",
            ogrn="304500116000180",
            phones=["+79161234567"],
            emails=["kuznetsov.av@mail.example"],
            addresses=[
                address(
                    "registration",
                    "141700",
                    "Московская обл.",
                    "Долгопрудный",
                    "ул. Первомайская, д. 3, кв. 41",
                    "",
                )
            ],
            deal=deal(219, "Доставка оборудования, Кузнецов"),
            deal_ids=[217, 219],
        ),
        counterparty(
            "contact",
            21,
            "individual",
            INDIVIDUAL,
            "link",
            "phone",
            name="Петров Сергей Иванович",
            full_name="Петров Сергей Иванович",
            last_name="Петров",
            first_name="Сергей",
            middle_name="Иванович",
            phones=["+79123456789"],
            emails=["s.petrov@mail.example"],
            deal=deal(220, "Переезд Петров С. И."),
            deal_ids=[220],
        ),
        counterparty(
            "contact",
            22,
            "individual",
            "",
            "create",
            "none",
            name="Смирнова Ольга Николаевна",
            full_name="Смирнова Ольга Николаевна",
            last_name="Смирнова",
            first_name="Ольга",
            middle_name="Николаевна",
            phones=["+79035550101"],
            emails=["olga.smirnova@mail.example"],
            deal=deal(221, "Перевозка мебели, Смирнова"),
            deal_ids=[221],
            warnings=['phone "12-34" is not a valid number and was left out'],
        ),
        counterparty(
            "company",
            18,
            "legal_entity",
            "",
            "review",
            # Without a KPP a legal entity is looked up by INN alone, and
            # even one candidate goes to a person.
            "inn",
            candidates=[HEAD_OFFICE, BRANCH],
            name="Транзит Логистик (дубль)",
            full_name="Транзит Логистик (дубль)",
            inn="7707083893",
            deal=deal(222, "Контейнер Новороссийск — Москва"),
            deal_ids=[222],
            warnings=[
                (
                    "KPP is empty, so the company was looked up by INN alone: "
                    "2 counterparties in 1C have INN 7707083893; choose one"
                )
            ],
        ),
    ]
    head = envelope("counterparties", "B24", 1, "2026-11-29T09:30:02")
    return head | {"count": len(records), "counterparties": records}


def counterparties_receipt(answered: dict[str, Any]) -> dict[str, Any]:
    """Build ``counterparties_receipt_TMS_4.json`` in reply to ``answered``."""
    results = [
        {
            "b24_entity": "company",
            "b24_id": 15,
            "status": "matched",
            "ref": HEAD_OFFICE,
            "message": "",
        },
        {
            "b24_entity": "company",
            "b24_id": 16,
            "status": "updated",
            "ref": BRANCH,
            "message": "Обновлены телефон и адрес",
        },
        {
            "b24_entity": "company",
            "b24_id": 17,
            "status": "matched",
            "ref": ENTREPRENEUR,
            "message": "",
        },
        {
            "b24_entity": "contact",
            "b24_id": 21,
            "status": "matched",
            "ref": INDIVIDUAL,
            "message": "",
        },
        {
            "b24_entity": "contact",
            "b24_id": 22,
            "status": "created",
            "ref": CREATED,
            "message": "Создан новый контрагент",
        },
        {
            "b24_entity": "company",
            "b24_id": 18,
            "status": "error",
            "ref": EMPTY_REF,
            "message": (
                "Не загружен: найдено несколько контрагентов с ИНН 7707083893, "
                "укажите КПП в Битрикс24"
            ),
        },
    ]
    head = envelope("counterparties_receipt", "TMS", 4, "2026-11-30T10:03:17")
    return head | {"in_reply_to": answered["package_id"], "results": results}


def main() -> None:
    """Write the catalog, the export and the receipt for it."""
    OUTGOING.mkdir(exist_ok=True)
    write_onec(
        SAMPLES / "counterparty_catalog_TMS_3.json", counterparty_catalog(), crlf=True
    )
    export = counterparties_package()
    write_service(OUTGOING / "counterparties_B24_1.json", export)
    write_onec(
        SAMPLES / "counterparties_receipt_TMS_4.json",
        counterparties_receipt(export),
        bom=True,
    )


if __name__ == "__main__":
    main()
