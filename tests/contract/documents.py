"""Valid exchange documents of every kind, and hypothesis strategies for them."""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

from hypothesis import strategies as st

from exchange import jsonio

EMPTY_REFERENCE = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
ORDER_REF = "0f8fad5b-d9cb-469f-a165-70867728950e"
PACKAGE_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def envelope(kind: str) -> dict[str, Any]:
    """Return a valid envelope of ``kind`` as 1C or the service writes it."""
    return {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": kind,
        "package_id": PACKAGE_ID,
        "sender": "TMS",
        "number": 7,
        "created_at": "2026-03-01T10:15:00",
    }


def order(**changes: Any) -> dict[str, Any]:
    """Return a valid top-level order record, with ``changes`` applied."""
    record = {
        "ref": ORDER_REF,
        "number": "ТЛ-000123",
        "date": "2026-02-27T09:30:00",
        "document_number": "Д-2026-17",
        "parent_ref": EMPTY_REFERENCE,
        "payment_status": "НеОплачен",
        "realization_date": EMPTY_DATE,
        "deletion_mark": False,
        "posted": True,
        "modified_at": "2026-02-28T11:00:00",
    }
    record.update(changes)
    return record


def orders_package(*orders: dict[str, Any]) -> dict[str, Any]:
    """Return an orders package holding ``orders`` (one default order if none)."""
    return {**envelope("orders"), "orders": list(orders) or [order()]}


def catalog_package() -> dict[str, Any]:
    """Return a valid counterparty catalog."""
    return {
        **envelope("counterparty_catalog"),
        "complete": True,
        "counterparties": [
            {
                "ref": "9b2d6a34-1b1e-4f53-a8de-0a3f0b5c1d11",
                "kind": "legal_entity",
                "name": "ООО Ромашка",
                "inn": "7707083893",
                "kpp": "773601001",
                "phones": ["+7 495 123-45-67"],
                "deletion_mark": False,
            }
        ],
    }


def receipt_package() -> dict[str, Any]:
    """Return a valid counterparties receipt from 1C."""
    return {
        **envelope("counterparties_receipt"),
        "in_reply_to": "16fd2706-8baf-433b-82eb-8c7fada847da",
        "results": [
            {
                "b24_entity": "company",
                "b24_id": 42,
                "status": "created",
                "ref": "9b2d6a34-1b1e-4f53-a8de-0a3f0b5c1d11",
                "message": "",
            },
            {"b24_entity": "contact", "b24_id": 43, "status": "error", "ref": ""},
        ],
    }


def outgoing_envelope(kind: str) -> dict[str, Any]:
    """Return a valid envelope of a package the service writes."""
    return {**envelope(kind), "sender": "B24"}


def counterparty_record(**changes: Any) -> dict[str, Any]:
    """Return a valid record of an outgoing counterparties package."""
    record: dict[str, Any] = {
        "b24_entity": "company",
        "b24_id": 15,
        "kind": "legal_entity",
        "ref": "",
        "action": "create",
        "match": {"by": "none", "candidates": []},
        "name": "ООО Ромашка",
        "full_name": "Общество с ограниченной ответственностью Ромашка",
        "last_name": "",
        "first_name": "",
        "middle_name": "",
        "inn": "7707083893",
        "kpp": "773601001",
        "ogrn": "1027700132195",
        "phones": ["+74951234567"],
        "emails": ["info@romashka.example"],
        "addresses": [
            {
                "type": "legal",
                "postal_code": "101000",
                "country": "Россия",
                "province": "",
                "region": "",
                "city": "Москва",
                "address_1": "ул. Мясницкая, д. 1",
                "address_2": "",
                "text": "101000, Россия, Москва, ул. Мясницкая, д. 1",
            }
        ],
        "bank_accounts": [
            {
                "bik": "044525225",
                "account": "40702810938000000001",
                "correspondent_account": "30101810400000000225",
                "bank_name": "ПАО Сбербанк",
            }
        ],
        "deal": {"id": 101, "title": "Перевозка", "stage_id": "C1:WON"},
        "deal_ids": [101],
        "warnings": [],
    }
    record.update(changes)
    return record


