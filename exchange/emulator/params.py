"""Request parameters as a Bitrix24 portal reads them.

A portal is written in PHP, so form bodies, query strings and the command
strings of ``batch`` are parsed with PHP ``parse_str`` semantics: bracket keys
build nested arrays, ``[]`` appends the next integer index, every value is a
string. Nested arrays are returned as dicts with string keys, because a PHP
array is an ordered map; :func:`values_of` reads such a map or a JSON list
alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from exchange import jsonio

_BRACKET_SEGMENT = re.compile(r"\[([^\]]*)\]")


def parse_query(query: str) -> dict[str, Any]:
    """Parse a query string into nested dicts as PHP ``parse_str`` does."""
    result: dict[str, Any] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        key = unquote_plus(raw_key)
        value = unquote_plus(raw_value)
        _assign(result, key, value)
    return result


def _assign(target: dict[str, Any], key: str, value: str) -> None:
    base, path = _split_key(key)
    if not base:
        return
    if not path:
        target[base] = value
        return
    container = target
    segments = [base, *path]
    for index, segment in enumerate(segments):
        name = _next_index(container) if segment == "" else segment
        if index == len(segments) - 1:
            container[name] = value
            return
        child = container.get(name)
        if not isinstance(child, dict):
            child = {}
            container[name] = child
        container = child


def _split_key(key: str) -> tuple[str, list[str]]:
    """Split ``a[b][]`` into ``a`` and ``["b", ""]``.

    PHP turns spaces and dots in the base name into underscores, and an
    unmatched ``[`` into an underscore as well; both rules are kept.
    """
    opening = key.find("[")
    if opening < 0:
        return _php_base_name(key), []
    if "]" not in key[opening:]:
        base = key[:opening] + "_" + key[opening + 1 :]
        return _php_base_name(base), []
    base = _php_base_name(key[:opening])
    rest = key[opening:]
    path: list[str] = []
    position = 0
    while position < len(rest):
        match = _BRACKET_SEGMENT.match(rest, position)
        if match is None:
            break
        path.append(match.group(1))
        position = match.end()
    return base, path


def _php_base_name(name: str) -> str:
    return name.replace(" ", "_").replace(".", "_")


def _next_index(container: Mapping[str, Any]) -> str:
    numbers = [int(key) for key in container if key.lstrip("-").isdigit()]
    return str(max(numbers) + 1 if numbers and max(numbers) >= 0 else 0)


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """Read a request body as JSON or as a form, by its content type.

    A JSON body that does not parse, or that is not an object, counts as no
    parameters, as on a portal.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if media_type == "application/json":
        try:
            decoded = jsonio.loads(body)
        except jsonio.JSONDecodeError:
            return {}
        return decoded if isinstance(decoded, dict) else {}
    return parse_query(body.decode("utf-8", errors="replace"))


def merge_top_level(*sources: Mapping[str, Any]) -> dict[str, Any]:
    """Merge parameter maps with lower-cased top-level names; later ones win.

    Only the top-level names are case-insensitive on a portal; field codes
    inside ``fields`` or ``filter`` keep their case.
    """
    merged: dict[str, Any] = {}
    for source in sources:
        for key, value in source.items():
            merged[str(key).lower()] = value
    return merged


def values_of(value: Any) -> list[Any]:
    """Return the items of a JSON list, the values of a PHP-style map, or one."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def php_array(mapping: Mapping[str, Any]) -> list[Any] | dict[str, Any]:
    """Shape a map as PHP's ``json_encode`` shapes an array.

    An empty array and an array with the keys 0..n-1 in order become JSON
    lists; any other array becomes an object.
    """
    keys = list(mapping)
    if keys == [str(index) for index in range(len(keys))]:
        return list(mapping.values())
    return dict(mapping)
