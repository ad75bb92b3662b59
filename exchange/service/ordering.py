"""The order in which ready files are applied: per sender, by message number.

File names need not follow the suggested ``<kind>_<sender>_<number>.json``,
so the envelope's ``sender`` and ``number`` are read from the start of each
local file. 1C writes the envelope members first, and the envelope's
``number`` is the only integer-valued ``number`` (order numbers are strings).
Files whose envelope cannot be read this way keep the source's order, after
the others.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from exchange.transport import IncomingFile
from exchange.transport.names import processing_order

PEEK_BYTES = 64 * 1024
_SENDER = re.compile(rb'"sender"\s*:\s*"((?:[^"\\]|\\.){1,64})"')
_NUMBER = re.compile(rb'"number"\s*:\s*(\d{1,18})\s*[,}\r\n]')


def application_order(items: Sequence[IncomingFile]) -> list[IncomingFile]:
    """Sort local files by (sender, number) as their envelopes give them."""
    keyed = [(_envelope_key(item), processing_order(item), item) for item in items]
    keyed.sort(key=lambda entry: (entry[0] is None, entry[0] or ("", 0), entry[1]))
    return [item for _, _, item in keyed]


def _envelope_key(item: IncomingFile) -> tuple[str, int] | None:
    try:
        with Path(item.location).open("rb") as stream:
            head = stream.read(PEEK_BYTES)
    except OSError:
        return None
    sender = _SENDER.search(head)
    number = _NUMBER.search(head)
    if sender is None or number is None:
        return None
    return sender.group(1).decode("utf-8", "replace"), int(number.group(1))
