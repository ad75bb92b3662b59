"""Build typed packages from documents that passed the schema.

The schema proved every shape, so each value is only normalized here (see
``values.py``). Values that a pattern cannot check, such as 30 February or
an unknown enumeration value, become problems reported like schema errors.
Parsed values are cached per package because 1C repeats them: empty dates,
the three payment statuses, the realization dates of one month.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any, Final, TypeVar

from exchange.contract.enums import PackageKind
from exchange.contract.messages import value_problem
from exchange.contract.models import (
    CatalogCounterparty,
    CounterpartiesReceiptPackage,
    CounterpartyCatalogPackage,
    CounterpartyResult,
    IncomingPackage,
    Order,
    OrdersPackage,
    construct_checked,
)
from exchange.contract.problems import Problem
from exchange.contract.values import (
    COUNTERPARTY_KIND_CHOICES,
    PAYMENT_STATUS_CHOICES,
    parse_counterparty_kind,
    parse_date,
    parse_date_time,
    parse_payment_status,
    parse_reference,
    parse_text,
)

T = TypeVar("T")
_FAILED = object()


class _Builder:
    """Normalize the values of one package, collecting problems."""

    def __init__(self, kind: PackageKind, zone: tzinfo) -> None:
        self.kind = kind
        self.zone = zone
        self.problems: list[Problem] = []
        self._caches: dict[str, dict[Any, Any]] = {}

    def value(
        self,
        parser: Callable[[Any], T],
        raw: Any,
        path: tuple[str | int, ...],
        detail: str = "",
    ) -> T | None:
        cache = self._caches.setdefault(parser.__name__, {})
        try:
            result = cache[raw]
        except KeyError:
            try:
                result = parser(raw)
            except ValueError:
                result = _FAILED
            cache[raw] = result
        if result is _FAILED:
            self.problems.append(value_problem(self.kind, path, raw, detail))
            return None
        return result  # type: ignore[no-any-return]

    def reference(self, raw: Any, path: tuple[str | int, ...]) -> str | None:
        return self.value(parse_reference, raw, path)

    def date(self, raw: Any, path: tuple[str | int, ...]) -> date | None:
        return self.value(parse_date, raw, path, "no such calendar date")

    def date_time(self, raw: Any, path: tuple[str | int, ...]) -> datetime | None:
        return self.value(self._date_time, raw, path, "no such calendar date or time")

    def _date_time(self, raw: str | None) -> datetime | None:
        return parse_date_time(raw, self.zone)

    def envelope(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "format": document["format"],
            "version": document["version"],
            "kind": self.kind,
            "package_id": document["package_id"].lower(),
            "sender": document["sender"],
            "number": int(document["number"]),
            "created_at": self.date_time(document["created_at"], ("created_at",)),
        }


def build_package(
    kind: PackageKind, document: Mapping[str, Any], zone: tzinfo
) -> tuple[IncomingPackage | None, list[Problem]]:
    """Build the typed package of an incoming kind, or return its problems."""
    builder = _Builder(kind, zone)
    fields = builder.envelope(document)
    package: IncomingPackage
    if kind is PackageKind.ORDERS:
        fields["orders"] = _orders(builder, document["orders"])
        package = construct_checked(OrdersPackage, fields)
    elif kind is PackageKind.COUNTERPARTY_CATALOG:
        fields["complete"] = document.get("complete", False)
        fields["counterparties"] = _catalog(builder, document["counterparties"])
        package = construct_checked(CounterpartyCatalogPackage, fields)
    elif kind is PackageKind.COUNTERPARTIES_RECEIPT:
        fields["in_reply_to"] = document["in_reply_to"].lower()
        fields["results"] = _results(builder, document["results"])
        package = construct_checked(CounterpartiesReceiptPackage, fields)
    else:
        raise ValueError(f"{kind} is not an incoming package kind")
    if builder.problems:
        return None, builder.problems
    return package, []


def _orders(builder: _Builder, records: list[dict[str, Any]]) -> tuple[Order, ...]:
    # The hot loop of a 100,000-order package: local names and inline caches
    # instead of builder.value(), which would cost a call per field.
    parse_date_time_here = _date_time_parser(builder.zone)
    invalid = _INVALID
    # Dates, payment statuses and parent references repeat across orders,
    # so they are cached by their text. Date-times carry seconds and are
    # nearly unique, so a cache of them only grew: it made the build slower.
    dates: dict[Any, Any] = {}
    statuses: dict[Any, Any] = {}
    parents: dict[Any, Any] = {}
    # One fields set shared by every order: building a set per order took a
    # fifth of the build time. Pydantic copies it before any change
    # (model_copy), and frozen models are never changed in place.
    fields_set = set(Order.model_fields)
    new = object.__new__
    set_attribute = object.__setattr__
    orders = []
    for index, raw in enumerate(records):
        date_raw = raw["date"]
        try:
            date_value = parse_date_time_here(date_raw)
        except ValueError:
            date_value = invalid

        # A modified_at with the same text as the date is not parsed again.
        modified_raw = raw.get("modified_at")
        if modified_raw == date_raw:
            modified_value = date_value
        else:
            try:
                modified_value = parse_date_time_here(modified_raw)
            except ValueError:
                modified_value = invalid

        realization_raw = raw["realization_date"]
        realization_value = dates.get(realization_raw, invalid)
        if realization_value is invalid:
            realization_value = _cached(dates, realization_raw, parse_date)

        status_raw = raw["payment_status"]
        status_value = statuses.get(status_raw, invalid)
        if status_value is invalid:
            status_value = _cached(statuses, status_raw, parse_payment_status)

        parent_raw = raw["parent_ref"]
        parent_value = parents.get(parent_raw, invalid)
        if parent_value is invalid:
            parent_value = _cached(parents, parent_raw, parse_reference)

        document_number = raw["document_number"]
        if document_number is not None:
            document_number = document_number.strip() or None

        values = {
            "ref": raw["ref"].lower(),
            "number": raw["number"],
            "date": date_value,
            "document_number": document_number,
            "parent_ref": parent_value,
            "payment_status": status_value,
            "realization_date": realization_value,
            "deletion_mark": raw.get("deletion_mark", False),
            "posted": raw.get("posted", True),
            "modified_at": modified_value,
        }
        if (
            date_value is invalid
            or modified_value is invalid
            or realization_value is invalid
            or status_value is invalid
            or parent_value is invalid
        ):
            _report_order(builder, index, values, raw)

        # Inline of construct_checked(), which see.
        order = new(Order)
        set_attribute(order, "__dict__", values)
        set_attribute(order, "__pydantic_fields_set__", fields_set)
        set_attribute(order, "__pydantic_extra__", None)
        set_attribute(order, "__pydantic_private__", None)
        orders.append(order)
    return tuple(orders)


_INVALID = object()
"""Placeholder for a value its parser rejected; reported by ``_report_order``."""


def _cached(cache: dict[Any, Any], raw: Any, parser: Callable[[Any], Any]) -> Any:
    try:
        value = parser(raw)
    except ValueError:
        value = _INVALID
    cache[raw] = value
    return value


@functools.cache
def _date_time_parser(zone: tzinfo) -> Callable[[str | None], datetime | None]:
    return functools.partial(parse_date_time, zone=zone)


_ORDER_DETAILS: Final = {
    "date": "no such calendar date or time",
    "modified_at": "no such calendar date or time",
    "realization_date": "no such calendar date",
    "payment_status": f"allowed: {PAYMENT_STATUS_CHOICES}; case and spaces are ignored",
}


def _report_order(
    builder: _Builder, index: int, values: dict[str, Any], raw: Mapping[str, Any]
) -> None:
    for name, value in values.items():
        if value is _INVALID:
            path = ("orders", index, name)
            detail = _ORDER_DETAILS.get(name, "")
            builder.problems.append(
                value_problem(builder.kind, path, raw.get(name), detail)
            )


def _catalog(
    builder: _Builder, records: list[dict[str, Any]]
) -> tuple[CatalogCounterparty, ...]:
    items = []
    kind_detail = f"allowed: {COUNTERPARTY_KIND_CHOICES}, or ЮрЛицо, ФизЛицо, ИП"
    for index, raw in enumerate(records):
        path = ("counterparties", index)
        values = {
            "ref": builder.reference(raw["ref"], (*path, "ref")),
            "kind": builder.value(
                parse_counterparty_kind, raw["kind"], (*path, "kind"), kind_detail
            ),
            "name": raw["name"].strip(),
            "inn": parse_text(raw["inn"]),
            "kpp": parse_text(raw["kpp"]),
            "phones": tuple(raw.get("phones", ())),
            "deletion_mark": raw.get("deletion_mark", False),
        }
        items.append(construct_checked(CatalogCounterparty, values))
    return tuple(items)


def _results(
    builder: _Builder, records: list[dict[str, Any]]
) -> tuple[CounterpartyResult, ...]:
    results = []
    for index, raw in enumerate(records):
        values = {
            "b24_entity": raw["b24_entity"],
            "b24_id": int(raw["b24_id"]),
            "status": raw["status"],
            "ref": builder.reference(raw.get("ref"), ("results", index, "ref")),
            "message": raw.get("message") or "",
        }
        results.append(construct_checked(CounterpartyResult, values))
    return tuple(results)
