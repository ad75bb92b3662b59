"""Check the files in samples/ against the contract and against each other."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exchange import jsonio
from exchange.contract.enums import PackageKind
from exchange.contract.load import load_file, validate_outgoing

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
OUTGOING = SAMPLES / "outgoing"
INVALID = SAMPLES / "invalid"
EXPECTED_FILE = Path(__file__).with_name("invalid_samples_expected.json")

INCOMING_FILES = sorted(SAMPLES.glob("*.json"))
OUTGOING_FILES = sorted(OUTGOING.glob("*.json"))
EXPECTED: dict[str, Any] = jsonio.loads(EXPECTED_FILE.read_bytes())

EMPTY_DATE = "0001-01-01T00:00:00"
BOM = b"\xef\xbb\xbf"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LOCAL_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
MAIN_ARRAY = {
    "counterparties": "counterparties",
    "orders_receipt": "results",
    "rejection": "errors",
}
NULLABLE_KEYS = {"deal", "deal_id"}

# Payment status names and presentations, from the customer's assignment.
PRESENTATION = {
    "НеОплачен": "Не оплачен",
    "ОплаченЧастично": "Оплачен частично",
    "ОплаченПолностью": "Оплачен полностью",
}
STATUS_NAME = {
    "".join(text.split()).casefold(): name for name, text in PRESENTATION.items()
}
STATUS_NAME |= {name.casefold(): name for name in PRESENTATION}


def read_json(path: Path) -> Any:
    """Parse a sample file, skipping a UTF-8 byte order mark."""
    return jsonio.loads(path.read_bytes().removeprefix(BOM))


def file_ids(paths: list[Path]) -> list[str]:
    """Name parametrized cases by file name."""
    return [path.name for path in paths]


# ------------------------------------------------------------ valid samples


@pytest.mark.parametrize("path", INCOMING_FILES, ids=file_ids(INCOMING_FILES))
def test_incoming_sample_is_valid(path: Path) -> None:
    """Each incoming sample loads without a contract or business problem."""
    loaded = load_file(path)

    assert loaded.problems == []
    assert loaded.errors_total == 0
    assert loaded.order_problems == []
    assert loaded.package is not None


@pytest.mark.parametrize("path", OUTGOING_FILES, ids=file_ids(OUTGOING_FILES))
def test_outgoing_sample_is_valid(path: Path) -> None:
    """Each outgoing sample passes the validator for its kind."""
    document = read_json(path)

    assert validate_outgoing(PackageKind(document["kind"]), document) == []


def walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Yield every (key, value) pair of a JSON document, depth first."""
    yield key, value
    if isinstance(value, dict):
        for name, item in value.items():
            yield from walk(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, key)


@pytest.mark.parametrize("path", OUTGOING_FILES, ids=file_ids(OUTGOING_FILES))
def test_outgoing_sample_is_readable_by_1c(path: Path) -> None:
    """Each outgoing sample follows the rules that let 1C read it."""
    data = path.read_bytes()
    document = jsonio.loads(data)
    pairs = list(walk(document))
    keys = {
        name
        for value in (v for _, v in pairs)
        if isinstance(value, dict)
        for name in value
    }
    date_texts = [
        v for _, v in pairs if isinstance(v, str) and re.match(r"\d{4}-\d{2}-\d{2}T", v)
    ]
    nulls = {name for name, value in pairs if value is None}

    assert not data.startswith(BOM)
    assert data.decode("utf-8")
    assert [key for key in keys if not IDENTIFIER.fullmatch(key)] == []
    assert document["count"] == len(document[MAIN_ARRAY[document["kind"]]])
    assert date_texts
    assert [text for text in date_texts if not LOCAL_DATE_TIME.fullmatch(text)] == []
    assert nulls <= NULLABLE_KEYS


def test_samples_show_how_1c_writes() -> None:
    """The incoming samples include a BOM, CRLF, LF, empty dates and a presentation."""
    contents = {path.name: path.read_bytes() for path in INCOMING_FILES}
    orders_text = b"".join(
        data for name, data in contents.items() if name.startswith("orders_")
    )

    assert any(data.startswith(BOM) for data in contents.values())
    assert any(not data.startswith(BOM) for data in contents.values())
    assert any(b"\r\n" in data for data in contents.values())
    assert any(b"\r\n" not in data for data in contents.values())
    assert all(b"\\u04" not in data for data in contents.values())
    assert EMPTY_DATE.encode() in orders_text
    assert '"Оплачен частично"'.encode() in orders_text
    assert '"ОплаченЧастично"'.encode() in orders_text


