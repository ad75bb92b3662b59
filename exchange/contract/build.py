"""Build typed packages from documents that passed the schema.

The schema proved every shape, so each value is only normalized here (see
``values.py``). Values that a pattern cannot check, such as 30 February or
an unknown enumeration value, become problems reported like schema errors.
Dates, payment statuses and references are cached per package because 1C
repeats them: empty dates, the three payment statuses, the realization
dates of one month.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, tzinfo
from operator import itemgetter
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
    parse_required_date_time,
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

    def required_date_time(
        self, raw: Any, path: tuple[str | int, ...]
    ) -> datetime | None:
        return self.value(
            self._required_date_time, raw, path, "no such calendar date or time"
        )

    def _required_date_time(self, raw: str | None) -> datetime:
        return parse_required_date_time(raw, self.zone)

    def envelope(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "format": document["format"],
            "version": document["version"],
            "kind": self.kind,
            "package_id": document["package_id"].lower(),
            "sender": document["sender"],
            "number": int(document["number"]),
            "created_at": self.required_date_time(
                document["created_at"], ("created_at",)
            ),
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
    # instead of builder.value(), which would cost a call per field. A value
    # that fails its parser becomes _INVALID, and _report_orders then lists
    # the problems in a second pass, so the loop tests no value for it.
    zone = builder.zone
    invalid: Any = _INVALID
    failed = False
    from_iso_format = datetime.fromisoformat
    combine = datetime.combine
    first_day = _DAY_AFTER_EMPTY_DATE
    # Dates, payment statuses and parent references repeat across orders,
    # so they are cached by their text. Date-times carry seconds and are
    # nearly unique, so a cache of them only grew and made the build slower.
    dates: dict[Any, Any] = {}
    statuses: dict[Any, Any] = {}
    parents: dict[Any, Any] = {}
    # The tuple's own constructor, which skips the named tuple's __new__.
    new = tuple.__new__
    orders: list[Order] = []
    append = orders.append
    for raw in records:
        # The required fields in one call; the schema proved they are there.
        (
            ref_raw,
            number,
            date_raw,
            document_number,
            parent_raw,
            status_raw,
            realization_raw,
        ) = _REQUIRED_ORDER_FIELDS(raw)

        # The inline form of parse_required_date_time() for a local time
        # after the day of the empty date, at half the cost of the call.
        # Other forms, that day and errors take the call.
        parsed: datetime | None
        date_value: Any
        try:
            parsed = from_iso_format(date_raw)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None and parsed.tzinfo is None and parsed >= first_day:
            date_value = combine(parsed, parsed.time(), zone)
        else:
            try:
                date_value = parse_required_date_time(date_raw, zone)
            except ValueError:
                date_value = invalid
                failed = True

        # The same for modified_at, which is optional. A modified_at with the
        # same text as the date is not parsed again.
        modified_raw: Any = raw.get("modified_at")
        modified_value: Any
        if modified_raw == date_raw:
            modified_value = date_value
        else:
            try:
                parsed = from_iso_format(modified_raw)
            except (TypeError, ValueError):
                parsed = None
            if parsed is not None and parsed.tzinfo is None and parsed >= first_day:
                modified_value = combine(parsed, parsed.time(), zone)
            else:
                try:
                    modified_value = parse_date_time(modified_raw, zone)
                except ValueError:
                    modified_value = invalid
                    failed = True

        try:
            realization_value = dates[realization_raw]
        except KeyError:
            realization_value = _cached(dates, realization_raw, parse_date)

        try:
            status_value = statuses[status_raw]
        except KeyError:
            status_value = _cached(statuses, status_raw, parse_payment_status)

        try:
            parent_value = parents[parent_raw]
        except KeyError:
            parent_value = _cached(parents, parent_raw, parse_reference)

        if document_number is not None:
            document_number = document_number.strip() or None

        # The fields in the order that ``Order`` declares them.
        append(
            new(
                Order,
                (
                    ref_raw.lower(),
                    number,
                    date_value,
                    document_number,
                    parent_value,
                    status_value,
                    realization_value,
                    raw.get("deletion_mark", False),
                    raw.get("posted", True),
                    modified_value,
                ),
            )
        )

    caches = (dates, statuses, parents)
    if failed or any(value is invalid for cache in caches for value in cache.values()):
        _report_orders(builder, records)
    return tuple(orders)


_REQUIRED_ORDER_FIELDS: Final = itemgetter(
    "ref",
    "number",
    "date",
    "document_number",
    "parent_ref",
    "payment_status",
    "realization_date",
)
# Naive because it is compared with the naive result of fromisoformat().
_DAY_AFTER_EMPTY_DATE: Final = datetime(1, 1, 2)  # noqa: DTZ001
_INVALID = object()
"""Placeholder for a value its parser rejected."""


def _cached(cache: dict[Any, Any], raw: Any, parser: Callable[[Any], Any]) -> Any:
    try:
        value = parser(raw)
    except ValueError:
        value = _INVALID
    cache[raw] = value
    return value


_ORDER_DETAILS: Final = {
    "date": "no such calendar date or time",
    "modified_at": "no such calendar date or time",
    "realization_date": "no such calendar date",
    "payment_status": f"allowed: {PAYMENT_STATUS_CHOICES}; case and spaces are ignored",
}


def _report_orders(builder: _Builder, records: list[dict[str, Any]]) -> None:
    """List every value of the orders that its parser rejects, in order."""
    for index, raw in enumerate(records):
        for name, parser in _ORDER_PARSERS.items():
            raw_value = raw.get(name)
            try:
                parser(raw_value, builder.zone)
            except ValueError:
                path = ("orders", index, name)
                detail = _ORDER_DETAILS.get(name, "")
                builder.problems.append(
                    value_problem(builder.kind, path, raw_value, detail)
                )


# The parsed fields of an order in the order of the model's fields, which is
# the order their problems are listed in.
_ORDER_PARSERS: Final[dict[str, Callable[[Any, tzinfo], object]]] = {
    "date": parse_required_date_time,
    "parent_ref": lambda value, _zone: parse_reference(value),
    "payment_status": lambda value, _zone: parse_payment_status(value),
    "realization_date": lambda value, _zone: parse_date(value),
    "modified_at": parse_date_time,
}


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
