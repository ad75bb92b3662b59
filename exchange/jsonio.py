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


def dumps_text(value: Any, *, indent: bool = False) -> str:
    """Serialize to a JSON string."""
    return dumps(value, indent=indent).decode("utf-8")
