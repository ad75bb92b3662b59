"""Items named twice in a counterparty catalog or receipt, which reject the file.

An orders package marks a repeated order as ``error`` in its receipt, but
these two kinds get no receipt of their own, so only a rejection reaches 1C.
Applying one row of a repeated item would also leave the other row's
outcome lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from exchange.contract.models import (
    CounterpartiesReceiptPackage,
    CounterpartyCatalogPackage,
    IncomingPackage,
)
from exchange.contract.problems import Problem, show_value


def repeat_problems(
    package: IncomingPackage, document: Mapping[str, Any]
) -> list[Problem]:
    """Return a problem for every row of an item that the package names twice.

    ``document`` is the parsed file that ``package`` was built from, so that
    each problem shows the value as 1C wrote it. Orders packages return no
    problems here: their repeated orders are business checks.
    """
    if isinstance(package, CounterpartyCatalogPackage):
        return _catalog_repeats(package, document["counterparties"])
    if isinstance(package, CounterpartiesReceiptPackage):
        return _receipt_repeats(package, document["results"])
    return []


def _catalog_repeats(
    package: CounterpartyCatalogPackage, records: Sequence[Mapping[str, Any]]
) -> list[Problem]:
    refs = [counterparty.ref for counterparty in package.counterparties]
    problems: list[Problem] = []
    for ref, indexes in _repeated(refs).items():
        places = ", ".join(
            f"/counterparties/{index} ({package.counterparties[index].kind.value})"
            for index in indexes
        )
        message = (
            f"the counterparty {ref} (Ссылка) appears {len(indexes)} times in this "
            f"catalog, at {places}; a catalog lists each counterparty once, so "
            "write one record per Ссылка with its current attributes and send "
            "the catalog again"
        )
        problems.extend(
            Problem(
                f"/counterparties/{index}/ref",
                show_value(records[index]["ref"]),
                message,
            )
            for index in indexes
        )
    return _in_file_order(problems)


def _receipt_repeats(
    package: CounterpartiesReceiptPackage, records: Sequence[Mapping[str, Any]]
) -> list[Problem]:
    items = [(result.b24_entity, result.b24_id) for result in package.results]
    problems: list[Problem] = []
    for (entity, b24_id), indexes in _repeated(items).items():
        places = ", ".join(f"/results/{index}" for index in indexes)
        message = (
            f"{entity} {b24_id} (b24_entity, b24_id) is answered {len(indexes)} "
            f"times in this receipt, at {places}; a receipt gives one result per "
            "counterparty of the package, so keep only the row with the outcome "
            "of its last load and send the receipt again"
        )
        problems.extend(
            Problem(
                f"/results/{index}/b24_id",
                show_value(records[index]["b24_id"]),
                message,
            )
            for index in indexes
        )
    return _in_file_order(problems)


def _repeated(keys: Sequence[Hashable]) -> dict[Any, list[int]]:
    """Return the positions of every key that occurs more than once."""
    if len(set(keys)) == len(keys):
        return {}
    positions: defaultdict[Any, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        positions[key].append(index)
    return {key: indexes for key, indexes in positions.items() if len(indexes) > 1}


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: int(problem.path.split("/")[2]))
