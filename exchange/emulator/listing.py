"""Filtering, field selection, ordering and paging of ``*.list`` methods."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from exchange.emulator.errors import MethodError
from exchange.emulator.fields import MULTI_FIELDS, FieldDef, comparison_key
from exchange.emulator.params import values_of
from exchange.emulator.store import Portal

PAGE_SIZE = 50

# Longest prefixes first, so ">=" is not read as ">" plus a field "=CODE".
_OPERATORS = ("!@", "!%", "!=", ">=", "<=", "@", "%", "=", "!", ">", "<")
_IN_OPERATOR_MODES = ("supported", "ignored", "error")
_EXACT_OPERATORS = frozenset({"=", "@"})


@dataclass(frozen=True)
class Condition:
    """One filter condition: an operator applied to a field."""

    operator: str
    code: str
    value: Any


def parse_filter(
    raw_filter: Any,
    definitions: Mapping[str, FieldDef],
    *,
    in_operator_on_uf: str = "supported",
) -> list[Condition]:
    """Read a ``filter`` parameter; unknown field codes are dropped silently.

    ``in_operator_on_uf`` decides what ``@`` does on a custom ``UF_`` field:
    ``supported`` filters, ``ignored`` drops the condition like an unknown
    key, ``error`` raises a 400 error.
    """
    if in_operator_on_uf not in _IN_OPERATOR_MODES:
        raise ValueError(f"in_operator_on_uf must be one of {_IN_OPERATOR_MODES}")
    if not isinstance(raw_filter, dict):
        return []
    conditions: list[Condition] = []
    for key, value in raw_filter.items():
        operator, code = _split_operator(str(key))
        if code not in definitions:
            continue
        if operator == "@" and code.startswith("UF_"):
            if in_operator_on_uf == "ignored":
                continue
            if in_operator_on_uf == "error":
                # NOTE: the error code and text a real portal returns here are
                # not known; this is a plausible 400 error, not a recorded one.
                raise MethodError(
                    400,
                    "",
                    f"Filter operator '@' is not supported for field {code}.",
                )
        conditions.append(Condition(operator, code, value))
    return conditions


def _split_operator(key: str) -> tuple[str, str]:
    for operator in _OPERATORS:
        if key.startswith(operator):
            return operator, key[len(operator) :]
    return "=", key


def filter_table(
    portal: Portal, entity: str, conditions: list[Condition]
) -> list[dict[str, Any]]:
    """Return the rows of an entity table that satisfy every condition, in
    table order, as :func:`matches` on each row would select them.

    With an ``=`` or ``@`` condition on a single-value field, the portal's
    field index supplies the rows holding those values, and only they are
    checked against the other conditions. The condition with the fewest
    such rows is used.
    """
    definitions = portal.fields[entity]
    narrowest: tuple[Condition, list[dict[str, Any]]] | None = None
    for condition in conditions:
        definition = definitions[condition.code]
        if (
            condition.operator not in _EXACT_OPERATORS
            or definition.multiple
            or condition.code in MULTI_FIELDS
        ):
            continue
        keys = [
            comparison_key(definition, value, portal.zone)
            for value in _expected_values(condition.value)
        ]
        found = portal.find_rows(entity, condition.code, keys)
        if narrowest is None or len(found) < len(narrowest[1]):
            narrowest = (condition, found)
    if narrowest is None:
        rows = list(portal.table(entity).values())
        remaining = conditions
    else:
        rows = narrowest[1]
        remaining = [item for item in conditions if item is not narrowest[0]]
    return [row for row in rows if matches(row, remaining, definitions, portal.zone)]


def matches(
    row: Mapping[str, Any],
    conditions: Iterable[Condition],
    definitions: Mapping[str, FieldDef],
    zone: tzinfo,
) -> bool:
    """Tell whether a row satisfies every condition."""
    return all(_matches_one(row, item, definitions, zone) for item in conditions)


def _matches_one(
    row: Mapping[str, Any],
    condition: Condition,
    definitions: Mapping[str, FieldDef],
    zone: tzinfo,
) -> bool:
    definition = definitions.get(condition.code)
    stored = row.get(condition.code)
    if condition.code in MULTI_FIELDS:
        candidates = [item.get("VALUE") for item in stored or []] or [None]
    else:
        candidates = [stored]
    operator = condition.operator
    negated = operator in {"!", "!=", "!@", "!%"}
    positive = {"!": "=", "!=": "=", "!@": "@", "!%": "%"}.get(operator, operator)
    hit = any(
        _test(positive, definition, value, condition.value, zone)
        for value in candidates
    )
    return not hit if negated else hit


def _test(
    operator: str, definition: FieldDef | None, stored: Any, expected: Any, zone: tzinfo
) -> bool:
    if operator == "%":
        if stored is None:
            return False
        # NOTE: an empty list raises IndexError here, so the request ends
        # without a response; what a portal returns for it is not known.
        needle = str(values_of(expected)[0]).lower() if expected is not None else ""
        return needle in str(stored).lower()
    stored_key = comparison_key(definition, stored, zone)
    if operator in _EXACT_OPERATORS:
        return any(
            stored_key == comparison_key(definition, value, zone)
            for value in _expected_values(expected)
        )
    expected_key = comparison_key(definition, expected, zone)
    if stored_key[0] == 0 and expected_key[0] != 0:
        return False
    if operator == ">":
        return stored_key > expected_key
    if operator == ">=":
        return stored_key >= expected_key
    if operator == "<":
        return stored_key < expected_key
    return stored_key <= expected_key


def _expected_values(expected: Any) -> list[Any]:
    """Return the values an ``=`` or ``@`` condition accepts."""
    return values_of(expected) if isinstance(expected, (list, dict)) else [expected]


def resolve_select(raw_select: Any, definitions: Mapping[str, FieldDef]) -> list[str]:
    """Return the field codes a ``select`` names, ID first.

    ``*`` means the standard fields without PHONE/EMAIL, ``UF_*`` the custom
    fields; other names are taken when the entity has them. An empty select
    means ``*``.
    """
    names = [str(name) for name in values_of(raw_select)] if raw_select else []
    names = [name for name in names if name] or ["*"]
    codes: list[str] = []
    for name in names:
        if name == "*":
            codes += [
                code
                for code, definition in definitions.items()
                if not definition.custom and code not in MULTI_FIELDS
            ]
        elif name == "UF_*":
            codes += [
                code for code, definition in definitions.items() if definition.custom
            ]
        elif name in definitions:
            codes.append(name)
    if "ID" in definitions:
        codes.insert(0, "ID")
    return list(dict.fromkeys(codes))


def sort_rows(
    rows: list[dict[str, Any]],
    raw_order: Any,
    definitions: Mapping[str, FieldDef],
    zone: tzinfo,
) -> list[dict[str, Any]]:
    """Sort rows by an ``order`` map of field code to ASC/DESC, else by ID."""
    order = raw_order if isinstance(raw_order, dict) and raw_order else {"ID": "ASC"}
    ordered = list(rows)
    for code, direction in reversed(list(order.items())):
        definition = definitions.get(str(code))
        if definition is None or definition.multiple:
            continue
        descending = str(direction).strip().upper() == "DESC"
        ordered.sort(key=_sort_key(definition, zone), reverse=descending)
    return ordered


def _sort_key(
    definition: FieldDef, zone: tzinfo
) -> Callable[[dict[str, Any]], tuple[int, Any]]:
    def key(row: dict[str, Any]) -> tuple[int, Any]:
        return comparison_key(definition, row.get(definition.code), zone)

    return key


@dataclass(frozen=True)
class Page:
    """One page of a list response with the portal's ``total`` and ``next``."""

    rows: list[dict[str, Any]]
    total: int
    next: int | None


def paginate(rows: list[dict[str, Any]], raw_start: Any) -> Page:
    """Cut a page of 50 rows at ``start`` rounded down to a multiple of 50.

    ``start=-1`` skips counting: ``total`` is 0 and there is no ``next``.
    """
    try:
        start = int(str(raw_start).strip()) if raw_start not in (None, "") else 0
    except ValueError:
        start = 0
    if start == -1:
        return Page(rows[:PAGE_SIZE], 0, None)
    start = max(start, 0) // PAGE_SIZE * PAGE_SIZE
    page_rows = rows[start : start + PAGE_SIZE]
    following = start + PAGE_SIZE
    return Page(page_rows, len(rows), following if following < len(rows) else None)


def project(row: Mapping[str, Any], codes: Iterable[str]) -> dict[str, Any]:
    """Return the selected fields of a row, copying multi-field lists."""
    result: dict[str, Any] = {}
    for code in codes:
        value = row.get(code)
        if code in MULTI_FIELDS:
            if value:
                result[code] = [dict(item) for item in value]
            continue
        result[code] = value
    return result
