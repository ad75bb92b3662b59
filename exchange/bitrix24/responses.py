"""Reading the portal's responses: single calls, errors and ``batch`` results.

The portal serializes PHP arrays, so every map of a response comes in one of
two shapes: a JSON object, or a JSON list when its keys are exactly 0..n-1
(an empty map is ``[]``). Readers here accept both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from exchange import jsonio
from exchange.bitrix24.errors import Bitrix24Error, CommandError


@dataclass(frozen=True)
class ResponseTime:
    """The ``time`` block of a successful response; every part is optional."""

    duration: float | None = None
    operating: float | None = None
    """Seconds of execution time charged to the method in the last 10 minutes."""
    operating_reset_at: float | None = None
    """Unix time when the oldest charged minute expires (cloud portals only)."""


@dataclass(frozen=True)
class Response:
    """A successful response to one call."""

    result: Any
    total: int | None = None
    next: int | None = None
    time: ResponseTime = field(default_factory=ResponseTime)


@dataclass(frozen=True)
class ErrorResponse:
    """A response that reports an error, before it is classified."""

    code: str
    description: str
    http_status: int


def read_body(
    http_status: int, content_type: str, body: bytes
) -> Mapping[str, Any] | ErrorResponse:
    """Return the JSON object of a successful response or the error it reports.

    An error is recognised by the presence of the ``error`` key (its code may
    be ``""`` or ``0``), by a body that is not a JSON object (gateways respond
    to 502 and 504 with HTML), or by an HTTP error status.
    """
    try:
        data = jsonio.loads(body) if body.strip() else None
    except jsonio.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        kind = content_type.split(";", maxsplit=1)[0].strip() or "no content type"
        return ErrorResponse(
            "",
            f"HTTP {http_status} with a body that is not a JSON object ({kind})",
            http_status,
        )
    if "error" in data:
        return ErrorResponse(
            error_code(data["error"]),
            str(data.get("error_description") or ""),
            http_status,
        )
    if http_status >= 400 or "result" not in data:
        return ErrorResponse("", f"HTTP {http_status} without a result", http_status)
    return data


def error_code(value: object) -> str:
    """Normalize an ``error`` value: ``""`` for the empty codes ``""``, 0, null."""
    if value in (None, "", 0, False):
        return ""
    return str(value)


def parse_response(data: Mapping[str, Any]) -> Response:
    """Build a ``Response`` from the JSON object of a successful response."""
    return Response(
        result=data.get("result"),
        total=_optional_int(data.get("total")),
        next=_optional_int(data.get("next")),
        time=parse_time(data.get("time")),
    )


def parse_time(raw: object) -> ResponseTime:
    """Read a ``time`` block; missing or malformed parts become ``None``."""
    if not isinstance(raw, Mapping):
        return ResponseTime()
    return ResponseTime(
        duration=_optional_float(raw.get("duration")),
        operating=_optional_float(raw.get("operating")),
        operating_reset_at=_optional_float(raw.get("operating_reset_at")),
    )


@dataclass
class BatchResult:
    """Per-command outcome of one or more ``batch`` requests."""

    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, CommandError] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    nexts: dict[str, int] = field(default_factory=dict)
    times: dict[str, ResponseTime] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Commands with neither a result nor an error (after a ``halt``)."""

    def update(self, other: BatchResult) -> None:
        """Add the outcomes of another batch with different command names."""
        self.results.update(other.results)
        self.errors.update(other.errors)
        self.totals.update(other.totals)
        self.nexts.update(other.nexts)
        self.times.update(other.times)
        self.skipped.extend(other.skipped)


def parse_batch(result: object, methods: Mapping[str, str]) -> BatchResult:
    """Split a ``batch`` response's ``result`` into per-command outcomes.

    ``methods`` maps each command name that was sent to its REST method.
    """
    if not isinstance(result, Mapping):
        raise Bitrix24Error(
            f"batch returned a result of type {type(result).__name__}, "
            "expected an object with result and result_error",
            method="batch",
        )
    results = _as_map(result.get("result"), "result")
    raw_errors = _as_map(result.get("result_error"), "result_error")
    outcome = BatchResult()
    for name, method in methods.items():
        if name in raw_errors:
            outcome.errors[name] = _command_error(name, method, raw_errors[name])
        elif name in results:
            outcome.results[name] = results[name]
        else:
            outcome.skipped.append(name)
    for name, value in _as_map(result.get("result_total"), "result_total").items():
        if (total := _optional_int(value)) is not None:
            outcome.totals[name] = total
    for name, value in _as_map(result.get("result_next"), "result_next").items():
        if (next_start := _optional_int(value)) is not None:
            outcome.nexts[name] = next_start
    for name, value in _as_map(result.get("result_time"), "result_time").items():
        outcome.times[name] = parse_time(value)
    return outcome


def _command_error(name: str, method: str, raw: object) -> CommandError:
    if isinstance(raw, Mapping):
        return CommandError(
            name,
            method,
            error_code(raw.get("error")),
            str(raw.get("error_description") or ""),
        )
    # Some portals give only the description string.
    return CommandError(name, method, "", str(raw))


def _as_map(value: object, part: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)}
    if isinstance(value, Mapping):
        return {str(key): item for key, item in value.items()}
    raise Bitrix24Error(
        f"batch returned {part} of type {type(value).__name__}, "
        "expected an object or a list",
        method="batch",
    )


def _optional_int(value: object) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if not isinstance(value, int | float | str):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _optional_float(value: object) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None
