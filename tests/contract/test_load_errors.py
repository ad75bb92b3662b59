"""Contract violations found by load_package: paths, messages, order, cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange.contract.load import ContractSettings, LoadedFile, load_file, load_package
from exchange.contract.problems import Problem
from tests.contract.documents import (
    ORDER_REF,
    PACKAGE_ID,
    catalog_package,
    changed,
    encode,
    order,
    orders_package,
    receipt_package,
)


def load(document: object, **settings: int) -> LoadedFile:
    """Load a document serialized as 1C would send it."""
    return load_package(
        encode(document), "orders_TMS_7.json", ContractSettings(**settings)
    )


def only_problem(result: LoadedFile) -> Problem:
    """Return the single problem of a rejected file."""
    assert result.package is None
    assert len(result.problems) == 1, result.problems
    return result.problems[0]


def test_valid_package_loads() -> None:
    """A valid orders package gives a typed package and no problems."""
    result = load(orders_package())
    assert result.problems == []
    assert result.errors_total == 0
    assert result.package is not None
    assert result.package.orders[0].ref == ORDER_REF


def test_bom_and_crlf_accepted() -> None:
    """A UTF-8 byte order mark and CRLF line ends are accepted."""
    data = b"\xef\xbb\xbf" + encode(orders_package()).replace(b",", b",\r\n")
    result = load_package(data, "bom.json")
    assert result.problems == []
    assert result.package is not None


def test_realization_date_message() -> None:
    """A date in Russian notation names path, value, rule and 1C attribute."""
    result = load(orders_package(order(realization_date="31.12.2026")))
    problem = only_problem(result)
    assert problem.path == "/orders/0/realization_date"
    assert problem.value == '"31.12.2026"'
    assert problem.message.startswith("is not a date; Дата реализации")
    assert "YYYY-MM-DD" in problem.message
    assert "0001-01-01T00:00:00" in problem.message
    line = problem.describe("orders_TMS_7.json")
    assert line.startswith(
        'orders_TMS_7.json: /orders/0/realization_date: "31.12.2026": '
    )


def test_impossible_calendar_date() -> None:
    """30 February passes the pattern and is still reported like a schema error."""
    result = load(orders_package(order(realization_date="2026-02-30")))
    problem = only_problem(result)
    assert problem.path == "/orders/0/realization_date"
    assert "no such calendar date" in problem.message


def test_missing_required_field() -> None:
    """A missing field is named with its path and how to write it empty."""
    record = order()
    del record["parent_ref"]
    problem = only_problem(load(orders_package(record)))
    assert problem.path == "/orders/0/parent_ref"
    assert "required field is missing" in problem.message
    assert "Головной заказ" in problem.message
    assert "00000000-0000-0000-0000-000000000000" in problem.message


def test_wrong_type() -> None:
    """A number where a string belongs names both types."""
    problem = only_problem(load(orders_package(order(number=123))))
    assert problem.path == "/orders/0/number"
    assert problem.message == "is a number; Номер (number) must be a string"


def test_empty_ref_rejected() -> None:
    """The order's own reference must not be the empty reference."""
    document = orders_package(order(ref="00000000-0000-0000-0000-000000000000"))
    problem = only_problem(load(document))
    assert problem.path == "/orders/0/ref"
    assert "must not be the empty reference" in problem.message


def test_unknown_payment_status() -> None:
    """An unknown enumeration value is reported like a schema error."""
    problem = only_problem(load(orders_package(order(payment_status="Оплачен"))))
    assert problem.path == "/orders/0/payment_status"
    assert problem.value == '"Оплачен"'
    assert "Статус оплаты" in problem.message
    assert "НеОплачен (Не оплачен)" in problem.message


def test_unknown_top_level_field() -> None:
    """An unknown top-level field is rejected and the allowed ones listed."""
    problem = only_problem(load({**orders_package(), "ordres": []}))
    assert problem.path == "/ordres"
    assert 'unknown top-level field "ordres"' in problem.message
    assert "format, version, kind" in problem.message


def test_unknown_field_in_record_allowed() -> None:
    """Unknown fields inside an order are ignored."""
    result = load(orders_package(order(Контрагент="ООО Ромашка")))
    assert result.problems == []