def counterparties_package() -> dict[str, Any]:
    """Return a valid outgoing counterparties package."""
    return {
        **outgoing_envelope("counterparties"),
        "count": 1,
        "counterparties": [counterparty_record()],
    }


def orders_receipt_package() -> dict[str, Any]:
    """Return a valid orders receipt."""
    return {
        **outgoing_envelope("orders_receipt"),
        "in_reply_to": PACKAGE_ID,
        "source_file": "orders_TMS_7.json",
        "sha256": "a" * 64,
        "outcome": "applied",
        "count": 1,
        "results": [
            {
                "ref": ORDER_REF,
                "number": "ТЛ-000123",
                "document_number": "Д-2026-17",
                "status": "updated",
                "deal_id": 101,
                "message": "",
                "rollup": False,
            }
        ],
    }


def rejection_package() -> dict[str, Any]:
    """Return a valid rejection."""
    return {
        **outgoing_envelope("rejection"),
        "in_reply_to": "",
        "source_file": "orders_TMS_8.json",
        "sha256": "b" * 64,
        "count": 1,
        "errors_total": 3,
        "errors": [{"path": "", "value": "", "message": "file is not valid JSON"}],
    }


VALID_DOCUMENTS = {
    "orders": orders_package,
    "counterparty_catalog": catalog_package,
    "counterparties_receipt": receipt_package,
    "counterparties": counterparties_package,
    "orders_receipt": orders_receipt_package,
    "rejection": rejection_package,
}


def encode(document: Any) -> bytes:
    """Serialize a document as UTF-8 JSON bytes."""
    return jsonio.dumps(document)


def changed(document: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """Return a deep copy of ``document`` with the value at ``pointer`` replaced."""
    result = copy.deepcopy(document)
    steps = pointer.split("/")[1:]
    target: Any = result
    for step in steps[:-1]:
        target = target[int(step)] if isinstance(target, list) else target[step]
    last = steps[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return result


# ------------------------------------------------------------ strategies

uuid_texts = st.uuids().flatmap(
    lambda value: st.sampled_from([str(value), str(value).upper()])
)
empty_references = st.sampled_from([EMPTY_REFERENCE, "", None])
references = st.one_of(uuid_texts, empty_references)
zone_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60)
# 1C writes local time without a zone, so the generated values are naive.
local_date_times = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 12, 31),  # noqa: DTZ001
)
empty_dates = st.sampled_from([EMPTY_DATE, EMPTY_DATE + "Z", "", None])


@st.composite
def date_time_texts(draw: st.DrawFn) -> str:
    """Draw a non-empty date-time in any form 1C writes."""
    moment = draw(local_date_times)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if draw(st.booleans()):
        text += "." + str(draw(st.integers(0, 999999))).zfill(6)
    suffix = draw(st.sampled_from(["", "Z", "offset"]))
    if suffix == "Z":
        text += "Z"
    elif suffix == "offset":
        minutes = draw(zone_offsets)
        sign = "+" if minutes >= 0 else "-"
        text += f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return text


@st.composite
def date_texts(draw: st.DrawFn) -> str:
    """Draw a non-empty date as YYYY-MM-DD or as a date-time."""
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
    if draw(st.booleans()):
        return day.isoformat()
    time_part = draw(date_time_texts())[10:]
    return day.isoformat() + time_part


def whitespace_variants(text: str) -> st.SearchStrategy[str]:
    """Draw ``text`` with random case and white space (NBSP included) inserted."""
    spaces = st.text(alphabet=" \t\u00a0\u202f", max_size=2)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        parts = [draw(spaces)]
        for char in text:
            parts.append(char.upper() if draw(st.booleans()) else char.lower())
            parts.append(draw(spaces))
        return "".join(parts)

    return build()


