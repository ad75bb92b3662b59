"""The one format of times that commands print for people.

Human output shows ISO 8601 to the second with the UTC offset, in the zone of
``[display] timezone`` when it is set and in UTC with ``Z`` otherwise, e.g.
``2026-11-28T14:05:31+05:00`` or ``2026-11-28T09:05:31Z``. JSON output keeps
the stored values, which are full ISO 8601.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def format_timestamp(value: datetime | str | None, zone: ZoneInfo | None) -> str:
    """Format a moment for people, in ``zone`` or, when it is None, in UTC.

    ``value`` is an aware datetime or ISO 8601 text as the state database
    stores it (``...Z`` or ``...+00:00``). Fractions of a second are cut off.
    None gives ``""``. Text that is not ISO 8601, or has no offset, is
    returned unchanged, because its zone is unknown and a guess could shift
    it by hours.
    """
    if value is None:
        return ""
    moment = _parse(value) if isinstance(value, str) else value
    if moment is None or moment.utcoffset() is None:
        return str(value)
    if zone is None:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None
