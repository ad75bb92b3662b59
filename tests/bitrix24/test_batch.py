"""Batch packing and list scans against the emulator."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange import jsonio
from exchange.emulator import Emulator
from tests.bitrix24.conftest import ClientFactory

DEMO_SEED = Path(__file__).resolve().parents[2] / "samples" / "bitrix24" / "portal.json"


def demo_deal_ids() -> list[int]:
    """Return the deal IDs of the demo seed file, ascending."""
    seed = jsonio.loads(DEMO_SEED.read_bytes())
    return sorted(int(deal["ID"]) for deal in seed["deals"])


def test_batch_reports_each_command(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """Successes and per-command errors of one batch come back by command name."""
    client = client_factory(emulator.webhook_url)
    outcome = client.batch(
        {
            "get": ("crm.deal.get", {"id": 101}),
            "missing": ("crm.deal.update", {"id": 999999, "fields": {"TITLE": "x"}}),
            "list": ("crm.deal.list", {"filter": {"ID": 102}, "select": ["ID"]}),
        }
    )
    assert outcome.results["get"]["ID"] == "101"
    assert outcome.results["list"] == [{"ID": "102"}]
    assert outcome.totals["list"] == 1
    assert set(outcome.errors) == {"missing"}
    assert outcome.errors["missing"].not_found is True
    assert client.requests_sent == 1


def test_batch_of_numeric_names(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """Commands named 0..n-1, which the portal returns as JSON lists, are read."""
    client = client_factory(emulator.webhook_url)
    outcome = client.batch(
        {
            str(index): ("crm.deal.get", {"id": deal})
            for index, deal in enumerate([101, 102])
        }
    )
    assert outcome.results["0"]["ID"] == "101"
    assert outcome.results["1"]["ID"] == "102"


def test_batch_rejects_more_than_50(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """A batch of 51 commands raises ValueError before any request."""
    client = client_factory(emulator.webhook_url)
    commands = {f"c{i}": ("crm.deal.get", {"id": 101}) for i in range(51)}
    with pytest.raises(ValueError, match="at most 50"):
        client.batch(commands)
    assert client.requests_sent == 0


def test_batches_split_by_50(emulator: Emulator, client_factory: ClientFactory) -> None:
    """120 commands go out as 3 batch requests and every result comes back."""
    client = client_factory(emulator.webhook_url)
    ids = demo_deal_ids()[:120]
    outcome = client.batches(
        {f"d{deal}": ("crm.deal.get", {"id": deal}) for deal in ids}
    )
    assert client.requests_sent == 3
    assert emulator.stats.by_method["batch"] == 3
    assert {name: row["ID"] for name, row in outcome.results.items()} == {
        f"d{deal}": str(deal) for deal in ids
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    title=st.text(min_size=1, max_size=40).filter(
        lambda text: text.strip() == text and "\x00" not in text
    )
)
def test_batch_values_survive_the_portal(
    emulator: Emulator, client_factory: ClientFactory, title: str
) -> None:
    """Any text sent through a batch command is stored exactly as sent."""
    client = client_factory(emulator.webhook_url)
    outcome = client.batch(
        {
            "set": ("crm.deal.update", {"id": 101, "fields": {"TITLE": title}}),
            "get": ("crm.deal.get", {"id": 101}),
        }
    )
    assert outcome.errors == {}
    assert outcome.results["get"]["TITLE"] == title


def test_list_all_fast_scan_pages_past_50(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """The ID scan returns every deal once, ascending, one request per 50 rows."""
    client = client_factory(emulator.webhook_url)
    rows = list(client.list_all("crm.deal.list", select=["ID", "TITLE"]))
    ids = demo_deal_ids()
    assert [int(row["ID"]) for row in rows] == ids
    assert client.requests_sent == math.floor(len(ids) / 50) + 1
    assert emulator.stats.by_method["crm.deal.list"] == client.requests_sent


def test_list_all_with_filter(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """The ID scan keeps the caller's filter on every page."""
    client = client_factory(emulator.webhook_url)
    rows = list(
        client.list_all(
            "crm.deal.list", filter={"UF_CRM_1700000010": "1"}, select=["ID"]
        )
    )
    assert [row["ID"] for row in rows] == ["201", "202"]


def test_list_all_offset_scan(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """The offset scan follows next until the last page."""
    client = client_factory(emulator.webhook_url)
    rows: list[dict[str, Any]] = list(
        client.list_all("crm.deal.list", select=["ID"], scan="offset")
    )
    assert sorted(int(row["ID"]) for row in rows) == demo_deal_ids()
