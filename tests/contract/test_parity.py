"""The compiled validator (jsonschema-rs) agrees with jsonschema on our schemas."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.contract.enums import PackageKind
from exchange.contract.schemas import (
    common_schema,
    detailed_validator,
    fast_validator,
    schema_for,
)
from tests.contract.documents import (
    DOCUMENT_STRATEGIES,
    VALID_DOCUMENTS,
    changed,
    counterparty_record,
)

UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"

# (kind, JSON Pointer, new value, keyword the change breaks)
BROKEN: list[tuple[str, str, Any, str]] = [
    ("orders", "/orders/0/number", 5, "type"),
    ("orders", "/orders/0/realization_date", "31.12.2026", "pattern"),
    ("orders", "/orders/0/realization_date", "2026-01-01\n", "pattern"),
    ("orders", "/orders/0/date", "2026-01-01T10:00:00\n", "pattern"),
    ("orders", "/orders/0/ref", UUID + "\n", "pattern"),
    ("orders", "/orders/0/ref", "00000000-0000-0000-0000-000000000000", "not"),
    ("orders", "/orders/0/date", "0001-01-01T00:00:00", "not"),
    ("orders", "/orders/0/parent_ref", UUID.upper() + "0", "pattern"),
    ("orders", "/orders/0/deletion_mark", "false", "type"),
    ("orders", "/orders/0/modified_at", "2026-01-01 10:00:00", "pattern"),
    ("orders", "/orders/0/modified_at", "2026-01-01T10:00:00+0300", "pattern"),
    ("orders", "/orders/0/realization_date", "2026-1-01", "pattern"),
    ("orders", "/format", "tms", "const"),
    ("orders", "/version", 2, "const"),
    ("orders", "/version", 1.5, "const"),
    ("orders", "/kind", "counterparty_catalog", "const"),
    ("orders", "/sender", "", "minLength"),
    ("orders", "/sender", "x" * 65, "maxLength"),
    ("orders", "/number", 0, "minimum"),
    ("orders", "/number", 2**53, "maximum"),
    ("orders", "/count", 2**53, "maximum"),
    ("counterparties_receipt", "/results/0/b24_id", 2**53, "maximum"),
    ("orders", "/number", 1.5, "type"),
    ("orders", "/number", True, "type"),
    ("orders", "/orders", {}, "type"),
    ("orders", "/orders/0", [], "type"),
    ("orders", "/extra", 1, "additionalProperties"),
    ("orders", "/orders/0/number", "Н" * 129, "maxLength"),
    ("orders", "/orders/0/document_number", "Д" * 129, "maxLength"),
    ("orders", "/orders/0/document_number", " " * 129, "maxLength"),
    ("orders", "/orders/0/date", "0001-01-01T05:00:00", "not"),
    ("orders", "/orders/0/date", "0001-01-01T00:00:00+03:00", "not"),
    ("orders", "/orders/0/modified_at", "0001-01-01T05:00:00", "not"),
    ("orders", "/orders/0/modified_at", "0001-01-01T00:00:01Z", "not"),
    ("orders", "/orders/0/modified_at", "0001-01-01T00:00:00.5", "not"),
    ("orders", "/created_at", "0001-01-01T00:00:00", "not"),
    ("orders", "/created_at", "0001-01-01T19:00:00-05:00", "not"),
    ("counterparty_catalog", "/created_at", "0001-01-01T05:00:00", "not"),
    ("counterparties_receipt", "/created_at", "0001-01-01T00:00:00Z", "not"),
    ("counterparty_catalog", "/counterparties/0/kind", 3, "type"),
    ("counterparty_catalog", "/counterparties/0/phones", ["+7", 7], "items"),
    ("counterparty_catalog", "/complete", "true", "type"),
    ("counterparties_receipt", "/results/0/status", "done", "enum"),
    ("counterparties_receipt", "/results/0/ref", "", "if"),
    ("counterparties_receipt", "/results/0/b24_id", 0, "minimum"),
    ("counterparties", "/counterparties/0/action", "review", "then"),
    ("counterparties", "/counterparties/0/match/candidates", [UUID], "else"),
    ("counterparties", "/counterparties/0/deal", {"id": 1}, "oneOf"),
    ("counterparties", "/counterparties/0/deal", [], "oneOf"),
    ("counterparties", "/counterparties/0/ref", UUID.upper(), "pattern"),
    ("counterparties", "/counterparties/0/b24-id", 1, "propertyNames"),
    ("counterparties", "/counterparties/0/addresses/0/type", "home", "enum"),
    ("counterparties", "/created_at", "2026-03-01T10:15:00Z", "pattern"),
    ("counterparties", "/count", -1, "minimum"),
    ("counterparties", "/created_at", "0001-01-01T00:00:00", "not"),
    ("orders_receipt", "/created_at", "0001-01-01T05:00:00", "not"),
    ("rejection", "/created_at", "0001-01-01T00:00:00", "not"),
    ("rejection", "/errors/0/value", "x" * 81, "maxLength"),
    ("orders_receipt", "/results/0/deal_id", 0, "oneOf"),
    ("orders_receipt", "/results/0/rollup", None, "type"),
    ("orders_receipt", "/sha256", "A" * 64, "pattern"),
    ("orders_receipt", "/source_file", "", "minLength"),
    ("rejection", "/in_reply_to", "x", "anyOf"),
    ("rejection", "/errors/0/message", "", "minLength"),
    ("rejection", "/errors/0", {"path": "", "value": ""}, "required"),
]

VALID_CHANGES: list[tuple[str, str, Any]] = [
    ("orders", "/orders/0/realization_date", "2026-12-01T23:30:00-05:00"),
    ("orders", "/orders/0/realization_date", None),
    ("orders", "/orders/0/parent_ref", ""),
    ("orders", "/orders/0/parent_ref", UUID.upper()),
    ("orders", "/orders/0/modified_at", "2026-01-01T10:00:00.123456789Z"),
    ("orders", "/orders/0/payment_status", None),
    ("orders", "/number", 3.0),
    ("orders", "/orders/0/number", "Н" * 128),
    ("orders", "/orders/0/document_number", "Д" * 128),
    ("orders", "/orders/0/modified_at", "0001-01-01T00:00:00"),
    ("orders", "/orders/0/modified_at", "0001-01-01T00:00:00Z"),
    ("orders", "/orders/0/modified_at", "0001-01-01T00:00:00+05:00"),
    ("orders", "/orders/0/modified_at", "0001-01-01T00:00:00.000"),
    ("orders", "/orders/0/modified_at", None),
    ("orders", "/orders/0/realization_date", "0001-01-01T05:00:00"),
    ("orders", "/orders/0/date", "0001-01-02T00:00:00"),
    (
        "counterparties",
        "/counterparties/0",
        counterparty_record(
            action="review", match={"by": "ambiguous", "candidates": [UUID]}
        ),
    ),
    ("counterparties", "/counterparties/0/deal", None),
    ("orders_receipt", "/results/0/deal_id", None),
    ("rejection", "/in_reply_to", UUID.upper()),
    ("rejection", "/errors/0/value", "x" * 79 + "…"),
]

COVERED_KEYWORDS = {
    "$schema",
    "$comment",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "pattern",
    "not",
    "const",
    "enum",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "uniqueItems",
    "if",
    "then",
    "else",
    "oneOf",
    "anyOf",
    "propertyNames",
}


def both_verdicts(kind: PackageKind, document: Any) -> tuple[bool, bool]:
    """Return the verdicts of the compiled and the pure-Python validator."""
    return fast_validator(kind).is_valid(document), detailed_validator(kind).is_valid(
        document
    )


@pytest.mark.parametrize(("kind", "pointer", "value", "keyword"), BROKEN)
def test_broken_documents_rejected_by_both(
    kind: str, pointer: str, value: Any, keyword: str
) -> None:
    """Both validators reject a document that breaks one keyword."""
    document = changed(VALID_DOCUMENTS[kind](), pointer, value)
    fast, detailed = both_verdicts(PackageKind(kind), document)
    assert fast is False, keyword
    assert detailed is False, keyword


@pytest.mark.parametrize(("kind", "pointer", "value"), VALID_CHANGES)
def test_valid_variants_accepted_by_both(kind: str, pointer: str, value: Any) -> None:
    """Both validators accept every allowed form of a value."""
    document = changed(VALID_DOCUMENTS[kind](), pointer, value)
    fast, detailed = both_verdicts(PackageKind(kind), document)
    assert fast is True
    assert detailed is True


def test_uniqueness_and_lengths_of_arrays() -> None:
    """Duplicate candidates and the candidate count rules agree."""
    record = counterparty_record(
        action="review", match={"by": "ambiguous", "candidates": [UUID, UUID]}
    )
    document = {**VALID_DOCUMENTS["counterparties"](), "counterparties": [record]}
    assert both_verdicts(PackageKind.COUNTERPARTIES, document) == (False, False)


def _keywords(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            if key in {"properties", "$defs"}:
                for child in value.values():
                    found |= _keywords(child)
            elif key not in {"const", "enum"}:
                found |= _keywords(value)
    elif isinstance(schema, list):
        for item in schema:
            found |= _keywords(item)
    return found


def test_every_keyword_covered() -> None:
    """Every keyword our schemas use is covered by the parity cases above."""
    used = _keywords(common_schema())
    for kind in PackageKind:
        used |= _keywords(schema_for(kind))
    assert used <= COVERED_KEYWORDS, used - COVERED_KEYWORDS
    broken_keywords = {keyword for *_, keyword in BROKEN}
    assertion_keywords = COVERED_KEYWORDS - {
        "$schema",
        "$comment",
        "$id",
        "$defs",
        "$ref",
        "title",
        "description",
        "properties",
        "minItems",
        "maxItems",
        "uniqueItems",
    }
    assert assertion_keywords - broken_keywords == set()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(
        [
            UUID,
            UUID.upper(),
            "",
            "0001-01-01T00:00:00",
            "0001-01-01T00:00:00Z",
            "0001-01-01T05:00:00",
            "0001-01-01T00:00:00.5",
            "2026-01-01",
            "2026-01-01\n",
            "Н" * 128,
            "Н" * 129,
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _leaf_pointers(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        pointers = [prefix + "/" + key for key in value]
        for key, child in value.items():
            pointers += _leaf_pointers(child, prefix + "/" + key)
        return pointers
    if isinstance(value, list):
        pointers = [f"{prefix}/{index}" for index in range(len(value))]
        for index, child in enumerate(value):
            pointers += _leaf_pointers(child, f"{prefix}/{index}")
        return pointers
    return []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
@pytest.mark.parametrize("kind", [kind.value for kind in PackageKind])
def test_random_mutations_same_verdict(kind: str, data: st.DataObject) -> None:
    """Any value put anywhere in a valid document gets the same verdict."""
    document = copy.deepcopy(data.draw(DOCUMENT_STRATEGIES[kind]))
    pointers = _leaf_pointers(document)
    pointer = data.draw(st.sampled_from(pointers))
    mutated = changed(document, pointer, data.draw(json_values))
    fast, detailed = both_verdicts(PackageKind(kind), mutated)
    assert fast == detailed
