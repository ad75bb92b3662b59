"""The deal's custom fields: checked at start, and their value encoding.

Field codes (``UF_CRM_...``) differ per portal and come from the
configuration section ``[bitrix24.deal_fields]``. The portal silently ignores
unknown field codes and values it cannot parse, so every code is checked
against ``crm.deal.fields`` before the first update, and the payment status
values are resolved to list item IDs once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from exchange.bitrix24.client import Bitrix24Client
from exchange.bitrix24.items import ListItem, resolve_payment_items
from exchange.contract.enums import PaymentStatus
from exchange.errors import ConfigError

log = logging.getLogger(__name__)

_SECTION = "[bitrix24.deal_fields]"

_DATE_TYPES = frozenset({"date", "datetime"})


@dataclass(frozen=True)
class DealFieldCodes:
    """Codes of the deal fields that orders update, from the configuration."""

    document_number: str
    payment_status: str
    realization_date: str


@dataclass(frozen=True)
class ResolvedDealFields:
    """Deal fields checked against the portal, with their encoders."""

    codes: DealFieldCodes
    realization_date_type: str
    """``date`` or ``datetime``, as ``crm.deal.fields`` reports it."""
    payment_status_items: Mapping[PaymentStatus, str]
    """List item ID for each 1C payment status."""
    timezone: ZoneInfo
    """Time zone of the 1C base: a datetime field gets midnight in it."""
    list_items: frozenset[str] = frozenset()
    """IDs of every item of the payment status list when it was read."""

    @property
    def select(self) -> list[str]:
        """The ``select`` list that reads a deal's ID and these fields."""
        codes = self.codes
        return [
            "ID",
            codes.document_number,
            codes.payment_status,
            codes.realization_date,
        ]

    def encode_payment_status(self, status: PaymentStatus) -> str:
        """Return the value that sets the payment status: the item ID."""
        return self.payment_status_items[status]

    def encode_realization_date(self, value: dt.date | None) -> str:
        """Return the value that sets the realization date, ``""`` to clear it.

        A date field takes ``YYYY-MM-DD``; a datetime field takes midnight of
        that date in the 1C time zone, as ISO 8601 with its offset.
        """
        if value is None:
            return ""
        if self.realization_date_type == "datetime":
            midnight = dt.datetime.combine(value, dt.time(), tzinfo=self.timezone)
            return midnight.isoformat()
        return value.isoformat()

    def decode_realization_date(self, raw: object) -> dt.date | None:
        """Read a realization date as the portal returns it.

        A date field reads back as midnight UTC rendered in the portal's zone
        (``2024-01-15T03:00:00+03:00``), so it is converted to UTC before the
        date is taken. A datetime field is read in the 1C time zone, because
        the service wrote midnight in that zone. Empty values and text that
        is not ISO 8601 give ``None``.
        """
        if not isinstance(raw, str) or not raw.strip():
            return None
        text = raw.strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            log.warning(
                "Deal field %s has a value that is not an ISO 8601 date: %r",
                self.codes.realization_date,
                text,
            )
            return None
        if moment.tzinfo is None:
            return moment.date()
        zone = self.timezone if self.realization_date_type == "datetime" else dt.UTC
        return moment.astimezone(zone).date()

    @staticmethod
    def decode_list_item(raw: object) -> str | None:
        """Read a list field's value as its item ID, ``None`` when empty."""
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        if raw in (None, "", 0, "0", False):
            return None
        return str(raw)


def resolve_deal_fields(
    client: Bitrix24Client,
    codes: DealFieldCodes,
    item_overrides: Mapping[str, Mapping[str, Any]] | None,
    timezone: ZoneInfo,
) -> ResolvedDealFields:
    """Check the configured deal fields on the portal and resolve list items.

    Reads ``crm.deal.fields`` and ``crm.deal.userfield.list`` in one batch.
    Raises ``ConfigError`` naming the field code and its setting when a field
    is missing or of an unexpected type, or when a payment status resolves to
    no list item.
    """
    outcome = client.batch(
        {
            "fields": ("crm.deal.fields", {}),
            "userfields": (
                "crm.deal.userfield.list",
                {"filter": {"FIELD_NAME": codes.payment_status}},
            ),
        }
    )
    if "fields" not in outcome.results:
        failure = outcome.errors.get("fields")
        raise ConfigError(
            f"Cannot check the deal fields of {_SECTION}: crm.deal.fields failed "
            f"({failure or 'no result'}). Check the webhook's crm permission."
        )
    described = outcome.results["fields"]
    if not isinstance(described, Mapping):
        raise ConfigError(
            f"Cannot check the deal fields of {_SECTION}: crm.deal.fields "
            "returned no field descriptions."
        )

    _check_type(described, codes.document_number, "document_number", {"string"})
    _check_type(described, codes.payment_status, "payment_status", {"enumeration"})
    date_type = _check_type(
        described, codes.realization_date, "realization_date", _DATE_TYPES
    )

    items = _list_items(
        described[codes.payment_status], outcome.results.get("userfields"), codes
    )
    resolved = resolve_payment_items(codes.payment_status, items, item_overrides or {})
    return ResolvedDealFields(
        codes=codes,
        realization_date_type=date_type,
        payment_status_items=resolved,
        timezone=timezone,
        list_items=frozenset(item.id for item in items),
    )


def _check_type(
    described: Mapping[str, Any],
    code: str,
    setting: str,
    expected: set[str] | frozenset[str],
) -> str:
    info = described.get(code)
    if not isinstance(info, Mapping):
        raise ConfigError(
            f"Deal field {code} ({_SECTION} {setting}) does not exist on the "
            "portal. Check the field code in the portal's CRM settings "
            "(custom deal fields) and in the configuration."
        )
    field_type = str(info.get("type") or "")
    if field_type not in expected:
        expected_types = " or ".join(sorted(expected))
        raise ConfigError(
            f"Deal field {code} ({_SECTION} {setting}) has type {field_type!r}, "
            f"expected {expected_types}. Configure a field of that type."
        )
    return field_type


def _list_items(
    description: Mapping[str, Any], userfields: object, codes: DealFieldCodes
) -> list[ListItem]:
    """Collect the list items from crm.deal.userfield.list, else crm.deal.fields.

    Only crm.deal.userfield.list reports XML_ID.
    """
    if isinstance(userfields, list):
        for userfield in userfields:
            if (
                isinstance(userfield, Mapping)
                and userfield.get("FIELD_NAME") == codes.payment_status
                and isinstance(userfield.get("LIST"), list)
            ):
                return [
                    ListItem(
                        str(item.get("ID")), str(item.get("VALUE") or ""), _xml_id(item)
                    )
                    for item in userfield["LIST"]
                    if isinstance(item, Mapping)
                ]
    raw_items = description.get("items")
    if not isinstance(raw_items, list):
        return []
    return [
        ListItem(str(item.get("ID")), str(item.get("VALUE") or ""), None)
        for item in raw_items
        if isinstance(item, Mapping)
    ]


def _xml_id(item: Mapping[str, Any]) -> str | None:
    value = item.get("XML_ID")
    return None if value in (None, "") else str(value)
