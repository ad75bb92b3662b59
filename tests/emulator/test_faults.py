"""Injected faults, outages and request statistics."""

from __future__ import annotations

import time

import httpx
import pytest

from exchange.emulator import Emulator
from exchange.emulator.faults import FaultQueue
from tests.emulator.conftest import post_json


def test_status_fault_for_n_requests(emulator: Emulator, http: httpx.Client) -> None:
    """A fault fails the next ``times`` matching requests, then stops."""
    emulator.faults.add(
        "crm.deal.update", 500, "INTERNAL_SERVER_ERROR", "boom", times=2
    )
    payload = {"id": 101, "fields": {"TITLE": "x"}}
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 200
    first = post_json(http, emulator, "crm.deal.update", payload)
    assert first.status_code == 500
    assert first.json() == {
        "error": "INTERNAL_SERVER_ERROR",
        "error_description": "boom",
    }
    assert post_json(http, emulator, "crm.deal.update", payload).status_code == 500
    assert post_json(http, emulator, "crm.deal.update", payload).status_code == 200


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (503, "QUERY_LIMIT_EXCEEDED"),
        (503, "OVERLOAD_LIMIT"),
        (401, "expired_token"),
        (403, "ACCESS_DENIED"),
    ],
)
def test_json_error_faults(
    emulator: Emulator, http: httpx.Client, status: int, error: str
) -> None:
    """A fault with an error code responds with that status and JSON error."""
    emulator.faults.add(status=status, error=error, description="injected")
    response = post_json(http, emulator, "crm.deal.list", {})
    assert response.status_code == status
    assert response.json() == {"error": error, "error_description": "injected"}


def test_gateway_fault_is_html(emulator: Emulator, http: httpx.Client) -> None:
    """A 502 fault without an error code responds with an HTML page."""
    emulator.faults.add(status=502)
    response = post_json(http, emulator, "batch", {"cmd": {}})
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text


