"""Write ``invalid/``: one file per kind of error, and the rejection sample.

Each file is an orders package as a broken 1C processing would write it,
with exactly one kind of error. The files named ``semantic_*`` pass the
schema: their orders fail the business checks, so the service applies the
package and reports those orders as errors in the receipt.
``tests/contract/invalid_samples_expected.json`` lists the outcome each file must get.

Run from the repository root after make_samples.py:
``.venv/bin/python samples/make_invalid_samples.py``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from make_samples import (
    EMPTY_REF,
    FULLY_PAID,
    INVALID,
    NOT_PAID,
    OUTGOING,
    PARTIALLY_PAID,
    envelope,
    guid,
    onec_json,
    order,
    write_onec,
    write_service,
)

CREATED_AT = "2026-11-28T14:18:09"


def two_orders() -> list[dict[str, Any]]:
    """Build two valid top-level orders that match no deal of the demo."""
    return [
        order(
            "ТЛ00-000151",
            "2026-11-20T10:00:00",
            "ТЛ-000151",
            None,
            PARTIALLY_PAID,
            "",
            "2026-11-28T14:00:00",
        ),
        order(
            "ТЛ00-000152",
            "2026-11-20T10:30:00",
            "ТЛ-000152",
            None,
            FULLY_PAID,
            "2026-11-27",
            "2026-11-28T14:00:05",
        ),
    ]


def package(number: int, orders: list[dict[str, Any]]) -> dict[str, Any]:
    """Build an orders package from sender TMS with the given number."""
    return envelope("orders", "TMS", number, CREATED_AT) | {"orders": orders}


def write_encoding_samples() -> None:
    """Write the files that fail before JSON parsing, or while parsing."""
    text = onec_json(package(11, two_orders()))

    # Cut inside the second order, as a copy interrupted half-way leaves it.
    cut = text.index('"payment_status": "ОплаченПолностью"') + len(
        '"payment_status": "Опла'
    )
    (INVALID / "not_json.json").write_bytes(text[:cut].encode("utf-8"))

    windows = onec_json(package(12, two_orders()), "\r\n")
    (INVALID / "windows_1251.json").write_bytes(windows.encode("cp1251"))

    # Python's "utf-16" codec writes a byte order mark and little-endian units.
    (INVALID / "utf16.json").write_bytes(
        onec_json(package(13, two_orders())).encode("utf-16")
    )

    (INVALID / "empty.json").write_bytes(b"")


def write_schema_samples() -> tuple[dict[str, Any], bytes]:
    """Write the files that break the schema; return bad_date.json too."""
    wrong_format = package(14, two_orders())
    wrong_format["format"] = "tms-bitrix24"
    write_onec(INVALID / "wrong_format.json", wrong_format)

    unknown_version = package(15, two_orders())
    unknown_version["version"] = 2
    write_onec(INVALID / "unknown_version.json", unknown_version)

    unknown_kind = package(16, two_orders())
    unknown_kind["kind"] = "payments"
    write_onec(INVALID / "unknown_kind.json", unknown_kind)

    # A typo in the processing: "order" written next to "orders".
    unknown_field = package(17, two_orders()[:1])
    unknown_field["order"] = two_orders()[1]
    write_onec(INVALID / "unknown_top_level_field.json", unknown_field)

    missing_field = package(18, two_orders())
    del missing_field["orders"][0]["parent_ref"]
    write_onec(INVALID / "missing_field.json", missing_field)

    wrong_type = package(19, two_orders())
    wrong_type["orders"][0]["number"] = 151
    wrong_type["orders"][0]["deletion_mark"] = "Да"
    write_onec(INVALID / "wrong_type.json", wrong_type)

    bad_date = package(20, two_orders())
    bad_date["orders"][1]["realization_date"] = "31.12.2026"
    bad_date_data = write_onec(INVALID / "bad_date.json", bad_date, crlf=True)

    bad_reference = package(21, two_orders())
    bad_reference["orders"][0]["ref"] = "12345"
    write_onec(INVALID / "bad_reference.json", bad_reference)

    unknown_enum = package(22, two_orders())
    unknown_enum["orders"][0]["payment_status"] = "Оплачен наполовину"
    write_onec(INVALID / "unknown_enum.json", unknown_enum)

    # What СериализаторXDTO writes for a document object, in place of the
    # flat record the contract asks for.
    xdto = package(23, two_orders())
    xdto["orders"][0] = {
        "#type": "jcfg:DocumentObject.ЗаказНаТС",
        "#value": {
            "Ref": guid("ТЛ00-000151"),
            "DeletionMark": False,
            "Date": "2026-11-20T10:00:00",
            "Number": "ТЛ00-000151",
            "Posted": True,
            "НомерДокумента": "ТЛ-000151",
            "ГоловнойЗаказ": EMPTY_REF,
            "СтатусОплаты": PARTIALLY_PAID,
            "ДатаРеализации": "0001-01-01T00:00:00",
        },
    }
    write_onec(INVALID / "xdto_shape.json", xdto)

    bad_envelope = package(24, two_orders())
    bad_envelope["package_id"] = "заказы-2026-11-28"
    bad_envelope["number"] = 0
    write_onec(INVALID / "bad_envelope.json", bad_envelope)

    # 1C's empty date after the processing converted it to UTC+5: 0001-01-01
    # at 05:00 is neither the empty date nor a real document date.
    shifted_date = package(29, two_orders())
    shifted_date["orders"][0]["date"] = "0001-01-01T05:00:00"
    write_onec(INVALID / "shifted_empty_date.json", shifted_date)

    # The order's comment written into Номер документа in place of the number.
    long_number = package(30, two_orders())
    long_number["orders"][1]["document_number"] = (
        "Доставка Москва — Екатеринбург — Новосибирск, контейнер 40 футов, "
        "ответственный менеджер Иванова; созвониться с клиентом до отгрузки груза"
    )
    write_onec(INVALID / "too_long_document_number.json", long_number)

    return bad_date, bad_date_data


def write_semantic_samples() -> None:
    """Write the files that pass the schema but fail business checks."""
    # The same order written twice, once with an older status.
    duplicate = two_orders()
    repeated = dict(duplicate[0])
    repeated["payment_status"] = NOT_PAID
    write_onec(
        INVALID / "semantic_duplicate_ref.json",
        package(25, [duplicate[0], repeated, duplicate[1]]),
    )

    self_parent = two_orders()
    self_parent[0]["parent_ref"] = self_parent[0]["ref"]
    self_parent[0]["document_number"] = ""
    write_onec(INVALID / "semantic_self_parent.json", package(26, self_parent))

    # ТЛ00-000161 → ТЛ00-000162 → ТЛ00-000163 → ТЛ00-000161, and one valid order.
    cycle = [
        order(
            "ТЛ00-000161",
            "2026-11-21T09:00:00",
            "",
            "ТЛ00-000162",
            NOT_PAID,
            "",
            "2026-11-28T14:01:00",
        ),
        order(
            "ТЛ00-000162",
            "2026-11-21T09:05:00",
            "",
            "ТЛ00-000163",
            FULLY_PAID,
            "2026-11-25",
            "2026-11-28T14:01:05",
        ),
        order(
            "ТЛ00-000163",
            "2026-11-21T09:10:00",
            "",
            "ТЛ00-000161",
            NOT_PAID,
            "",
            "2026-11-28T14:01:10",
        ),
        two_orders()[1],
    ]
    write_onec(INVALID / "semantic_cycle.json", package(27, cycle))

    # Two top-level orders carrying the same Номер документа.
    shared = [
        *two_orders(),
        order(
            "ТЛ00-000153",
            "2026-11-20T11:00:00",
            "ТЛ-000151",
            None,
            NOT_PAID,
            "",
            "2026-11-28T14:00:10",
        ),
    ]
    write_onec(INVALID / "semantic_shared_document_number.json", package(28, shared))


def rejection(
    rejected: dict[str, Any], source_name: str, data: bytes
) -> dict[str, Any]:
    """Build ``outgoing/rejection_B24_3.json`` for invalid/bad_date.json."""
    errors = [
        {
            "path": "/orders/1/realization_date",
            "value": '"31.12.2026"',
            "message": (
                "is not a date; Дата реализации (realization_date) must be written "
                "as YYYY-MM-DD (a date-time is accepted, its time is ignored), or "
                '0001-01-01T00:00:00, "" or null for empty'
            ),
        }
    ]
    head = envelope("rejection", "B24", 3, "2026-11-28T14:20:40")
    return head | {
        "in_reply_to": rejected["package_id"],
        "source_file": source_name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "count": len(errors),
        "errors_total": len(errors),
        "errors": errors,
    }


def main() -> None:
    """Write every invalid sample and the rejection of bad_date.json."""
    INVALID.mkdir(exist_ok=True)
    OUTGOING.mkdir(exist_ok=True)
    write_encoding_samples()
    bad_date, bad_date_data = write_schema_samples()
    write_semantic_samples()
    write_service(
        OUTGOING / "rejection_B24_3.json",
        rejection(bad_date, "bad_date.json", bad_date_data),
    )


if __name__ == "__main__":
    main()
