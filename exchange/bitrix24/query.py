"""Encoding of ``batch`` command parameters as a PHP query string.

The portal reads each ``batch`` command's query with PHP's ``parse_str``, so
the parameters are written the way PHP's ``http_build_query`` writes them:
nested keys in brackets (``filter[@UF_CRM_1][0]=...``), every byte but
letters, digits and ``-_.`` percent-encoded, and a space as ``+``. Only strings
survive that round trip, so booleans are sent as ``1``/``0`` and ``None`` as
the empty string (the value that clears a field).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any


def build_query(params: Mapping[str, Any]) -> str:
    """Encode ``params`` like PHP ``http_build_query`` (RFC 1738 flavour).

    Raises ``ValueError`` for an empty list or mapping: PHP leaves those out
    of the query, so an empty filter list would silently widen a filter to
    the whole table. Raises ``TypeError`` for values that are not strings,
    numbers, booleans, ``None``, mappings or lists.
    """
    return "&".join(
        f"{_quote(key)}={_quote(value)}" for key, value in _flatten(params, None)
    )


def _flatten(value: Mapping[Any, Any], prefix: str | None) -> Iterator[tuple[str, str]]:
    for key, item in value.items():
        name = str(key) if prefix is None else f"{prefix}[{key}]"
        yield from _flatten_value(name, item)


def _flatten_value(name: str, item: Any) -> Iterator[tuple[str, str]]:
    if isinstance(item, Mapping):
        if not item:
            raise ValueError(f"Parameter {name} is an empty mapping")
        yield from _flatten(item, name)
    elif isinstance(item, Sequence) and not isinstance(item, str | bytes):
        if not item:
            raise ValueError(f"Parameter {name} is an empty list")
        yield from _flatten(dict(enumerate(item)), name)
    else:
        yield name, _scalar(name, item)


def _scalar(name: str, item: Any) -> str:
    if item is None:
        return ""
    if isinstance(item, bool):
        return "1" if item else "0"
    if isinstance(item, str):
        return item
    if isinstance(item, int | Decimal):
        return str(item)
    if isinstance(item, float):
        return repr(item)
    raise TypeError(f"Parameter {name} has a value of type {type(item).__name__}")


def _quote(text: str) -> str:
    # quote_plus keeps "~" as is; PHP's urlencode writes it as %7E.
    return urllib.parse.quote_plus(text, safe="").replace("~", "%7E")
