"""Deal lookup by document number and deal updates against the emulator."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from exchange.bitrix24 import (
    AccessDenied,
    Bitrix24Client,
    CommandError,
    DealFieldCodes,
    DealUpdate,
    PortalUnavailable,
    ResolvedDealFields,
    find_deals,
    resolve_deal_fields,
    update_deals,
)
from exchange.bitrix24.deals import in_filter_capability
from exchange.contract.enums import PaymentStatus
from exchange.emulator import Emulator
from tests.bitrix24.conftest import ClientFactory
from tests.fixtures.emulator import EmulatorFactory

NUMBER = "UF_CRM_1700000001"
STATUS = "UF_CRM_1700000002"
DATE = "UF_CRM_1700000003"
CODES = DealFieldCodes(NUMBER, STATUS, DATE)
MODES = ["supported", "ignored", "error"]


def resolved(client: Bitrix24Client) -> ResolvedDealFields:
    """Resolve the demo field codes on the portal behind ``client``."""
    return resolve_deal_fields(client, CODES, None, ZoneInfo("Europe/Moscow"))


def seed_of(deals: list[dict[str, Any]]) -> dict[str, Any]:
    """Build a seed with the demo deal fields and the given deals."""
    items = [
        {"ID": 45, "VALUE": "Не оплачен"},
        {"ID": 46, "VALUE": "Оплачен частично"},
        {"ID": 47, "VALUE": "Оплачен полностью"},
    ]
    return {
        "fields": {
            "deal": {
                NUMBER: {"type": "string"},
                STATUS: {"type": "enumeration", "items": items},
                DATE: {"type": "date"},
            }
        },
        "deals": deals,
    }


@pytest.mark.parametrize("mode", MODES)
def test_find_demo_numbers(
    emulator: Emulator, client_factory: ClientFactory, mode: str
) -> None:
    """Exact, spaced, duplicate and unknown numbers resolve alike in every @ mode."""
    emulator.in_operator_on_uf = mode
    client = client_factory(emulator.webhook_url)
    fields = resolved(client)

    found = find_deals(
        client,
        fields,
        [
            "ТЛ-000101",
            " ТЛ-000102 ",
            "ТЛ-000105",
            "ТЛ-000106",
            "ТЛ-999999",
            "ТЛ-000109",
        ],
    )

    assert {number: [deal.id for deal in deals] for number, deals in found.items()} == {
        "ТЛ-000101": [101],
        "ТЛ-000102": [102],
        "ТЛ-000105": [105],
        "ТЛ-000106": [106, 107],
        "ТЛ-999999": [],
        "ТЛ-000109": [109],
    }
    assert found["ТЛ-000105"][0].document_number == " ТЛ-000105 "

    deal_109 = found["ТЛ-000109"][0]
    assert deal_109.payment_status_item == "47"
    assert deal_109.realization_date == dt.date(2026, 11, 20)
    assert found["ТЛ-000101"][0].payment_status_item is None
    assert found["ТЛ-000101"][0].realization_date is None

    assert client.capabilities[in_filter_capability(fields)] is (mode == "supported")


@pytest.mark.parametrize("mode", ["ignored", "error"])
def test_fallback_is_remembered(
    emulator: Emulator, client_factory: ClientFactory, mode: str
) -> None:
    """After @ failed once, later lookups go straight to = filters."""
    emulator.in_operator_on_uf = mode
    client = client_factory(emulator.webhook_url)
    fields = resolved(client)
    find_deals(client, fields, ["ТЛ-000101"])
    before = client.requests_sent
    found = find_deals(client, fields, ["ТЛ-000102", "ТЛ-000103"])
    assert [deal.id for deal in found["ТЛ-000102"]] == [102]
    assert [deal.id for deal in found["ТЛ-000103"]] == [103]
    assert client.requests_sent == before + 1


def test_empty_numbers_are_skipped(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """Blank numbers are not looked up and cost no request."""
    client = client_factory(emulator.webhook_url)
    fields = resolved(client)
    before = client.requests_sent
    assert find_deals(client, fields, ["", "  "]) == {}
    assert client.requests_sent == before


@pytest.mark.parametrize("mode", ["supported", "error"])
def test_many_deals_with_one_number_are_paged(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, mode: str
) -> None:
    """A number shared by 120 deals returns all 120, past the 50-row page."""
    deals = [{"ID": 500 + i, "TITLE": "d", NUMBER: "ТЛ-7"} for i in range(120)]
    deals.append({"ID": 900, "TITLE": "d", NUMBER: "ТЛ-8"})
    emulator = emulator_factory(seed=seed_of(deals), in_operator_on_uf=mode)
    client = client_factory(emulator.webhook_url)
    found = find_deals(client, resolved(client), ["ТЛ-7", "ТЛ-8"])
    assert [deal.id for deal in found["ТЛ-7"]] == list(range(500, 620))
    assert [deal.id for deal in found["ТЛ-8"]] == [900]


def lookup_cost(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, count: int
) -> int:
    """Seed ``count`` deals with distinct numbers; return the requests to find all."""
    numbers = [f"ТЛ-{i:06d}" for i in range(count)]
    deals = [{"ID": i + 1, "TITLE": "d", NUMBER: n} for i, n in enumerate(numbers)]
    emulator = emulator_factory(seed=seed_of(deals))
    # The emulator scans every deal for each command, so a batch can take seconds.
    client = client_factory(emulator.webhook_url, timeout=120.0)
    fields = resolved(client)
    before = client.requests_sent
    found = find_deals(client, fields, numbers)
    assert all(len(found[n]) == 1 for n in numbers)
    assert found[numbers[-1]][0].id == count
    return client.requests_sent - before


def test_two_thousand_numbers_cost_two_requests(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """With @ working, 20 numbers share a command and 50 commands a batch."""
    assert lookup_cost(emulator_factory, client_factory, 2_000) == 2


@pytest.mark.slow
def test_ten_thousand_numbers_cost_ten_requests(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """With @ working, 10,000 numbers are looked up in 10 HTTP requests."""
    assert lookup_cost(emulator_factory, client_factory, 10_000) == 10


def test_update_deals_reports_per_deal(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """Updates apply per deal; a missing deal is reported as not found."""
    client = client_factory(emulator.webhook_url)
    fields = resolved(client)
    calls: list[dict[int, CommandError | None]] = []
    update_deals(
        client,
        [
            DealUpdate(
                101,
                {
                    STATUS: fields.encode_payment_status(PaymentStatus.PARTIALLY_PAID),
                    DATE: fields.encode_realization_date(dt.date(2026, 12, 1)),
                },
            ),
            DealUpdate(999999, {STATUS: "45"}),
            DealUpdate(109, {DATE: fields.encode_realization_date(None)}),
        ],
        calls.append,
    )
    assert len(calls) == 1
    results = calls[0]
    assert results[101] is None
    assert results[109] is None
    missing = results[999999]
    assert missing is not None
    assert missing.not_found is True

    deal_101 = client.call("crm.deal.get", {"id": 101}).result
    assert deal_101[STATUS] in ("46", 46)
    assert fields.decode_realization_date(deal_101[DATE]) == dt.date(2026, 12, 1)
    deal_109 = client.call("crm.deal.get", {"id": 109}).result
    assert fields.decode_realization_date(deal_109[DATE]) is None


def test_update_deals_in_batches_of_50(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """120 updates go out as 3 batches, each reported before the next is sent."""
    client = client_factory(emulator.webhook_url)
    ids = [1001 + i for i in range(120)]
    sizes: list[int] = []
    requests_at_callback: list[int] = []

    def on_batch_done(results: dict[int, CommandError | None]) -> None:
        assert all(error is None for error in results.values())
        sizes.append(len(results))
        requests_at_callback.append(emulator.stats.by_method["batch"])

    update_deals(client, [DealUpdate(i, {STATUS: "47"}) for i in ids], on_batch_done)
    assert sizes == [50, 50, 20]
    assert requests_at_callback == [1, 2, 3]


def test_update_access_denied_stops(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """AccessDenied on a batch stops the run before any callback."""
    client = client_factory(emulator.webhook_url)
    emulator.faults.add(status=503, error="OVERLOAD_LIMIT", description="blocked")
    calls: list[object] = []
    with pytest.raises(AccessDenied):
        update_deals(client, [DealUpdate(101, {STATUS: "45"})], calls.append)
    assert calls == []


def test_update_outage_leaves_rest_unsent(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """When retries run out, earlier batches are reported and later ones unsent."""
    client = client_factory(emulator.webhook_url, max_attempts=2)
    calls: list[dict[int, CommandError | None]] = []

    def on_batch_done(results: dict[int, CommandError | None]) -> None:
        calls.append(results)
        emulator.faults.outage(on=True)

    updates = [DealUpdate(1001 + i, {STATUS: "46"}) for i in range(60)]
    with pytest.raises(PortalUnavailable):
        update_deals(client, updates, on_batch_done)
    assert len(calls) == 1
    assert sorted(calls[0]) == [1001 + i for i in range(50)]


def test_update_rejects_duplicates_and_empty_fields(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    """Two updates of one deal, or an update without fields, raise ValueError."""
    client = client_factory(emulator.webhook_url)
    with pytest.raises(ValueError, match="twice"):
        update_deals(
            client, [DealUpdate(1, {"A": "1"}), DealUpdate(1, {"B": "2"})], print
        )
    with pytest.raises(ValueError, match="no fields"):
        update_deals(client, [DealUpdate(1, {})], print)
    assert client.requests_sent == 0
