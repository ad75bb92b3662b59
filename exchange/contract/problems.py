"""Contract violations and per-order business problems, as reported to people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exchange import jsonio

MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class Problem:
    """One contract violation of a file; any of them rejects the whole file."""

    path: str
    """JSON Pointer of the offending value; ``""`` for the whole file."""
    value: str
    """The offending value as JSON text, shortened to ``MAX_VALUE_CHARS``."""
    message: str
    """What is wrong, the rule, and what to do."""

    def describe(self, source_name: str) -> str:
        """Format the problem as one line for people, naming the file."""
        location = self.path or "(file)"
        if self.value:
            return f"{source_name}: {location}: {self.value}: {self.message}"
        return f"{source_name}: {location}: {self.message}"


@dataclass(frozen=True)
class OrderProblem:
    """A business check that one order failed; the order gets status error."""

    index: int
    """Position of the order in the ``orders`` array."""
    ref: str | None
    """The order's reference in lower case, when it could be read."""
    path: str
    """JSON Pointer of the offending field."""
    message: str
    """What is wrong and what to do."""
    keeps_order: bool = False
    """Whether the order is stored all the same: the problem lies with its
    deal (a shared Номер документа), so a later package that resolves it
    applies the order without sending it again."""

    def describe(self, source_name: str) -> str:
        """Format the problem as one line for people, naming the file."""
        return f"{source_name}: {self.path}: {self.message}"


def shorten(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def show_value(value: Any) -> str:
    """Render a JSON value for a message: JSON text, shortened."""
    try:
        text = jsonio.dumps_text(value)
    except TypeError:
        text = repr(value)
    return shorten(text)


def pointer(path: tuple[str | int, ...] | list[str | int]) -> str:
    """Build a JSON Pointer (RFC 6901) from path steps."""
    parts = [str(step).replace("~", "~0").replace("/", "~1") for step in path]
    return "".join("/" + part for part in parts)
