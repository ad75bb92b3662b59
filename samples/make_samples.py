"""Write the sample exchange files byte for byte.

Incoming files are laid out as 1C's ``ЗаписатьJSON`` writes them with default
settings: a line break after each member, no indentation, Cyrillic unescaped,
lower-case GUIDs, local dates without offset and ``0001-01-01T00:00:00`` for
an empty date. Some carry a UTF-8 byte order mark or CRLF line endings, as
1C's text writers and Windows servers produce them. Outgoing files are
written as the service writes them: UTF-8 without BOM.

This script writes the orders samples. ``make_counterparty_samples.py``
writes the counterparty ones, and ``make_invalid_samples.py`` writes
``invalid/`` and the rejection of one of those files. Run all three
from the repository root, e.g. ``.venv/bin/python samples/make_samples.py``.
The output is deterministic, so running them again changes no byte.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from exchange import jsonio

SAMPLES = Path(__file__).resolve().parent
INVALID = SAMPLES / "invalid"
OUTGOING = SAMPLES / "outgoing"

EMPTY_DATE = "0001-01-01T00:00:00"
EMPTY_REF = "00000000-0000-0000-0000-000000000000"
FORMAT = "tms-b24-exchange"

NOT_PAID = "НеОплачен"
PARTIALLY_PAID = "ОплаченЧастично"
FULLY_PAID = "ОплаченПолностью"

BOM = b"\xef\xbb\xbf"


def guid(label: str) -> str:
    """Derive a stable lower-case GUID for ``label``, shaped like 1C's refs.

    1C refs are time-based (version 1) UUIDs whose last group names the
    server, so the samples share the last group and vary the rest.
    """
    digest = hashlib.sha1(label.encode("utf-8")).hexdigest()  # noqa: S324
    return f"{digest[:8]}-{digest[8:12]}-11f0-a{digest[12:15]}-0050569f2c41"


def package_id(label: str) -> str:
    """Derive a stable random-looking (version 4) package id for ``label``."""
    digest = hashlib.sha1(("package " + label).encode("utf-8")).hexdigest()  # noqa: S324
    return (
        f"{digest[:8]}-{digest[8:12]}-4{digest[12:15]}-8{digest[15:18]}-{digest[18:30]}"
    )


def day(iso_date: str) -> str:
    """Write a 1C date-only value as ``ЗаписатьJSON`` does: midnight."""
    return f"{iso_date}T00:00:00"


# ---------------------------------------------------------------- 1C layout


def _escape(text: str) -> str:
    parts = ['"']
    for char in text:
        if char in {'"', "\\"}:
            parts.append("\\" + char)
        elif char == "\n":
            parts.append("\\n")
        elif char == "\r":
            parts.append("\\r")
        elif ord(char) < 0x20:
            parts.append(f"\\u{ord(char):04x}")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def onec_json(value: Any, newline: str = "\n") -> str:
    """Serialize ``value`` in the default layout of 1C's ``ЗаписатьJSON``."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        members = [
            f"{_escape(key)}: {onec_json(item, newline)}" for key, item in value.items()
        ]
        return "{" + newline + ("," + newline).join(members) + newline + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [onec_json(item, newline) for item in value]
        return "[" + newline + ("," + newline).join(items) + newline + "]"
    raise TypeError(f"cannot write {type(value).__name__} as 1C JSON")


def write_onec(
    path: Path, document: Any, *, bom: bool = False, crlf: bool = False
) -> bytes:
    """Write ``document`` as 1C does; return the bytes written."""
    data = onec_json(document, "\r\n" if crlf else "\n").encode("utf-8")
    if bom:
        data = BOM + data
    path.write_bytes(data)
    return data


def write_service(path: Path, document: Any) -> bytes:
    """Write an outgoing package as the service does: UTF-8 JSON, no BOM."""
    data = jsonio.dumps(document, indent=True) + b"\n"
    path.write_bytes(data)
    return data


