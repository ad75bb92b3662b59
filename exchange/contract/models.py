"""Typed, immutable models of the incoming packages, with normalized values.

The packages and their records are pydantic models, except ``Order``, a
named tuple, because a package may carry 100,000 orders.

Conventions: references are lower-case UUID strings and ``None`` when
empty; date-times are aware ``datetime`` objects in the 1C base's time zone;
dates are ``datetime.date``; empty dates are ``None``; arrays are tuples.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict

from exchange.contract.enums import CounterpartyKind, PackageKind, PaymentStatus


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Envelope(_Frozen):
    """Fields every package carries."""

    format: Literal["tms-b24-exchange"]
    version: Literal[1]
    kind: PackageKind
    package_id: str
    sender: str
    number: int
    created_at: dt.datetime


class Order(NamedTuple):
    """One transport order (Заказ на ТС) as it is now in 1C.

    A named tuple is built in one call, without a dict of its own, and its
    fields are read by position. For 100,000 orders, building took 0.06 s
    against 0.10 s for the pydantic model (built as ``construct_checked``
    does), and the whole package took about a fifth less time to process
    (CPython 3.11.7).
    """

    ref: str
    number: str
    date: dt.datetime
    document_number: str | None
    """Номер документа, trimmed; ``None`` when empty."""
    parent_ref: str | None
    payment_status: PaymentStatus | None
    realization_date: dt.date | None
    deletion_mark: bool = False
    posted: bool = True
    modified_at: dt.datetime | None = None


class OrdersPackage(Envelope):
    """An ``orders`` package."""

    orders: tuple[Order, ...]


class CatalogCounterparty(_Frozen):
    """One counterparty of the 1C catalog Контрагенты."""

    ref: str
    kind: CounterpartyKind
    name: str
    inn: str | None
    kpp: str | None
    phones: tuple[str, ...] = ()
    deletion_mark: bool = False


class CounterpartyCatalogPackage(Envelope):
    """A ``counterparty_catalog`` package."""

    complete: bool = False
    counterparties: tuple[CatalogCounterparty, ...]


class CounterpartyResult(_Frozen):
    """What the 1C processing did with one exported counterparty."""

    b24_entity: Literal["company", "contact"]
    b24_id: int
    status: Literal["created", "updated", "matched", "error"]
    ref: str | None
    message: str
    """The message as written, ``""`` when 1C sent none."""


class CounterpartiesReceiptPackage(Envelope):
    """A ``counterparties_receipt`` package."""

    in_reply_to: str
    results: tuple[CounterpartyResult, ...]


IncomingPackage = (
    OrdersPackage | CounterpartyCatalogPackage | CounterpartiesReceiptPackage
)

ModelT = TypeVar("ModelT", bound=BaseModel)


# The __set__ methods of BaseModel's slot descriptors. Calling them skips the
# attribute lookup that object.__setattr__ makes: building a model took
# 0.31 µs instead of 0.44 µs (CPython 3.11.7, pydantic 2.14.4).
_slots = BaseModel.__dict__
SET_DICT: Final = _slots["__dict__"].__set__
SET_FIELDS_SET: Final = _slots["__pydantic_fields_set__"].__set__
SET_EXTRA: Final = _slots["__pydantic_extra__"].__set__
SET_PRIVATE: Final = _slots["__pydantic_private__"].__set__
del _slots


def construct_checked(model: type[ModelT], values: dict[str, Any]) -> ModelT:
    """Build a model from values that were already validated and normalized.

    Skipping pydantic's validation is safe only because the schema pass
    proved the shapes and the parsers in ``values.py`` produced the exact
    types; ``values`` must contain every field. For 100,000 orders this is
    about four times faster than ``TypeAdapter.validate_python``. A test
    checks the result equals ``model_validate`` of the same values.
    """
    instance = object.__new__(model)
    SET_DICT(instance, values)
    SET_FIELDS_SET(instance, set(values))
    SET_EXTRA(instance, None)
    SET_PRIVATE(instance, None)
    return instance
