"""The outcome of evaluating one top-level order against its deal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from exchange.contract.enums import OrderStatus


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