def test_empty_date_not_allowed_for_document_date() -> None:
    """The document date must be set; the empty date is a violation."""
    problem = only_problem(load(orders_package(order(date="0001-01-01T00:00:00"))))
    assert problem.path == "/orders/0/date"
    assert "must be set" in problem.message


def test_sender_length() -> None:
    """The sender must be 1 to 64 characters."""
    problem = only_problem(load({**orders_package(), "sender": "N" * 65}))
    assert problem.path == "/sender"
    assert "1 to 64 characters" in problem.message


def test_number_minimum() -> None:
    """The message number must be at least 1."""
    problem = only_problem(load({**orders_package(), "number": 0}))
    assert problem.path == "/number"
    assert "at least 1" in problem.message


def test_unknown_version_rejected() -> None:
    """An unknown contract version is rejected before the schema."""
    problem = only_problem(load({**orders_package(), "version": 2}))
    assert problem.path == "/version"
    assert problem.value == "2"
    assert "unknown contract version" in problem.message


def test_missing_envelope_fields_listed() -> None:
    """A file with only its format lists every missing envelope field at once."""
    result = load({"format": "tms-b24-exchange"})

    assert result.package is None
    assert [problem.path for problem in result.problems] == [
        "/version",
        "/kind",
        "/package_id",
        "/sender",
        "/number",
        "/created_at",
    ]
    for problem in result.problems:
        assert problem.value == "", problem.path
        assert problem.message.startswith("required field is missing;"), problem.path
        assert "unknown" not in problem.message, problem.path
    messages = {problem.path: problem.message for problem in result.problems}
    assert "Версия формата (version) must be present; write 1" in messages["/version"]
    assert (
        "Вид пакета (kind) must be present; write one of: orders, "
        "counterparty_catalog, counterparties_receipt"
    ) in messages["/kind"]
    assert "write a new UUID for each package" in messages["/package_id"]
    assert "write the code of the 1C exchange node" in messages["/sender"]
    assert "write the message number: 1, 2, 3" in messages["/number"]
    assert "ТекущаяДатаСеанса()" in messages["/created_at"]


def test_missing_format_beside_bad_version() -> None:
    """A missing format is named as missing, next to a version that is unknown."""
    document = orders_package()
    del document["format"]
    del document["sender"]
    document["version"] = 2

    result = load(document)

    paths = [problem.path for problem in result.problems]
    assert paths == ["/format", "/version", "/sender"]
    assert result.problems[0].message.startswith("required field is missing;")
    assert 'write "tms-b24-exchange"' in result.problems[0].message
    assert "unknown contract version" in result.problems[1].message
    assert result.problems[1].value == "2"
    assert "write the code of the 1C exchange node" in result.problems[2].message


def test_null_kind_is_unknown_not_missing() -> None:
    """A kind written as null is present, so it is reported as unknown."""
    problem = only_problem(load({**orders_package(), "kind": None}))
    assert problem.path == "/kind"
    assert problem.value == "null"
    assert "unknown package kind" in problem.message


@pytest.mark.parametrize("kind", [[], {"name": "orders"}, 1])
def test_kind_not_string_rejected(kind: object) -> None:
    """A kind that is not a string is an unknown kind, not a crash."""
    problem = only_problem(load({**orders_package(), "kind": kind}))
    assert problem.path == "/kind"
    assert "unknown package kind" in problem.message


def test_missing_package_id_has_fix() -> None:
    """A missing package_id of a known kind is listed with the other violations."""
    document = orders_package(order(number=123))
    del document["package_id"]

    result = load(document)

    messages = {problem.path: problem.message for problem in result.problems}
    assert sorted(messages) == ["/orders/0/number", "/package_id"]
    assert messages["/package_id"].startswith("required field is missing;")
    assert "write a new UUID for each package" in messages["/package_id"]


def test_wrong_format_rejected() -> None:
    """A file of another format is rejected with the expected format name."""
    problem = only_problem(load({**orders_package(), "format": "other"}))
    assert problem.path == "/format"
    assert '"tms-b24-exchange"' in problem.message


@pytest.mark.parametrize("kind", ["counterparties", "orders_receipt", "rejection"])
def test_outgoing_kind_rejected(kind: str) -> None:
    """A kind the service writes is not accepted from 1C."""
    problem = only_problem(load({**orders_package(), "kind": kind}))
    assert problem.path == "/kind"
    assert "not accepted from 1C" in problem.message