payment_texts = st.sampled_from(
    [
        "НеОплачен",
        "ОплаченЧастично",
        "ОплаченПолностью",
        "Не оплачен",
        "Оплачен частично",
    ]
).flatmap(whitespace_variants)


@st.composite
def order_records(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a valid order record with every allowed form of its values."""
    record: dict[str, Any] = {
        "ref": draw(uuid_texts.filter(lambda text: text != EMPTY_REFERENCE)),
        "number": draw(st.text(max_size=20)),
        "date": draw(date_time_texts()),
        "document_number": draw(st.one_of(st.none(), st.text(max_size=20))),
        "parent_ref": draw(references),
        "payment_status": draw(st.one_of(st.sampled_from(["", None]), payment_texts)),
        "realization_date": draw(st.one_of(empty_dates, date_texts())),
        "extra_attribute": draw(st.integers(min_value=-(2**63), max_value=2**63 - 1)),
    }
    if draw(st.booleans()):
        record["deletion_mark"] = draw(st.booleans())
    if draw(st.booleans()):
        record["posted"] = draw(st.booleans())
    if draw(st.booleans()):
        record["modified_at"] = draw(st.one_of(empty_dates, date_time_texts()))
    return record


@st.composite
def envelopes(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """Draw a valid envelope of ``kind``."""
    return {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": kind,
        "package_id": draw(uuid_texts),
        "sender": draw(st.text(min_size=1, max_size=64)),
        "number": draw(st.integers(min_value=1, max_value=2**53 - 1)),
        "created_at": draw(date_time_texts()),
    }


@st.composite
def orders_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a valid orders package."""
    document = draw(envelopes("orders"))
    document["orders"] = draw(st.lists(order_records(), max_size=5))
    return document


@st.composite
def catalog_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a valid counterparty catalog."""
    document = draw(envelopes("counterparty_catalog"))
    if draw(st.booleans()):
        document["complete"] = draw(st.booleans())
    kinds = st.sampled_from(
        ["legal_entity", "entrepreneur", "individual", "ЮрЛицо", "Физическое лицо"]
    ).flatmap(whitespace_variants)
    document["counterparties"] = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "ref": uuid_texts.filter(lambda text: text != EMPTY_REFERENCE),
                    "kind": kinds,
                    "name": st.text(max_size=30),
                    "inn": st.one_of(
                        st.none(), st.from_regex(r"[0-9]{10}", fullmatch=True)
                    ),
                    "kpp": st.one_of(st.none(), st.just(""), st.just("773601001")),
                },
                optional={
                    "phones": st.lists(st.text(max_size=20), max_size=3),
                    "deletion_mark": st.booleans(),
                },
            ),
            max_size=4,
            # A catalog that lists one reference twice is rejected.
            unique_by=lambda record: record["ref"].lower(),
        )
    )
    return document


@st.composite
def receipt_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a valid counterparties receipt."""
    document = draw(envelopes("counterparties_receipt"))
    document["in_reply_to"] = draw(uuid_texts)
    # A receipt that answers one item twice is rejected.
    items = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["company", "contact"]),
                st.integers(min_value=1, max_value=2**31),
            ),
            max_size=4,
            unique=True,
        )
    )
    results = []
    for entity, b24_id in items:
        status = draw(st.sampled_from(["created", "updated", "matched", "error"]))
        result: dict[str, Any] = {
            "b24_entity": entity,
            "b24_id": b24_id,
            "status": status,
            "message": draw(st.one_of(st.none(), st.text(max_size=30))),
        }
        if status == "error":
            if draw(st.booleans()):
                result["ref"] = draw(references)
        else:
            result["ref"] = draw(
                uuid_texts.filter(lambda text: text != EMPTY_REFERENCE)
            )
        results.append(result)
    document["results"] = results
    return document


local_texts = local_date_times.map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S"))
lower_uuids = st.uuids().map(str)


