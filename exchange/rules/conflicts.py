"""Document-number conflicts between top-level orders.

"Номер документа" is the key to the deal, so two top-level orders with the
same number cannot both be applied: both are an ``error`` until one of them
changes its number or stops counting, whichever packages they came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from exchange.rules.order_facts import is_included

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from exchange.rules.order_facts import Facts


def document_number_conflicts(orders: Iterable[Facts]) -> dict[str, list[str]]:
    """Map each document number shared by several counted orders to their refs.

    An order counts when it is top-level, posted, not marked for deletion
    and has a non-empty number. Numbers are compared exactly after trimming
    white space on both sides (``str.strip``). The refs of each number are
    sorted, and a ref given twice counts once.
    """
    refs_by_number: dict[str, set[str]] = {}
    for order in orders:
        if order.parent_ref is not None or not is_included(order):
            continue
        number = (order.document_number or "").strip()
        if not number:
            continue
        refs_by_number.setdefault(number, set()).add(order.ref)

    return {
        number: sorted(refs) for number, refs in refs_by_number.items() if len(refs) > 1
    }


@dataclass(frozen=True, slots=True)
class ConflictChanges:
    """Orders whose conflict state changed between two computations.

    ``entered``: orders in a conflict now that were in none before, so an
    order applied earlier turns into an ``error``. ``left``: orders that were
    in a conflict and are in none now, so they are applied again.
    """

    entered: frozenset[str]
    left: frozenset[str]


def conflict_changes(
    previous: Mapping[str, Sequence[str]], current: Mapping[str, Sequence[str]]
) -> ConflictChanges:
    """Compare two results of ``document_number_conflicts`` by order.

    An order that moves from one conflict to another stays an ``error`` and
    is in neither set.
    """
    before = {ref for refs in previous.values() for ref in refs}
    after = {ref for refs in current.values() for ref in refs}
    return ConflictChanges(
        entered=frozenset(after - before), left=frozenset(before - after)
    )