def test_unknown_kind_rejected() -> None:
    """An unknown kind is rejected and the incoming kinds listed."""
    problem = only_problem(load({**orders_package(), "kind": "invoices"}))
    assert problem.path == "/kind"
    assert "orders, counterparty_catalog, counterparties_receipt" in problem.message


def test_records_of_other_kind() -> None:
    """Counterparty records in a file of kind orders are named as such."""
    document = {**catalog_package(), "kind": "orders"}
    document.pop("complete")
    problem = only_problem(load(document))
    assert problem.path == "/kind"
    assert 'holds "counterparties"' in problem.message
    assert "counterparty_catalog" in problem.message


def test_xdto_record() -> None:
    """An order in XDTO form gets one clear message, not a list of fields."""
    xdto = {"#type": "jcfg:DocumentObject.ЗаказНаТС", "#value": {"Ref": ORDER_REF}}
    problem = only_problem(load(orders_package(order(), xdto)))
    assert problem.path == "/orders/1"
    assert "XDTO" in problem.message
    assert "ЗаписатьJSON" in problem.message


def test_xdto_value() -> None:
    """A field value in XDTO form is named as such."""
    xdto = {"#type": "jcfg:EnumRef.СтатусыОплаты", "#value": "НеОплачен"}
    problem = only_problem(load(orders_package(order(payment_status=xdto))))
    assert problem.path == "/orders/0/payment_status"
    assert "XDTO" in problem.message


def test_all_errors_reported_in_document_order() -> None:
    """Every violation of a file is listed, ordered by position."""
    orders = [
        order(ref=f"{index:08d}-d9cb-469f-a165-70867728950e") for index in range(1, 4)
    ]
    orders[2]["realization_date"] = "bad"
    orders[0]["number"] = 1
    document = {**orders_package(*orders), "sender": ""}
    result = load(document)
    paths = [problem.path for problem in result.problems]
    assert paths == ["/orders/0/number", "/orders/2/realization_date", "/sender"]
    assert result.errors_total == 3


def test_error_cap() -> None:
    """Problems beyond the cap are counted but not listed."""
    orders = [
        order(ref=f"{index:08d}-d9cb-469f-a165-70867728950e", number=index)
        for index in range(1, 8)
    ]
    result = load(orders_package(*orders), max_errors=5)
    assert len(result.problems) == 5
    assert result.errors_total == 7
    assert result.problems[0].path == "/orders/0/number"


def test_envelope_read_from_rejected_file() -> None:
    """The package id is available for the rejection even when rejected."""
    result = load(orders_package(order(number=1)))
    assert result.problems
    assert result.envelope is not None
    assert result.envelope.package_id == PACKAGE_ID
    assert result.envelope.number == 7


def test_sha256_of_raw_bytes() -> None:
    """The hash covers the raw bytes, byte order mark included."""
    data = b"\xef\xbb\xbf" + encode(orders_package())
    import hashlib

    assert load_package(data, "x.json").sha256 == hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------ order of checks


def test_size_checked_before_decoding() -> None:
    """An oversized file is rejected for its size even if it is not UTF-8."""
    data = "ТЛ".encode("cp1251") * 600
    result = load_package(data, "big.json", ContractSettings(max_bytes=1000))
    problem = only_problem(result)
    assert "1200 bytes" in problem.message
    assert "1000 bytes" in problem.message
    assert "[inbox] max_file_mib" in problem.message


def test_load_file_checks_size_before_reading(tmp_path: Path) -> None:
    """load_file rejects a large file from its size alone."""
    path = tmp_path / "big.json"
    path.write_bytes(b"x" * 2048)
    result = load_file(path, ContractSettings(max_bytes=1024))
    assert result.size == 2048
    assert "larger than the limit" in only_problem(result).message
    assert result.sha256 == ""


def test_decoding_checked_before_json() -> None:
    """A UTF-16 file is rejected for its encoding, not as broken JSON."""
    data = "\ufeff".encode("utf-16-le") + '{"a": 1}'.encode("utf-16-le")
    problem = only_problem(load_package(data, "u16.json"))
    assert "UTF-16" in problem.message
    assert "UTF-8" in problem.message


def test_utf16_without_bom() -> None:
    """UTF-16 without a byte order mark is recognized by its NUL bytes."""
    problem = only_problem(load_package('{"a": 1}'.encode("utf-16-le"), "u16.json"))
    assert "UTF-16" in problem.message


