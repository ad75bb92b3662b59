"""Comparison of two versions of one order.

1C stamps an order with ``modified_at`` when it can, and every package
carries its sender's increasing message number. A version older than the
one already applied is ``ignored`` in the receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True, slots=True)
class VersionKey:
    """The version of one order: its change time and the package it came in.

    ``modified_at`` must be timezone-aware (1C local times are converted with
    the base's time zone before they get here), because naive and aware
    datetimes cannot be compared.
    """

    modified_at: datetime | None
    sender: str
    package_number: int

    def __post_init__(self) -> None:
        if self.modified_at is not None and self.modified_at.utcoffset() is None:
            raise ValueError(
                f"modified_at {self.modified_at.isoformat()} has no time zone."
                " Convert it with the 1C base's time zone first."
            )


def is_newer(incoming: VersionKey, current: VersionKey | None) -> bool:
    """Tell whether the incoming version replaces the current one.

    - No current version: the incoming one is applied.
    - Both carry different ``modified_at``: the later one wins.
    - Otherwise (equal times, or only one or neither carries a time), the
      later package wins. Within one sender the higher package number is the
      later package, and the same number means the same version again, which
      is not newer.
    - Across senders the package numbers are unrelated. In the exchange
      contract one order's versions come from one sender, so this happens only
      when a node is renamed or a second base starts sending. The incoming
      version then wins, because packages are applied in the order they
      arrive and the incoming one arrived last.
    """
    if current is None:
        return True

    if (
        incoming.modified_at is not None
        and current.modified_at is not None
        and incoming.modified_at != current.modified_at
    ):
        return incoming.modified_at > current.modified_at

    if incoming.sender != current.sender:
        return True
    return incoming.package_number > current.package_number
