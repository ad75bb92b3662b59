"""Clients of the Bitrix24 emulator with short timeouts and backoffs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from exchange.bitrix24 import Bitrix24Client

FAST_RETRIES: dict[str, Any] = {
    "timeout": 2.0,
    "backoff_base": 0.01,
    "backoff_max": 0.05,
    "reset_wait_default": 0.05,
    "max_retry_seconds": 10.0,
}

ClientFactory = Callable[..., Bitrix24Client]


@pytest.fixture
def client_factory() -> Iterator[ClientFactory]:
    """Make clients of a webhook URL with fast retries; close them after the test."""
    clients: list[Bitrix24Client] = []

    def make(webhook_url: str, **options: Any) -> Bitrix24Client:
        settings = {"requests_per_second": 1000.0, "burst": 1000, **FAST_RETRIES}
        settings.update(options)
        client = Bitrix24Client(webhook_url, **settings)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