def test_windows_1251_named() -> None:
    """A Windows-1251 file gets a message naming Windows-1251 and UTF-8."""
    text = encode(orders_package()).decode("utf-8")
    problem = only_problem(load_package(text.encode("cp1251"), "ansi.json"))
    assert "Windows-1251" in problem.message
    assert "UTF-8" in problem.message


def test_invalid_utf8_not_cyrillic() -> None:
    """Invalid UTF-8 that is no Cyrillic text names the byte and offset."""
    # 0x98 is the one byte that Windows-1251 leaves undefined.
    problem = only_problem(load_package(b'{"a": "\x98"}', "bad.json"))
    assert "not valid UTF-8" in problem.message
    assert "0x98 at offset 7" in problem.message
    assert "Windows-1251" not in problem.message


def test_json_error_line_and_column() -> None:
    """A syntax error gives line and column, counted in characters."""
    data = '{\r\n"format": "ТЛ" x\r\n}'.encode()
    problem = only_problem(load_package(data, "broken.json"))
    assert "line 2, column 16" in problem.message
    assert problem.value == '"format": "ТЛ" x'


def test_truncated_file() -> None:
    """A truncated file is not valid JSON."""
    data = encode(orders_package())[:-10]
    problem = only_problem(load_package(data, "cut.json"))
    assert problem.message.startswith("file is not valid JSON")


def test_empty_file() -> None:
    """An empty file is named as empty."""
    problem = only_problem(load_package(b"\xef\xbb\xbf", "empty.json"))
    assert "file is empty" in problem.message


def test_json_before_schema() -> None:
    """A top-level array is rejected as not being a package object."""
    problem = only_problem(load_package(b"[]", "array.json"))
    assert "one JSON object" in problem.message


def test_catalog_and_receipt_load() -> None:
    """The other incoming kinds build their typed packages."""
    catalog = load(catalog_package())
    receipt = load(receipt_package())
    assert catalog.problems == []
    assert receipt.problems == []


def test_receipt_ref_required_unless_error() -> None:
    """A successful result must name the 1C counterparty."""
    document = changed(receipt_package(), "/results/0/ref", "")
    problem = only_problem(load(document))
    assert problem.path == "/results/0/ref"
    assert "must not be the empty reference" in problem.message


@pytest.mark.parametrize(
    ("status", "rule"),
    [
        ("created", "must not be the empty reference"),
        ("error", "or null for none"),
    ],
)
def test_receipt_bad_ref_gets_one_error(status: str, rule: str) -> None:
    """A result's ref that is not a UUID gets one error: the rule of its status."""
    document = changed(receipt_package(), "/results/0/ref", "not-a-uuid")
    document = changed(document, "/results/0/status", status)

    problem = only_problem(load(document))

    assert problem.path == "/results/0/ref"
    assert problem.value == '"not-a-uuid"'
    assert rule in problem.message


def test_receipt_missing_ref_hint() -> None:
    """A successful result without ref gets no hint that null is accepted."""
    document = receipt_package()
    del document["results"][0]["ref"]

    problem = only_problem(load(document))

    assert problem.path == "/results/0/ref"
    assert "missing" in problem.message
    assert "null" not in problem.message


def test_receipt_repeated_item_rejected() -> None:
    """A receipt naming one item twice is rejected at both rows."""
    document = receipt_package()
    document["results"][1] |= {"b24_entity": "company", "b24_id": 42}

    result = load(document)

    assert result.package is None
    assert [(p.path, p.value) for p in result.problems] == [
        ("/results/0/b24_id", "42"),
        ("/results/1/b24_id", "42"),
    ]


def test_receipt_same_id_other_entity_loads() -> None:
    """A company and a contact with the same ID are two items."""
    document = receipt_package()
    document["results"][1]["b24_id"] = 42

    result = load(document)

    assert result.problems == []


def test_catalog_repeated_ref_rejected() -> None:
    """A catalog listing one reference twice, in any case, is rejected."""
    document = catalog_package()
    first = document["counterparties"][0]
    document["counterparties"].append(first | {"ref": first["ref"].upper()})

    result = load(document)

    assert result.package is None
    assert [p.path for p in result.problems] == [
        "/counterparties/0/ref",
        "/counterparties/1/ref",
    ]
    assert result.problems[1].value == f'"{first["ref"].upper()}"'
