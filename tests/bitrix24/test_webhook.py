"""The webhook URL never shows its secret code."""

from __future__ import annotations

import pytest

from exchange.bitrix24.webhook import WebhookUrl
from exchange.errors import ConfigError

SECRET = "k3y5ecr3tc0de"


def test_masked_form() -> None:
    """The masked URL keeps the portal and user ID and hides the code."""
    webhook = WebhookUrl(f"https://portal.bitrix24.ru/rest/1/{SECRET}/")
    assert webhook.masked == "https://portal.bitrix24.ru/rest/1/***/"
    assert SECRET not in repr(webhook)
    assert SECRET not in str(webhook)


def test_method_url() -> None:
    """Methods are posted to <webhook>/<method>.json, with or without a final slash."""
    webhook = WebhookUrl(f"https://portal.bitrix24.ru/rest/1/{SECRET}")
    assert (
        webhook.method_url("crm.deal.list")
        == f"https://portal.bitrix24.ru/rest/1/{SECRET}/crm.deal.list.json"
    )


def test_scrub_removes_code_from_text() -> None:
    """Any text that contains the code has it replaced."""
    webhook = WebhookUrl(f"http://127.0.0.1:8080/rest/7/{SECRET}/")
    assert (
        webhook.scrub(f"POST /rest/7/{SECRET}/batch.json")
        == "POST /rest/7/***/batch.json"
    )


@pytest.mark.parametrize(
    "url",
    [
        f"ftp://portal/rest/1/{SECRET}/",
        f"https://portal/api/1/{SECRET}/",
        "https://portal/rest/1/",
        f"https://portal/rest/1/{SECRET}/?x=1",
    ],
)
def test_invalid_url_raises_without_the_secret(url: str) -> None:
    """An invalid URL raises ConfigError whose message does not quote the URL."""
    with pytest.raises(ConfigError) as info:
        WebhookUrl(url)
    assert SECRET not in str(info.value)
    assert "/rest/<user id>/<code>/" in str(info.value)