# ---------------------------------------------------- samples that agree


def test_orders_receipt_answers_package_1() -> None:
    """The receipt sample names package 1, its file, its hash and each of its orders."""
    source = SAMPLES / "orders_TMS_1.json"
    package = read_json(source)
    receipt = read_json(OUTGOING / "orders_receipt_B24_2.json")
    rows = receipt["results"]

    assert receipt["in_reply_to"] == package["package_id"]
    assert receipt["source_file"] == source.name
    assert receipt["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert receipt["outcome"] == "applied"
    assert [row["ref"] for row in rows] == [order["ref"] for order in package["orders"]]
    assert [row["number"] for row in rows] == [
        order["number"] for order in package["orders"]
    ]
    assert [row["document_number"] for row in rows] == [
        order["document_number"] for order in package["orders"]
    ]
    assert {row["rollup"] for row in rows} == {False}
    assert {row["status"] for row in rows} == {
        "updated",
        "unchanged",
        "pending",
        "suborder",
        "ignored",
        "error",
    }


def test_rejection_answers_bad_date() -> None:
    """The rejection sample names bad_date.json and lists the validator's error."""
    source = INVALID / "bad_date.json"
    rejected = read_json(source)
    rejection = read_json(OUTGOING / "rejection_B24_3.json")
    loaded = load_file(source)

    assert rejection["in_reply_to"] == rejected["package_id"]
    assert rejection["source_file"] == source.name
    assert rejection["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert rejection["errors_total"] == len(rejection["errors"])
    assert [(e["path"], e["value"]) for e in rejection["errors"]] == [
        (problem.path, problem.value) for problem in loaded.problems
    ]


def test_counterparties_receipt_answers_export() -> None:
    """1C's receipt sample replies to the export sample, one result per counterparty."""
    export = read_json(OUTGOING / "counterparties_B24_1.json")
    receipt = read_json(SAMPLES / "counterparties_receipt_TMS_4.json")
    exported = [
        (item["b24_entity"], item["b24_id"]) for item in export["counterparties"]
    ]
    answered = [(item["b24_entity"], item["b24_id"]) for item in receipt["results"]]

    assert receipt["in_reply_to"] == export["package_id"]
    assert sorted(answered) == sorted(exported)
    assert {item["status"] for item in receipt["results"]} == {
        "created",
        "updated",
        "matched",
        "error",
    }


def test_export_refs_come_from_catalog() -> None:
    """Every 1C reference in the export sample is a live entry of the catalog sample."""
    catalog = read_json(SAMPLES / "counterparty_catalog_TMS_3.json")
    export = read_json(OUTGOING / "counterparties_B24_1.json")
    live = {
        item["ref"] for item in catalog["counterparties"] if not item["deletion_mark"]
    }
    named = {item["ref"] for item in export["counterparties"] if item["ref"]}
    named |= {
        ref for item in export["counterparties"] for ref in item["match"]["candidates"]
    }

    assert named
    assert named <= live


# ---------------------------------------------------------- invalid samples


def test_invalid_samples_all_listed() -> None:
    """The expected errors list exactly the files in samples/invalid/."""
    names = {path.name for path in INVALID.glob("*.json")} - {EXPECTED_FILE.name}

    assert set(EXPECTED) == names


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if EXPECTED[n]["rejected"]))
def test_invalid_sample_is_rejected(name: str) -> None:
    """Each broken file is rejected with exactly the listed errors."""
    expected = EXPECTED[name]["errors"]
    loaded = load_file(INVALID / name)
    problems = sorted(loaded.problems, key=lambda problem: problem.path)
    wanted = sorted(expected, key=lambda error: error["path"])

    assert loaded.package is None
    assert [problem.path for problem in problems] == [error["path"] for error in wanted]
    assert loaded.errors_total == len(wanted)
    for problem, error in zip(problems, wanted, strict=True):
        assert error["message_contains"] in problem.message, problem.message
    assert loaded.order_problems == []


