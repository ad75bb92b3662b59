"""The one place where the service reads and writes JSON (through orjson)."""

from __future__ import annotations

from typing import Any

import orjson

JSONDecodeError = orjson.JSONDecodeError


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse JSON text; raise ``JSONDecodeError`` with line and column.

    A ``memoryview`` must be C-contiguous, as orjson requires.
    """
    return orjson.loads(data)


def dumps(value: Any, *, indent: bool = False, sort_keys: bool = False) -> bytes:
    """Serialize to UTF-8 JSON bytes without a byte order mark."""
    option = orjson.OPT_NON_STR_KEYS
    if indent:
        option |= orjson.OPT_INDENT_2
    if sort_keys:
        option |= orjson.OPT_SORT_KEYS
    return orjson.dumps(value, option=option)


def merged_objects(first: bytes, second: bytes) -> bytes:
    """Return one indented JSON object of the members of two, first's first.

    Both must be objects that ``dumps(..., indent=True)`` wrote, with no key
    in common. Their members are at the same depth, so the result has the
    bytes that ``dumps`` writes for the merged dict, without serializing
    ``second`` again.
    """
    if first == b"{}":
        return second
    if second == b"{}":
        return first
    # ``first`` ends with "\n}" and ``second`` starts with "{\n".
    return first[:-2] + b",\n" + second[2:]


def dumps_text(value: Any, *, indent: bool = False) -> str:
    """Serialize to a JSON string."""
    return dumps(value, indent=indent).decode("utf-8")
