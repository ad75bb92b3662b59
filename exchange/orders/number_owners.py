"""The counting top-level orders that carry each document number.

A document number selects one deal, so two counting top-level orders
(posted, not marked for deletion) with one number are both in error. Most
numbers have one owner, in ``sole``; only the others get a list, in
``several``. A large package adds tens of thousands of owners, so the
common case costs one dictionary operation each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class NumberOwners:
    """Counting top-level orders by document number, as far as they are known.

    A number in neither dictionary is unknown: its owners must be read from
    the state.
    """

    sole: dict[str, str] = field(default_factory=dict)
    several: dict[str, list[str]] = field(default_factory=dict)

    def __contains__(self, number: object) -> bool:
        return number in self.sole or number in self.several

    def add(self, number: str, ref: str) -> None:
        """Add ``ref`` as a counting top-level order carrying ``number``."""
        several = self.several.get(number)
        if several is not None:
            if ref not in several:
                several.append(ref)
            return
        sole = self.sole.setdefault(number, ref)
        if sole != ref:
            del self.sole[number]
            self.several[number] = [sole, ref]

    def add_each(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Add (number, ref) pairs; the same as ``add`` for each, but faster."""
        if not self.sole and not self.several:
            # With no owner yet and no number twice, the pairs are the owners.
            sole = dict(pairs)
            if len(sole) == len(pairs):
                self.sole = sole
                return
        sole = self.sole
        for number, ref in pairs:
            if (self.several and number in self.several) or (
                sole.setdefault(number, ref) != ref
            ):
                self.add(number, ref)

    def add_all(self, owners: Mapping[str, Iterable[str]]) -> None:
        """Add the owners of each number, as ``counting_tops_with_numbers`` gives."""
        for number, refs in owners.items():
            for ref in refs:
                self.add(number, ref)

    def others(self, number: str, ref: str) -> list[str]:
        """Return the counting top-level orders other than ``ref`` with ``number``.

        They are sorted by ref, so that messages list them in a stable order.
        """
        several = self.several.get(number)
        if several is not None:
            return sorted(other for other in several if other != ref)
        sole = self.sole.get(number)
        return [sole] if sole is not None and sole != ref else []