@pytest.mark.parametrize(
    "name", sorted(n for n in EXPECTED if not EXPECTED[n]["rejected"])
)
def test_semantic_sample_gives_order_errors(name: str) -> None:
    """Each file failing business checks is applied, with errors on listed orders."""
    expected = EXPECTED[name]["order_errors"]
    loaded = load_file(INVALID / name)
    problems = sorted(loaded.order_problems, key=lambda problem: problem.index)

    assert loaded.problems == []
    assert loaded.package is not None
    assert [(p.index, p.path) for p in problems] == [
        (e["index"], e["path"]) for e in expected
    ]
    for problem, error in zip(problems, expected, strict=True):
        assert error["message_contains"] in problem.message, problem.message


# ------------------------------------------------- README outcome tables


def readme_rows(heading: str) -> list[list[str]]:
    """Return the cells of the table under ``heading`` in samples/README.md."""
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    section = text.split(f"### {heading}", 1)[1].split("\n#", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    # The first two lines are the header and the separator.
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def table_value(cell: str) -> str:
    """Turn a README cell back into the value in the file ("—" is empty)."""
    return "" if cell == "—" else cell


def file_date(value: str) -> str:
    """Turn a sample's realization date into YYYY-MM-DD, or "" for empty."""
    return "" if value == EMPTY_DATE else value[:10]


def file_flags(order: dict[str, Any]) -> str:
    """Describe the deletion mark and posting of an order as the README does."""
    flags = ["deleted"] if order["deletion_mark"] else []
    return ", ".join([*flags, *([] if order["posted"] else ["unposted"])])


def test_readme_table_matches_package_1() -> None:
    """The README table describes each order of package 1 in file order."""
    orders = read_json(SAMPLES / "orders_TMS_1.json")["orders"]
    number_of = {order["ref"]: order["number"] for order in orders}
    rows = readme_rows("orders_TMS_1.json")
    described = [
        (row[1], table_value(row[2]), table_value(row[3]), row[4], row[5], row[6])
        for row in rows
    ]
    in_file = [
        (
            order["number"],
            order["document_number"],
            number_of.get(order["parent_ref"], ""),
            order["payment_status"] or "—",
            file_date(order["realization_date"]) or "—",
            file_flags(order),
        )
        for order in orders
    ]

    assert described == in_file


def test_readme_table_matches_receipt() -> None:
    """The README's receipt statuses and deal ids are those of the receipt sample."""
    receipt = read_json(OUTGOING / "orders_receipt_B24_2.json")
    rows = readme_rows("orders_TMS_1.json")
    described = [
        (row[1], row[7], None if row[8] == "null" else int(row[8])) for row in rows
    ]
    in_receipt = [
        (row["number"], row["status"], row["deal_id"]) for row in receipt["results"]
    ]

    assert described == in_receipt


def own_values(order: dict[str, Any]) -> tuple[str, str]:
    """Return an order's own payment status name and date; empty status is not paid."""
    text = order["payment_status"] or "НеОплачен"
    return STATUS_NAME["".join(text.split()).casefold()], file_date(
        order["realization_date"]
    )


def rolled_up(ref: str, orders: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """Compute the values for an order's deal by the multimodal rollup rules."""
    children = [
        order
        for order in orders.values()
        if order["parent_ref"] == ref and order["posted"] and not order["deletion_mark"]
    ]
    if not children:
        return own_values(orders[ref])
    values = [rolled_up(child["ref"], orders) for child in children]
    statuses = {status for status, _ in values}
    status = statuses.pop() if len(statuses) == 1 else "ОплаченЧастично"
    dates = [date for _, date in values]
    return status, max(dates) if all(dates) else ""


def deal_values(orders: dict[str, dict[str, Any]], ref: str) -> str:
    """Format the rolled-up values of an order as the README's "deal gets" column."""
    status, date = rolled_up(ref, orders)
    return f"{PRESENTATION[status]}, {date or '—'}"


@pytest.mark.parametrize(
    "heading", ["orders_TMS_1.json", "orders_TMS_2.json (after package 1)"]
)
def test_readme_deal_values_follow_rules(heading: str) -> None:
    """The README's "deal gets" column is what the rollup rules give."""
    state: dict[str, dict[str, Any]] = {}
    for name in ("orders_TMS_1.json", "orders_TMS_2.json"):
        state |= {order["ref"]: order for order in read_json(SAMPLES / name)["orders"]}
        if heading.startswith(name):
            break
    ref_of = {order["number"]: ref for ref, order in state.items()}
    rows = [row for row in readme_rows(heading) if row[7] in {"updated", "unchanged"}]

    assert rows
    for row in rows:
        assert row[9] == deal_values(state, ref_of[row[1]]), row[1]