def test_drop_closes_connection(emulator: Emulator, http: httpx.Client) -> None:
    """A drop fault closes the connection without an answer."""
    emulator.faults.add("crm.deal.get", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        post_json(http, emulator, "crm.deal.get", {"id": 101})
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 200


def test_delay_before_answer(emulator: Emulator, http: httpx.Client) -> None:
    """A delay fault answers normally after the delay."""
    emulator.faults.add("crm.deal.get", delay=0.3)
    started = time.monotonic()
    response = post_json(http, emulator, "crm.deal.get", {"id": 101})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_delay_hits_client_timeout(emulator: Emulator) -> None:
    """A delay longer than the client's timeout makes the client time out."""
    emulator.faults.add(delay=1.0)
    with httpx.Client(timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
        client.post(emulator.webhook_url + "crm.deal.get", json={"id": 101})


def test_outage_and_clear(emulator: Emulator, http: httpx.Client) -> None:
    """An outage fails every request until it is cleared."""
    emulator.faults.outage()
    for method in ("crm.deal.get", "batch", "crm.company.list"):
        assert post_json(http, emulator, method, {"id": 1}).status_code == 503
    emulator.faults.clear()
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 200


def test_fault_inside_batch(emulator: Emulator, http: httpx.Client) -> None:
    """A fault naming a method fails that command inside a batch."""
    emulator.faults.add("crm.deal.update", 500, "INTERNAL_SERVER_ERROR", "boom")
    cmd = {
        "u1": "crm.deal.update?id=101&fields[TITLE]=A",
        "u2": "crm.deal.update?id=102&fields[TITLE]=B",
    }
    result = post_json(http, emulator, "batch", {"cmd": cmd}).json()["result"]
    assert result["result_error"] == {
        "u1": {"error": "INTERNAL_SERVER_ERROR", "error_description": "boom"}
    }
    assert result["result"] == {"u2": True}


def test_stats_and_reset(emulator: Emulator, http: httpx.Client) -> None:
    """Statistics count HTTP requests per method, failed ones included."""
    emulator.stats.reset()
    post_json(http, emulator, "crm.deal.get", {"id": 101})
    post_json(http, emulator, "crm.deal.get", {"id": 999999})
    post_json(http, emulator, "crm.deal.list", {})
    assert emulator.stats.requests == 3
    assert emulator.stats.by_method == {"crm.deal.get": 2, "crm.deal.list": 1}
    emulator.stats.reset()
    assert emulator.stats.requests == 0
    assert emulator.stats.by_method == {}


def test_control_endpoint(emulator: Emulator, http: httpx.Client) -> None:
    """The JSON control endpoint queues faults and reports statistics."""
    control = emulator.base_url + "/_emulator/"
    added = http.post(
        control + "faults", json={"method": "crm.deal.get", "status": 504}
    )
    assert added.status_code == 200
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 504
    stats = http.get(control + "stats").json()
    assert stats["by_method"] == {"crm.deal.get": 1}
    assert http.post(control + "nothing").status_code == 400


def test_outage_endpoint_status(emulator: Emulator, http: httpx.Client) -> None:
    """``/_emulator/outage`` with a status fails every request with it."""
    switched = http.post(
        emulator.control_url + "outage", json={"on": True, "status": 502}
    )
    assert switched.status_code == 200
    for method in ("crm.deal.get", "batch"):
        response = post_json(http, emulator, method, {"id": 101})
        assert response.status_code == 502
        assert "502 Bad Gateway" in response.text
    http.post(emulator.control_url + "outage", json={"on": False})
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 200


def test_outage_endpoint_drop(emulator: Emulator, http: httpx.Client) -> None:
    """``/_emulator/outage`` with drop closes every connection unanswered."""
    switched = http.post(emulator.control_url + "outage", json={"drop": True})
    assert switched.status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):
        post_json(http, emulator, "crm.deal.get", {"id": 101})
    http.post(emulator.control_url + "outage", json={"on": False})
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"on": "yes"}, "outage field 'on' must be true or false, got 'yes'"),
        ({"drop": 1}, "outage field 'drop' must be true or false, got 1"),
        ({"status": "503"}, "outage field 'status' must be an integer"),
        ({"status": True}, "outage field 'status' must be an integer"),
        ({"status": 404}, "server error statuses 500, 501, 502, 503, 504, 505"),
        ({"status": 599}, "server error statuses 500, 501, 502, 503, 504, 505"),
        ({"status": 502, "drop": True}, "send only one of them"),
        ({"on": False, "status": 502}, "apply only when 'on' is true"),
        ({"reason": "maintenance"}, "unknown outage field 'reason'"),
    ],
)
def test_outage_endpoint_rejects_bad_body(
    emulator: Emulator, http: httpx.Client, body: dict[str, object], message: str
) -> None:
    """A bad outage body gets HTTP 400 naming the field and starts no outage."""
    response = http.post(emulator.control_url + "outage", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert post_json(http, emulator, "crm.deal.get", {"id": 101}).status_code == 200


def test_outage_rejects_client_status() -> None:
    """FaultQueue.outage raises for a status that is not a server error."""
    faults = FaultQueue()
    with pytest.raises(ValueError, match="got 404"):
        faults.outage(status=404)
    assert faults.take("crm.deal.get") is None


def test_stats_endpoint_counts_calls(emulator: Emulator, http: httpx.Client) -> None:
    """``/_emulator/stats`` counts calls by method, batch commands included."""
    http.post(emulator.control_url + "stats/reset")
    post_json(http, emulator, "crm.deal.update", {"id": 101, "fields": {"TITLE": "A"}})
    cmd = {
        "u1": "crm.deal.update?id=102&fields[TITLE]=B",
        "u2": "crm.deal.update?id=103&fields[TITLE]=C",
        "g1": "crm.deal.get?id=101",
    }
    post_json(http, emulator, "batch", {"cmd": cmd})
    stats = http.get(emulator.control_url + "stats").json()
    assert stats["requests"] == 2
    assert stats["by_method"] == {"crm.deal.update": 1, "batch": 1}
    assert stats["batch_commands"] == 3
    assert stats["calls_by_method"] == {"crm.deal.update": 3, "crm.deal.get": 1}


def test_stats_reset_endpoint(emulator: Emulator, http: httpx.Client) -> None:
    """``/_emulator/stats/reset`` sets every count back to zero."""
    post_json(http, emulator, "batch", {"cmd": {"g1": "crm.deal.get?id=101"}})
    stats = http.post(emulator.control_url + "stats/reset").json()
    assert stats == {
        "requests": 0,
        "by_method": {},
        "batch_commands": 0,
        "calls_by_method": {},
    }
