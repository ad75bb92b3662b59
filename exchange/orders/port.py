"""The small interface through which the orders flow uses Bitrix24.

The flow plans with deal states (list item IDs and ISO dates) and leaves
field codes, value encoding and batching to the implementation, so the same
plan serves a real run and a dry run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from exchange.rules.order_facts import DealValues
from exchange.state.orders_records import DealState

PAYMENT_ITEM = "payment_status_item"
REALIZATION_DATE = "realization_date"


# Not frozen: a frozen dataclass takes about four times as long to build
# (each field goes through ``object.__setattr__``), and a large package builds
# one of these per order. Nothing changes one after it is built.
@dataclass(slots=True)
class FoundDeal:
    """A deal found by its document number, with its current field values."""

    deal_id: int
    state: DealState


# Not frozen, for the reason given at ``FoundDeal``.
@dataclass(slots=True)
class PlannedUpdate:
    """The fields to change on one deal: ``PAYMENT_ITEM`` and/or ``REALIZATION_DATE``.

    A ``REALIZATION_DATE`` of None clears the deal's date.
    """

    deal_id: int
    changes: dict[str, str | None]
    state: DealState
    """Both fields of the deal once the update is taken."""


@dataclass(frozen=True, slots=True)
class UpdateFailure:
    """The portal's reason for rejecting one update.

    ``not_found`` marks a deal that no longer exists, ``transient`` an error
    after which the same update may succeed later (a server error, a limit).
    """

    message: str
    not_found: bool
    transient: bool = False


BatchCallback = Callable[[dict[int, UpdateFailure | None]], None]


class DealPort(Protocol):
    """Finding and updating deals on a portal."""

    def find(self, numbers: Collection[str]) -> dict[str, list[FoundDeal]]:
        """Return the deals carrying each trimmed document number."""
        ...

    def state_of(self, values: DealValues) -> DealState:
        """Return the deal state that the rolled-up values correspond to."""
        ...

    def send(
        self,
        updates: Sequence[PlannedUpdate],
        on_batch: BatchCallback,
        *,
        before_sending: Callable[[], None],
    ) -> None:
        """Send updates in batches, calling ``on_batch`` after each one returns.

        ``before_sending`` is called once before the first request: it
        returns when the state that must precede any update is committed.
        """
        ...


class UnavailablePort:
    """A port for a portal that could not be reached: every call stops.

    The arguments are those of ``DealPort`` and are not used.
    """

    def __init__(self, error: Exception) -> None:
        self.error = error

    def find(self, numbers: Collection[str]) -> dict[str, list[FoundDeal]]:  # noqa: ARG002
        """Raise the error that made the portal unavailable."""
        raise self.error

    def state_of(self, values: DealValues) -> DealState:  # noqa: ARG002
        """Raise the error that made the portal unavailable."""
        raise self.error

    def send(
        self,
        updates: Sequence[PlannedUpdate],  # noqa: ARG002
        on_batch: BatchCallback,  # noqa: ARG002
        *,
        before_sending: Callable[[], None],  # noqa: ARG002
    ) -> None:
        """Raise the error that made the portal unavailable."""
        raise self.error
