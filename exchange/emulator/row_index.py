"""Equality index of one field of one CRM table, for ``=`` and ``@`` filters.

The index maps the comparison key of a field's stored value (see
:func:`exchange.emulator.fields.comparison_key`) to the positions of the rows
that hold it, so a list filter with exact values reads a few rows instead of
comparing every row with every value.

Tests change, add and delete rows directly (``portal.deals[101]["TITLE"] =
...``, ``del portal.deals[201]``), bypassing :class:`Portal` methods. So the
index trusts no write path: before each lookup it compares the table's IDs
and the field's stored value objects, by identity, with the ones it indexed,
and re-keys the rows that differ. A field definition or time zone other than
the indexed one, or IDs that changed other than by appending, rebuild it.
The identity check relies on stored values of single-value fields being
immutable (strings, numbers or None), so that an object that is still there
still has its indexed value.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterable
from datetime import tzinfo
from itertools import repeat
from typing import Any

from exchange.emulator.fields import FieldDef, comparison_key

Key = tuple[int, Any]
Row = dict[str, Any]


class FieldIndex:
    """Positions of a table's rows by the comparison key of one field."""

    def __init__(self, code: str) -> None:
        self.code = code
        self._definition: FieldDef | None = None
        self._zone: tzinfo | None = None
        # Row IDs, stored values and their keys, by position in table order.
        self._ids: list[int] = []
        self._values: list[Any] = []
        self._keys: list[Key] = []
        # Ascending positions of the rows with each key.
        self._positions: dict[Key, list[int]] = {}

    def lookup(
        self,
        table: dict[int, Row],
        definition: FieldDef,
        zone: tzinfo,
        keys: Iterable[Key],
    ) -> list[Row]:
        """Return the rows whose value has one of ``keys``, in table order.

        ``table`` is the same table on every call; the index first brings
        itself up to date with it.
        """
        self._refresh(table, definition, zone)
        positions: list[int] = []
        for key in set(keys):
            positions.extend(self._positions.get(key, ()))
        # Distinct keys hold distinct positions, so sorting restores table
        # order without duplicates.
        positions.sort()
        return [table[self._ids[position]] for position in positions]

    def _refresh(
        self, table: dict[int, Row], definition: FieldDef, zone: tzinfo
    ) -> None:
        ids = list(table)
        values = list(map(dict.get, table.values(), repeat(self.code)))
        if definition is not self._definition or zone is not self._zone:
            self._rebuild(ids, values, definition, zone)
            return
        known = len(self._ids)
        if ids[:known] != self._ids:
            self._rebuild(ids, values, definition, zone)
            return
        if not all(map(operator.is_, values, self._values)):
            for position, (value, indexed) in enumerate(
                zip(values, self._values, strict=False)
            ):
                if value is not indexed:
                    self._rekey(position, comparison_key(definition, value, zone))
        for position in range(known, len(ids)):
            self._append(position, comparison_key(definition, values[position], zone))
        self._ids = ids
        self._values = values

    def _rebuild(
        self, ids: list[int], values: list[Any], definition: FieldDef, zone: tzinfo
    ) -> None:
        self._definition = definition
        self._zone = zone
        self._keys = []
        self._positions = {}
        for position, value in enumerate(values):
            self._append(position, comparison_key(definition, value, zone))
        self._ids = ids
        self._values = values

    def _append(self, position: int, key: Key) -> None:
        self._keys.append(key)
        self._positions.setdefault(key, []).append(position)

    def _rekey(self, position: int, new_key: Key) -> None:
        old_key = self._keys[position]
        # The old key object is stored, so even a NaN key is found by identity.
        bucket = self._positions[old_key]
        bucket.remove(position)
        if not bucket:
            del self._positions[old_key]
        self._keys[position] = new_key
        bisect.insort(self._positions.setdefault(new_key, []), position)
