"""The JSON documents the service writes for 1C.

1C reads them with ``ПрочитатьJSON``: keys are valid 1C identifiers, dates
are local time of the 1C base without offset, an empty date is
``0001-01-01T00:00:00`` and unknown strings are ``""``, never null.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from exchange.contract.problems import Problem
from exchange.orders.reports import ReceiptRow

FORMAT = "tms-b24-exchange"
VERSION = 1
EMPTY_DATE = "0001-01-01T00:00:00"


def onec_datetime(moment: datetime | None, zone: ZoneInfo) -> str:
    """Write a date-time as 1C local time without offset, or the empty date."""
    if moment is None:
        return EMPTY_DATE
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.replace(tzinfo=None, microsecond=0).isoformat()


def onec_date(day: date | None) -> str:
    """Write a date as 1C writes a date-time at midnight, or the empty date."""
    if day is None:
        return EMPTY_DATE
    return f"{day.isoformat()}T00:00:00"


def envelope(
    kind: str, sender: str, number: int, created_at: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    """Return the envelope fields of an outgoing package."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "package_id": str(uuid.uuid4()),
        "sender": sender,
        "number": number,
        "created_at": onec_datetime(created_at, zone),
    }


def orders_receipt_body(
    *,
    in_reply_to: str,
    source_file: str,
    sha256: str,
    outcome: str,
    rows: Sequence[ReceiptRow],
) -> dict[str, Any]:
    """Return the body of an ``orders_receipt`` (everything but the envelope).

    The results are the ``ReceiptRow`` dicts themselves, whose keys are in
    the order of a result's fields in the exchange format. orjson writes
    ``status``, an ``OrderStatus`` (a ``str`` enum), as its value.
    """
    results = list(rows)
    return {
        "in_reply_to": in_reply_to,
        "source_file": source_file,
        "sha256": sha256,
        "outcome": outcome,
        "count": len(results),
        "results": results,
    }


def rejection_body(
    *,
    in_reply_to: str,
    source_file: str,
    sha256: str,
    problems: Iterable[Problem],
    errors_total: int,
) -> dict[str, Any]:
    """Return the body of a ``rejection`` listing the file's errors."""
    errors = [
        {"path": problem.path, "value": problem.value, "message": problem.message}
        for problem in problems
    ]
    return {
        "in_reply_to": in_reply_to,
        "source_file": source_file,
        "sha256": sha256,
        "count": len(errors),
        "errors_total": max(errors_total, len(errors)),
        "errors": errors,
    }


def file_name(kind: str, sender: str, number: int) -> str:
    """Return the outgoing file name ``<kind>_<sender>_<number>.json``."""
    return f"{kind}_{sender}_{number}.json"
