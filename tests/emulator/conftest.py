"""Helpers for the emulator tests: a plain HTTP client and call shortcuts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from exchange.emulator import Emulator


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """A plain httpx client shared by the session, because building one costs
    about 0.1 s (its TLS context)."""
    with httpx.Client(timeout=10) as client:
        yield client


def post_json(
    client: httpx.Client, emulator: Emulator, method: str, payload: dict[str, Any]
) -> httpx.Response:
    """POST a JSON body to a method of the emulator's webhook."""
    return client.post(emulator.webhook_url + method, json=payload)


def post_form(
    client: httpx.Client, emulator: Emulator, method: str, body: str
) -> httpx.Response:
    """POST a hand-built form body to a method of the emulator's webhook."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return client.post(emulator.webhook_url + method, content=body, headers=headers)


def get_query(
    client: httpx.Client, emulator: Emulator, method: str, query: str
) -> httpx.Response:
    """GET a method with a hand-built query string."""
    return client.get(f"{emulator.webhook_url}{method}?{query}")
