"""Validation of the JSON bodies of the control endpoint ``/_emulator/<action>``.

The bodies come from testers typing curl commands, so each field is checked
for its JSON type here. A wrong type raises TypeError and a wrong value
ValueError, each with a message that names the field, the value and what is
expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OUTAGE_FIELDS = ("on", "status", "drop")


@dataclass(frozen=True)
class OutageSwitch:
    """The arguments of :meth:`FaultQueue.outage` read from an ``outage`` body."""

    on: bool
    status: int
    drop: bool


def read_outage_switch(arguments: dict[str, Any]) -> OutageSwitch:
    """Read an ``outage`` body ``{"on": bool, "status": int, "drop": bool}``.

    Every field is optional: ``on`` defaults to true, ``status`` to 503
    and ``drop`` to false. Raise TypeError for a value of the wrong JSON
    type. Raise ValueError for an unknown field, for ``status`` together
    with ``"drop": true``, and for ``status`` or ``drop`` given with
    ``"on": false``. The range of ``status`` is checked by
    :meth:`FaultQueue.outage`.
    """
    unknown = sorted(set(arguments) - set(OUTAGE_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown outage field {unknown[0]!r}: expected on, status or drop"
        )
    on = _read_boolean(arguments, "on", default=True)
    drop = _read_boolean(arguments, "drop", default=False)
    status = arguments.get("status", 503)
    # bool is a subclass of int, so true and false are rejected by name.
    if isinstance(status, bool) or not isinstance(status, int):
        raise TypeError(
            "outage field 'status' must be an integer HTTP status such as 503, "
            f"got {status!r}"
        )
    if not on and ("status" in arguments or "drop" in arguments):
        raise ValueError(
            "outage fields 'status' and 'drop' apply only when 'on' is true, "
            "so send 'on': false alone to end the outage"
        )
    if drop and "status" in arguments:
        raise ValueError(
            "an outage either responds with 'status' or drops connections "
            "with 'drop': true, so send only one of them"
        )
    return OutageSwitch(on=on, status=status, drop=drop)


def _read_boolean(arguments: dict[str, Any], name: str, *, default: bool) -> bool:
    value = arguments.get(name, default)
    if not isinstance(value, bool):
        raise TypeError(f"outage field {name!r} must be true or false, got {value!r}")
    return value
