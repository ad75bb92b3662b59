"""The outcome of evaluating one top-level order against its deal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from exchange.contract.enums import OrderStatus
from exchange.state.background import Statement


# Not frozen: a frozen dataclass takes about four times as long to build
# (each field goes through ``object.__setattr__``), and a large package builds
# one of these per order. Nothing changes one after it is built.
@dataclass(slots=True)
class TopOutcome:
    """The receipt status of one top-level order and whether to retry it."""

    status: OrderStatus
    deal_id: int | None
    message: str
    recheck: bool
    unreached: bool = False
    """Bitrix24 could not be asked, so nothing new is known of the deal."""


Settled = Callable[[dict[str, TopOutcome]], None]
"""A callable that stores outcomes inside the caller's transaction."""


class OutcomeBook(Protocol):
    """The storage of the outcomes that an evaluation gives top-level orders."""

    def settle(self, outcomes: dict[str, TopOutcome]) -> None:
        """Store outcomes inside the caller's transaction."""
        ...

    def settle_soon(
        self, outcomes: dict[str, TopOutcome], writes: Sequence[Statement]
    ) -> None:
        """Store outcomes and ``writes`` in one transaction, now or queued."""
        ...
