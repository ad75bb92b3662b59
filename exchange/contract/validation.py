"""Validate a document against the JSON Schema of its kind."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from jsonschema import ValidationError

from exchange.contract.enums import PackageKind
from exchange.contract.envelope import MAIN_ARRAYS
from exchange.contract.messages import is_xdto, translate, value_problem
from exchange.contract.problems import Problem, pointer, show_value
from exchange.contract.schemas import (
    detailed_record_validator,
    detailed_validator,
    fast_validator,
)

RECORD_ARRAYS: Final = {
    **MAIN_ARRAYS,
    PackageKind.COUNTERPARTIES: "counterparties",
    PackageKind.ORDERS_RECEIPT: "results",
    PackageKind.REJECTION: "errors",
}

logger = logging.getLogger(__name__)


def schema_problems(kind: PackageKind, document: Mapping[str, Any]) -> list[Problem]:
    """Return every schema violation of ``document``, in document order.

    The compiled validator decides; only when it fails does the slower
    pure-Python validator list the violations with their paths. It checks
    the envelope and then only the records that the compiled validator
    found invalid, because its cross-file ``$ref`` lookups are slow: 26 s of
    CPU time for 100,000 orders (docs/benchmarks.md).
    """
    fast = fast_validator(kind)
    if fast.is_valid(document):
        return []
    problems = _xdto_records(kind, document)
    skipped = {problem.path for problem in problems}
    seen: set[tuple[str, str]] = set()
    for prefix, error in _detailed_errors(kind, document):
        if _inside(pointer((*prefix, *error.absolute_path)), skipped):
            continue
        for problem in translate(kind, error, prefix):
            if (problem.path, problem.message) not in seen:
                seen.add((problem.path, problem.message))
                problems.append(problem)
    if not problems:
        # The two validators disagree; report what the compiled one found.
        logger.error("validators disagree on a %s document", kind.value)
        for fast_error in fast.iter_errors(document):
            path = "".join(f"/{step}" for step in fast_error.instance_path)
            problems.append(
                Problem(path, show_value(fast_error.instance), fast_error.message)
            )
    problems.sort(key=lambda problem: _pointer_key(problem.path))
    return problems


def _detailed_errors(
    kind: PackageKind, document: Mapping[str, Any]
) -> Iterator[tuple[tuple[str | int, ...], ValidationError]]:
    array_name = RECORD_ARRAYS[kind]
    records = document.get(array_name)
    if not isinstance(records, list):
        for error in detailed_validator(kind).iter_errors(document):
            yield (), error
        return
    failing = sorted(
        {
            error.instance_path[1]
            for error in fast_validator(kind).iter_errors(document)
            if len(error.instance_path) >= 2
            and error.instance_path[0] == array_name
            and isinstance(error.instance_path[1], int)
        }
    )
    for error in detailed_validator(kind).iter_errors({**document, array_name: []}):
        yield (), error
    record_validator = detailed_record_validator(kind, array_name)
    for index in failing:
        for error in record_validator.iter_errors(records[index]):
            yield (array_name, index), error


def _xdto_records(kind: PackageKind, document: Mapping[str, Any]) -> list[Problem]:
    array_name = MAIN_ARRAYS.get(kind)
    if array_name is None:
        return []
    records = document.get(array_name)
    if not isinstance(records, list):
        return []
    return [
        value_problem(kind, (array_name, index), record)
        for index, record in enumerate(records)
        if is_xdto(record)
    ]


def _inside(path: str, prefixes: set[str]) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def _order_key(steps: Iterable[str | int]) -> tuple[tuple[int, int, str], ...]:
    return tuple(
        (0, step, "") if isinstance(step, int) else (1, 0, step) for step in steps
    )


def _pointer_key(path: str) -> tuple[tuple[int, int, str], ...]:
    steps: list[str | int] = [
        int(part) if part.isdigit() else part for part in path.split("/")[1:]
    ]
    return _order_key(steps)
