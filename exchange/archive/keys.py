"""Search keys of journal entries: their types, normal form and stored JSON.

An entry's keys are stored, and hashed, as one JSON object that maps each
key type to its distinct normalized values in the order first given, for
example ``{"deal_id": ["4711"], "order_ref": ["9a0c...", "6f1e..."]}``.
The values are not sorted because sorting 100,000 random references costs
more than the rest of the entry, and nothing depends on their order.
Entries written before this form store a sorted list of ``[type, value]``
pairs; both forms read back as pairs.
"""

from __future__ import annotations

from itertools import groupby, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol

from exchange import jsonio

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

KEY_TYPES: tuple[str, ...] = (
    "order_number",
    "document_number",
    "deal_id",
    "inn",
    "order_ref",
    "package_id",
    "counterparty_ref",
    "company_id",
    "contact_id",
)

KeyPairs = tuple[tuple[str, str], ...]


def normalize_key(key_type: str, value: str) -> str:
    """Return ``value`` in the form keys are stored and searched in.

    Numbers are trimmed (1C compares document numbers after trimming), an
    INN loses all white space, and references (of orders and of
    counterparties) and package ids are lower-cased because UUIDs compare
    case-insensitively. Raises ``ValueError`` for an unknown key type.
    """
    return _normalizer(key_type)(value)


def normalize_keys(keys: Iterable[tuple[str, str]]) -> KeyPairs:
    """Return the distinct non-empty keys, normalized and sorted."""
    pairs: list[tuple[str, str]] = []
    for key_type, values in normalized_values(keys).items():
        pairs.extend(zip(repeat(key_type), sorted(values), strict=False))
    return tuple(pairs)


def normalized_values(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Return the distinct non-empty values of each key type, types sorted.

    Values keep the order in which they are first given. This is the stored
    form of an entry's keys. Raises ``ValueError`` for an unknown key type.
    """
    raw: dict[str, list[str]] = {}
    # Keys listed type by type form few groups, each copied into its list in C.
    for key_type, group in groupby(keys, itemgetter(0)):
        raw.setdefault(key_type, []).extend(map(itemgetter(1), group))
    by_type: dict[str, list[str]] = {}
    for key_type in sorted(raw):
        distinct = dict.fromkeys(_normalize_all(key_type, raw[key_type]))
        distinct.pop("", None)
        if distinct:
            by_type[key_type] = list(distinct)
    return by_type


def keys_json(by_type: Mapping[str, list[str]]) -> bytes:
    """Return the stored JSON text of keys from ``normalized_values``, UTF-8."""
    return jsonio.dumps(by_type)


def parse_keys(loaded: Any) -> KeyPairs | Any:
    """Return the pairs of a parsed ``keys`` column, in stored order.

    Both stored forms are read. A value of neither form was edited by hand
    and is returned as it is, so the entry's hash no longer matches.
    """
    if isinstance(loaded, dict) and all(
        isinstance(values, list) for values in loaded.values()
    ):
        pairs: list[tuple[str, str]] = []
        for key_type, values in loaded.items():
            pairs.extend(zip(repeat(key_type), values, strict=False))
        return tuple(pairs)
    if isinstance(loaded, list) and all(
        isinstance(pair, list) and len(pair) == 2 for pair in loaded
    ):
        return tuple(map(tuple, loaded))
    return loaded


def order_keys(results: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Return the search keys of an orders receipt's per-order results.

    Each result is a mapping with the fields of the exchange format. Empty
    numbers and missing deals give no key. The keys are listed type by type,
    the order in which the journal groups them fastest.
    """
    keys = [("order_ref", result["ref"]) for result in results]
    keys.extend(("order_number", r["number"]) for r in results if r["number"])
    keys.extend(
        ("document_number", r["document_number"])
        for r in results
        if r["document_number"]
    )
    keys.extend(
        ("deal_id", str(r["deal_id"])) for r in results if r["deal_id"] is not None
    )
    return keys


def counterparty_keys(records: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Return the search keys of exported counterparty records or 1C's results.

    A record of a ``counterparties`` package gives its INN, its 1C reference
    and those of its match candidates, its Bitrix24 company or contact ID and
    the IDs of its flagged deals. A result of a ``counterparties_receipt``
    gives the reference and the item ID. Absent and empty values give no key.
    """
    keys = [("inn", str(record["inn"])) for record in records if record.get("inn")]
    for record in records:
        if record.get("ref"):
            keys.append(("counterparty_ref", str(record["ref"])))
        match = record.get("match")
        if isinstance(match, dict):
            candidates = match.get("candidates") or ()
            keys.extend(("counterparty_ref", str(ref)) for ref in candidates)
    for record in records:
        key_type = _ITEM_KEY_TYPES.get(record.get("b24_entity", ""))
        if key_type is not None and record.get("b24_id") is not None:
            keys.append((key_type, str(record["b24_id"])))
    for record in records:
        keys.extend(("deal_id", str(deal_id)) for deal_id in record.get("deal_ids", ()))
    return keys


class CatalogItem(Protocol):
    """One counterparty of a 1C catalog, as the journal reads it."""

    @property
    def ref(self) -> str: ...
    @property
    def inn(self) -> str | None: ...


def catalog_keys(items: Sequence[CatalogItem]) -> list[tuple[str, str]]:
    """Return the 1C reference and INN keys of a counterparty catalog."""
    keys = [("counterparty_ref", item.ref) for item in items]
    keys.extend(("inn", item.inn) for item in items if item.inn)
    return keys


def _normalize_all(key_type: str, values: list[str]) -> Iterable[str]:
    # The same rules as ``normalize_key``, applied with C-level ``map`` calls
    # instead of one Python call per value.
    _check_type(key_type)
    if key_type == "inn":
        return map(_without_white_space, values)
    stripped = map(str.strip, values)
    if key_type in _LOWER_CASE_TYPES:
        return map(str.lower, stripped)
    return stripped


def _normalizer(key_type: str) -> Callable[[str], str]:
    _check_type(key_type)
    if key_type == "inn":
        return _without_white_space
    if key_type in _LOWER_CASE_TYPES:
        return _stripped_lower
    return str.strip


def _check_type(key_type: str) -> None:
    if key_type not in KEY_TYPES:
        raise ValueError(
            f"unknown journal key type {key_type!r}; use one of {KEY_TYPES}"
        )


def _without_white_space(value: str) -> str:
    return "".join(value.split())


def _stripped_lower(value: str) -> str:
    return value.strip().lower()


_LOWER_CASE_TYPES = frozenset({"order_ref", "package_id", "counterparty_ref"})

# Key type of a Bitrix24 item ID by the record's ``b24_entity``.
_ITEM_KEY_TYPES = {"company": "company_id", "contact": "contact_id"}