@st.composite
def outgoing_envelopes(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """Draw a valid envelope as the service writes it."""
    return {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": kind,
        "package_id": draw(lower_uuids),
        "sender": draw(st.text(min_size=1, max_size=64)),
        "number": draw(st.integers(min_value=1, max_value=2**53 - 1)),
        "created_at": draw(local_texts),
    }


@st.composite
def counterparties_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a valid outgoing counterparties package."""
    document = draw(outgoing_envelopes("counterparties"))
    records = []
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["update", "link", "create", "review"]))
        candidates = (
            draw(st.lists(lower_uuids, min_size=1, max_size=3, unique=True))
            if action == "review"
            else []
        )
        deal = draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {
                        "id": st.integers(min_value=1, max_value=10**9),
                        "title": st.text(max_size=10),
                        "stage_id": st.text(max_size=10),
                    }
                ),
            )
        )
        records.append(
            counterparty_record(
                b24_entity=draw(st.sampled_from(["company", "contact"])),
                b24_id=draw(st.integers(min_value=1, max_value=10**9)),
                kind=draw(
                    st.sampled_from(["legal_entity", "entrepreneur", "individual"])
                ),
                ref=draw(st.one_of(st.just(""), lower_uuids)),
                action=action,
                match={
                    "by": draw(
                        st.sampled_from(
                            ["id", "inn_kpp", "inn", "phone", "none", "ambiguous"]
                        )
                    ),
                    "candidates": candidates,
                },
                name=draw(st.text(max_size=20)),
                phones=draw(st.lists(st.text(max_size=15), max_size=2)),
                deal=deal,
                deal_ids=draw(
                    st.lists(st.integers(min_value=1, max_value=10**9), max_size=3)
                ),
                warnings=draw(st.lists(st.text(max_size=20), max_size=2)),
            )
        )
    document["count"] = len(records)
    document["counterparties"] = records
    return document


@st.composite
def orders_receipt_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a valid orders receipt."""
    document = draw(outgoing_envelopes("orders_receipt"))
    outcome = draw(st.sampled_from(["applied", "duplicate"]))
    results = []
    if outcome == "applied":
        for _ in range(draw(st.integers(0, 4))):
            results.append(  # noqa: PERF401 (each draw must run in order)
                {
                    "ref": draw(lower_uuids),
                    "number": draw(st.text(max_size=12)),
                    "document_number": draw(st.text(max_size=12)),
                    "status": draw(
                        st.sampled_from(
                            [
                                "updated",
                                "unchanged",
                                "pending",
                                "suborder",
                                "ignored",
                                "error",
                            ]
                        )
                    ),
                    "deal_id": draw(st.one_of(st.none(), st.integers(1, 10**9))),
                    "message": draw(st.text(max_size=30)),
                    "rollup": draw(st.booleans()),
                }
            )
    document |= {
        "in_reply_to": draw(lower_uuids),
        "source_file": draw(st.text(min_size=1, max_size=30)),
        "sha256": draw(st.binary(min_size=32, max_size=32)).hex(),
        "outcome": outcome,
        "count": len(results),
        "results": results,
    }
    return document


@st.composite
def rejection_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a valid rejection."""
    document = draw(outgoing_envelopes("rejection"))
    errors = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "path": st.text(max_size=20),
                    "value": st.text(max_size=20),
                    "message": st.text(min_size=1, max_size=40),
                }
            ),
            max_size=4,
        )
    )
    document |= {
        "in_reply_to": draw(st.one_of(st.just(""), uuid_texts)),
        "source_file": draw(st.text(min_size=1, max_size=30)),
        "sha256": draw(st.binary(min_size=32, max_size=32)).hex(),
        "count": len(errors),
        "errors_total": len(errors) + draw(st.integers(0, 5)),
        "errors": errors,
    }
    return document


DOCUMENT_STRATEGIES = {
    "orders": orders_documents(),
    "counterparty_catalog": catalog_documents(),
    "counterparties_receipt": receipt_documents(),
    "counterparties": counterparties_documents(),
    "orders_receipt": orders_receipt_documents(),
    "rejection": rejection_documents(),
}
