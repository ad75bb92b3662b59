"""Types shared by the REST method handlers of the emulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from exchange.emulator.store import Portal


@dataclass(frozen=True)
class MethodResult:
    """A successful answer: ``result``, plus ``total`` and ``next`` for lists."""

    result: Any
    total: int | None = None
    next: int | None = None


@dataclass(frozen=True)
class CallContext:
    """What a handler may use: the portal data and the behaviour switches."""

    portal: Portal
    in_operator_on_uf: str = "supported"


Handler = Callable[[CallContext, dict[str, Any]], MethodResult]
