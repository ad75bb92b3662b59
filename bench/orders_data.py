"""Synthetic portals and orders packages for ``bench_orders.py``."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any, Literal, overload

import orjson

DEMO_SEED = (
    Path(__file__).resolve().parent.parent / "samples" / "bitrix24" / "portal.json"
)
DEAL_FIELDS = {
    "document_number": "UF_CRM_1700000001",
    "payment_status": "UF_CRM_1700000002",
    "realization_date": "UF_CRM_1700000003",
}
EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"


def document_number(index: int) -> str:
    """Return the Номер документа of deal and order ``index``."""
    return f"ТЛ-{index:06d}"


def order_ref(index: int) -> str:
    """Return the reference of order ``index``: random-looking and repeatable.

    1C's references are random UUIDs, so consecutive orders land far apart
    in any index by reference, as they do here.
    """
    digest = hashlib.sha256(index.to_bytes(8, "big")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def make_portal_seed(deals: int) -> dict[str, Any]:
    """Return an emulator seed with the demo deal fields and ``deals`` deals.

    Deal ``index + 1`` carries the number ``document_number(index)`` and
    empty payment status and realization date.
    """
    demo = orjson.loads(DEMO_SEED.read_bytes())
    return {
        "portal": demo["portal"],
        "fields": {"deal": demo["fields"]["deal"]},
        "deals": [
            {
                "ID": index + 1,
                "TITLE": f"deal {index + 1}",
                DEAL_FIELDS["document_number"]: document_number(index),
            }
            for index in range(deals)
        ],
    }


def _order(
    index: int, number: str, parent: str, status: str, day: str
) -> dict[str, Any]:
    return {
        "ref": order_ref(index),
        "number": f"ТЛ00-{index:06d}",
        "date": "2026-11-02T09:00:00",
        "document_number": number,
        "parent_ref": parent,
        "payment_status": status,
        "realization_date": day,
        "deletion_mark": False,
        "posted": True,
        "modified_at": "2026-11-27T18:00:00",
    }


@overload
def make_orders_package(
    orders: int,
    *,
    number: int,
    status: str = ...,
    families: int = ...,
    with_numbers: Literal[False] = ...,
) -> bytes: ...


@overload
def make_orders_package(
    orders: int,
    *,
    number: int,
    status: str = ...,
    families: int = ...,
    with_numbers: Literal[True],
) -> tuple[bytes, list[str]]: ...


def make_orders_package(
    orders: int,
    *,
    number: int,
    status: str = "ОплаченПолностью",
    families: int = 0,
    with_numbers: bool = False,
) -> bytes | tuple[bytes, list[str]]:
    """Build an orders package of ``orders`` records as 1C writes it.

    The first ``families`` top-level orders each get three sub-orders (paid
    fully, partly and not at all, with dates); the other orders are plain
    top-level orders with ``status`` and a realization date. Order refs and
    numbers depend only on the position, so two packages built with the
    same arguments but another ``number`` carry the same orders. With
    ``with_numbers`` the top-level document numbers are returned too.
    """
    records: list[dict[str, Any]] = []
    numbers: list[str] = []
    tops = orders - 3 * families
    if tops < families:
        raise ValueError(f"{orders} orders cannot hold {families} families of four")
    sub_index = tops
    for index in range(tops):
        doc = document_number(index)
        numbers.append(doc)
        if index < families:
            top = _order(index, doc, EMPTY_REF, "", EMPTY_DATE)
            records.append(top)
            for offset, sub_status in enumerate(
                ("ОплаченПолностью", "ОплаченЧастично", "НеОплачен")
            ):
                day = f"2026-11-{10 + offset:02d}T00:00:00"
                records.append(_order(sub_index, "", top["ref"], sub_status, day))
                sub_index += 1
        else:
            records.append(_order(index, doc, EMPTY_REF, status, "2026-11-20T00:00:00"))
    package = {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": "orders",
        "package_id": str(uuid.UUID(int=(1 << 100) + number, version=4)),
        "sender": "TMS",
        "number": number,
        "created_at": "2026-11-28T14:05:31",
        "orders": records,
    }
    data = b"\xef\xbb\xbf" + orjson.dumps(package).replace(b"},{", b"},\r\n{")
    return (data, numbers) if with_numbers else data