def envelope(kind: str, sender: str, number: int, created_at: str) -> dict[str, Any]:
    """Build the envelope members common to every package."""
    return {
        "format": FORMAT,
        "version": 1,
        "kind": kind,
        "package_id": package_id(f"{kind} {sender} {number}"),
        "sender": sender,
        "number": number,
        "created_at": created_at,
    }


# ------------------------------------------------------------------- orders


def order(
    number: str,
    date: str,
    document_number: str,
    parent: str | None,
    payment_status: str,
    realization_date: str,
    modified_at: str,
    *,
    deletion_mark: bool = False,
    posted: bool = True,
) -> dict[str, Any]:
    """Build an order record as the 1C processing fills its Структура.

    ``parent`` is the standard number of the parent order, or None.
    """
    return {
        "ref": guid(number),
        "number": number,
        "date": date,
        "document_number": document_number,
        "parent_ref": guid(parent) if parent else EMPTY_REF,
        "payment_status": payment_status,
        "realization_date": day(realization_date) if realization_date else EMPTY_DATE,
        "deletion_mark": deletion_mark,
        "posted": posted,
        "modified_at": modified_at,
    }


def orders_package_1() -> dict[str, Any]:
    """Build ``orders_TMS_1.json``: every kind of order the service meets."""
    orders = [
        # Plain top-level orders.
        order(
            "ТЛ00-000121",
            "2026-11-02T09:41:17",
            "ТЛ-000101",
            None,
            NOT_PAID,
            "",
            "2026-11-27T18:02:44",
        ),
        order(
            "ТЛ00-000122",
            "2026-11-03T11:05:09",
            "ТЛ-000102",
            None,
            FULLY_PAID,
            "2026-11-20",
            "2026-11-27T18:03:10",
        ),
        # A sub-order of ТЛ-000102 that was marked for deletion: excluded from
        # the rollup, so ТЛ-000102 keeps its own values.
        order(
            "ТЛ00-000322",
            "2026-11-03T11:20:40",
            "",
            "ТЛ00-000122",
            NOT_PAID,
            "",
            "2026-11-27T18:03:12",
            deletion_mark=True,
            posted=False,
        ),
        # The one place where 1C wrote a presentation instead of a value name.
        order(
            "ТЛ00-000125",
            "2026-11-05T15:30:00",
            "ТЛ-000105",
            None,
            "Оплачен частично",
            "2026-11-25",
            "2026-11-27T18:04:51",
        ),
        order(
            "ТЛ00-000199",
            "2026-11-26T10:12:03",
            "ТЛ-000199",
            None,
            NOT_PAID,
            "",
            "2026-11-27T18:05:02",
        ),
        order(
            "ТЛ00-000126",
            "2026-11-06T08:55:21",
            "ТЛ-000106",
            None,
            FULLY_PAID,
            "2026-11-18",
            "2026-11-27T18:05:30",
        ),
        # Multimodal ТЛ-000103: the parent's own status and date are empty.
        order(
            "ТЛ00-000123",
            "2026-11-04T13:14:15",
            "ТЛ-000103",
            None,
            "",
            "",
            "2026-11-27T18:06:00",
        ),
        order(
            "ТЛ00-000341",
            "2026-11-04T13:40:02",
            "",
            "ТЛ00-000123",
            FULLY_PAID,
            "2026-11-15",
            "2026-11-27T18:06:05",
        ),
        order(
            "ТЛ00-000342",
            "2026-11-04T13:42:37",
            "",
            "ТЛ00-000123",
            NOT_PAID,
            "",
            "2026-11-27T18:06:09",
        ),
        # Multimodal ТЛ-000104 with a deleted sub-order.
        order(
            "ТЛ00-000124",
            "2026-11-04T16:00:00",
            "ТЛ-000104",
            None,
            "",
            "",
            "2026-11-27T18:07:00",
        ),
        order(
            "ТЛ00-000343",
            "2026-11-04T16:10:11",
            "",
            "ТЛ00-000124",
            FULLY_PAID,
            "2026-11-10",
            "2026-11-27T18:07:04",
        ),
        order(
            "ТЛ00-000344",
            "2026-11-04T16:12:45",
            "",
            "ТЛ00-000124",
            FULLY_PAID,
            "2026-11-12",
            "2026-11-27T18:07:08",
        ),
        order(
            "ТЛ00-000345",
            "2026-11-04T16:15:30",
            "",
            "ТЛ00-000124",
            NOT_PAID,
            "",
            "2026-11-27T18:07:12",
            deletion_mark=True,
            posted=False,
        ),
        # Three levels: ТЛ-000108 → ТЛ00-000381 → two sub-sub-orders, and an
        # unposted sub-order ТЛ00-000382 whose own sub-order is excluded with it.
        order(
            "ТЛ00-000128",
            "2026-11-09T09:00:00",
            "ТЛ-000108",
            None,
            "",
            "",
            "2026-11-27T18:08:00",
        ),
        order(
            "ТЛ00-000381",
            "2026-11-09T09:20:00",
            "",
            "ТЛ00-000128",
            "",
            "",
            "2026-11-27T18:08:03",
        ),
        order(
            "ТЛ00-000391",
            "2026-11-09T09:31:12",
            "",
            "ТЛ00-000381",
            FULLY_PAID,
            "2026-11-21",
            "2026-11-27T18:08:06",
        ),
        order(
            "ТЛ00-000392",
            "2026-11-09T09:33:48",
            "",
            "ТЛ00-000381",
            FULLY_PAID,
            "2026-11-24",
            "2026-11-27T18:08:09",
        ),
        order(
            "ТЛ00-000382",
            "2026-11-09T09:40:00",
            "",
            "ТЛ00-000128",
            PARTIALLY_PAID,
            "2026-11-23",
            "2026-11-27T18:08:12",
            posted=False,
        ),
        order(
            "ТЛ00-000393",
            "2026-11-09T09:45:27",
            "",
            "ТЛ00-000382",
            NOT_PAID,
            "",
            "2026-11-27T18:08:15",
        ),
        # Deal 109 already contains these values.
        order(
            "ТЛ00-000129",
            "2026-11-10T12:00:00",
            "ТЛ-000109",
            None,
            FULLY_PAID,
            "2026-11-20",
            "2026-11-27T18:09:00",
        ),
        # Unposted and deleted top-level orders.
        order(
            "ТЛ00-000131",
            "2026-11-12T10:00:00",
            "ТЛ-000111",
            None,
            PARTIALLY_PAID,
            "",
            "2026-11-27T18:10:00",
            posted=False,
        ),
        order(
            "ТЛ00-000132",
            "2026-11-12T10:30:00",
            "ТЛ-000112",
            None,
            NOT_PAID,
            "",
            "2026-11-27T18:10:30",
            deletion_mark=True,
            posted=False,
        ),
    ]
    # Records may carry attributes the contract does not name; the service
    # ignores them.
    orders[0]["responsible"] = "Иванова Анна Сергеевна"
    return envelope("orders", "TMS", 1, "2026-11-28T14:05:31") | {"orders": orders}


