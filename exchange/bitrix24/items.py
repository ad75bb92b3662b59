"""Resolution of 1C payment statuses to the items of a Bitrix24 list field.

By default each status matches the item whose text equals the status's 1C
presentation (``PaymentStatus.presentation``), ignoring case and all white
space. The table ``[bitrix24.payment_status_items]``, keyed by the 1C value
name (``PaymentStatus.value``), may name an item instead by ``id``,
``xml_id`` or ``text``. Items made in the portal's interface get generated
XML_IDs, which is why text is the default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from exchange.contract.enums import PaymentStatus
from exchange.errors import ConfigError

_TABLE = "[bitrix24.payment_status_items]"
_SELECTORS = ("id", "xml_id", "text")


class PaymentItemError(ConfigError):
    """A payment status matches no list item or several, or is set up wrongly."""


@dataclass(frozen=True, slots=True)
class ListItem:
    """One item of a list (enumeration) field."""

    id: str
    text: str
    xml_id: str | None


def normalize_text(text: str) -> str:
    """Fold case and drop all white space, for comparing item texts."""
    return "".join(text.split()).casefold()


def resolve_payment_items(
    field_code: str,
    items: Sequence[ListItem],
    overrides: Mapping[str, Mapping[str, Any]],
) -> dict[PaymentStatus, str]:
    """Return the list item ID for every payment status.

    Raises ``ConfigError`` for an override key that is not a 1C value name,
    an override without exactly one of ``id``, ``xml_id``, ``text``, and a
    status that matches no item or several.
    """
    names = {status.value for status in PaymentStatus}
    for key in overrides:
        if key not in names:
            raise PaymentItemError(
                f"{_TABLE} has the key {key!r}, which is not a 1C payment status; "
                f"use one of {', '.join(sorted(names))}."
            )
    resolved: dict[PaymentStatus, str] = {}
    for status in PaymentStatus:
        override = overrides.get(status.value)
        if override is None:
            resolved[status] = _match_text(
                field_code, status, items, status.presentation
            )
        else:
            resolved[status] = _resolve_override(field_code, status, items, override)
    return resolved


def _resolve_override(
    field_code: str,
    status: PaymentStatus,
    items: Sequence[ListItem],
    override: Mapping[str, Any],
) -> str:
    chosen = [key for key in _SELECTORS if key in override]
    unknown = sorted(set(override) - set(_SELECTORS))
    if len(chosen) != 1 or unknown:
        raise PaymentItemError(
            f"{_TABLE} {status.value} must name an item by exactly one of "
            "id, xml_id or text, e.g. { id = 1043 }."
        )
    selector = chosen[0]
    expected = str(override[selector]).strip()
    fix = f"Correct {selector} in {_TABLE} {status.value} to one of the items listed."
    if selector == "id":
        return _match(
            field_code,
            status,
            items,
            lambda item: item.id == expected,
            f"ID {expected}",
            fix,
        )
    if selector == "xml_id":
        return _match(
            field_code,
            status,
            items,
            lambda item: item.xml_id == expected,
            f'XML_ID "{expected}"',
            fix,
        )
    return _match_text(field_code, status, items, expected, fix)


def _match_text(
    field_code: str,
    status: PaymentStatus,
    items: Sequence[ListItem],
    text: str,
    fix: str | None = None,
) -> str:
    target = normalize_text(text)
    return _match(
        field_code,
        status,
        items,
        lambda item: normalize_text(item.text) == target,
        f'text "{text}"',
        fix or f"Rename the item in Bitrix24 or name it in {_TABLE} {status.value}.",
    )


def _match(
    field_code: str,
    status: PaymentStatus,
    items: Sequence[ListItem],
    predicate: Callable[[ListItem], bool],
    expected: str,
    fix: str,
) -> str:
    found = [item for item in items if predicate(item)]
    if len(found) == 1:
        return found[0].id
    texts = ", ".join(f'{item.id} "{item.text}"' for item in items) or "none"
    if not found:
        problem = f"has no item with {expected}"
    else:
        problem = f"has {len(found)} items with {expected}"
    raise PaymentItemError(
        f"Payment status {status.value} ({status.presentation}): deal field "
        f"{field_code} {problem} (items: {texts}). {fix}"
    )