def orders_package_2() -> dict[str, Any]:
    """Build ``orders_TMS_2.json``: one sub-order alone, and an unchanged order."""
    orders = [
        order(
            "ТЛ00-000342",
            "2026-11-04T13:42:37",
            "",
            "ТЛ00-000123",
            FULLY_PAID,
            "2026-11-22",
            "2026-11-28T15:58:20",
        ),
        order(
            "ТЛ00-000129",
            "2026-11-10T12:00:00",
            "ТЛ-000109",
            None,
            FULLY_PAID,
            "2026-11-20",
            "2026-11-28T16:01:07",
        ),
    ]
    return envelope("orders", "TMS", 2, "2026-11-28T16:40:12") | {"orders": orders}


# ------------------------------------------------------ outgoing receipts


def result_row(
    source: dict[str, Any],
    status: str,
    deal_id: int | None,
    message: str = "",
    *,
    rollup: bool = False,
) -> dict[str, Any]:
    """Build one receipt row for the order of ``source``."""
    return {
        "ref": source["ref"],
        "number": source["number"],
        "document_number": source["document_number"] or "",
        "status": status,
        "deal_id": deal_id,
        "message": message,
        "rollup": rollup,
    }


def orders_receipt(
    package: dict[str, Any], source_name: str, data: bytes
) -> dict[str, Any]:
    """Build ``outgoing/orders_receipt_B24_2.json`` for orders_TMS_1.json.

    The statuses follow the outcome table in samples/README.md.
    """
    by_number = {item["number"]: item for item in package["orders"]}

    def row(
        number: str, status: str, deal_id: int | None, message: str = ""
    ) -> dict[str, Any]:
        return result_row(by_number[number], status, deal_id, message)

    def rolled_up(number: str, deal_id: int, top: str) -> dict[str, Any]:
        document_number = by_number[top]["document_number"]
        return row(
            number,
            "suborder",
            deal_id,
            f"rolled up into order {top} (Номер документа {document_number}): updated",
        )

    results = [
        row("ТЛ00-000121", "updated", 101),
        row("ТЛ00-000122", "updated", 102),
        row(
            "ТЛ00-000322",
            "suborder",
            102,
            "marked for deletion, so left out of the rollup of order ТЛ00-000122",
        ),
        row("ТЛ00-000125", "updated", 105),
        row(
            "ТЛ00-000199",
            "pending",
            None,
            "no deal has Номер документа 'ТЛ-000199' yet; the order is retried "
            "until a manager enters the number in the deal",
        ),
        row(
            "ТЛ00-000126",
            "error",
            None,
            "several deals have Номер документа 'ТЛ-000106' (deals 106, 107); no "
            "deal was updated: leave the number on one deal in Bitrix24, the "
            "order is checked again on the next run",
        ),
        row("ТЛ00-000123", "updated", 103),
        rolled_up("ТЛ00-000341", 103, "ТЛ00-000123"),
        rolled_up("ТЛ00-000342", 103, "ТЛ00-000123"),
        row("ТЛ00-000124", "updated", 104),
        rolled_up("ТЛ00-000343", 104, "ТЛ00-000124"),
        rolled_up("ТЛ00-000344", 104, "ТЛ00-000124"),
        row(
            "ТЛ00-000345",
            "suborder",
            104,
            "marked for deletion, so left out of the rollup of order ТЛ00-000124",
        ),
        row("ТЛ00-000128", "updated", 108),
        rolled_up("ТЛ00-000381", 108, "ТЛ00-000128"),
        rolled_up("ТЛ00-000391", 108, "ТЛ00-000128"),
        rolled_up("ТЛ00-000392", 108, "ТЛ00-000128"),
        row(
            "ТЛ00-000382",
            "suborder",
            108,
            "not posted, so left out of the rollup of order ТЛ00-000128",
        ),
        row(
            "ТЛ00-000393",
            "suborder",
            108,
            "its parent ТЛ00-000382 is not posted, so it is left out of the rollup "
            "of order ТЛ00-000128",
        ),
        row("ТЛ00-000129", "unchanged", 109),
        row(
            "ТЛ00-000131",
            "ignored",
            None,
            "the order is not posted in 1C, so its deal is not changed",
        ),
        row(
            "ТЛ00-000132",
            "ignored",
            None,
            "the order is marked for deletion in 1C, so its deal is not changed",
        ),
    ]
    if len(results) != len(package["orders"]):
        raise ValueError("the receipt must have one row per order of the package")
    head = envelope("orders_receipt", "B24", 2, "2026-11-28T14:06:02")
    return head | {
        "in_reply_to": package["package_id"],
        "source_file": source_name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "outcome": "applied",
        "count": len(results),
        "results": results,
    }


def main() -> None:
    """Write the orders samples and the receipt for the first one."""
    OUTGOING.mkdir(exist_ok=True)

    package_1 = orders_package_1()
    data_1 = write_onec(SAMPLES / "orders_TMS_1.json", package_1)
    write_onec(SAMPLES / "orders_TMS_2.json", orders_package_2(), bom=True, crlf=True)
    write_service(
        OUTGOING / "orders_receipt_B24_2.json",
        orders_receipt(package_1, "orders_TMS_1.json", data_1),
    )


if __name__ == "__main__":
    main()
