"""Reading responses: error recognition, time blocks and batch result shapes."""

from __future__ import annotations

import pytest

from exchange import jsonio
from exchange.bitrix24.errors import Bitrix24Error
from exchange.bitrix24.responses import (
    ErrorResponse,
    parse_batch,
    parse_response,
    read_body,
)

JSON = "application/json"


@pytest.mark.parametrize("code", ["", 0, None])
def test_empty_error_code_is_still_an_error(code: object) -> None:
    """A response with an `error` key is an error even when the code is "" or 0."""
    body = jsonio.dumps({"error": code, "error_description": "Not found"})
    body_or_error = read_body(400, JSON, body)
    assert body_or_error == ErrorResponse("", "Not found", 400)


def test_html_gateway_page_is_an_error() -> None:
    """An HTML body from a gateway is an error naming the status and content type."""
    body_or_error = read_body(
        502, "text/html; charset=utf-8", b"<html>Bad Gateway</html>"
    )
    assert isinstance(body_or_error, ErrorResponse)
    assert body_or_error.http_status == 502
    assert "text/html" in body_or_error.description


def test_error_status_without_error_key_is_an_error() -> None:
    """A JSON body with an HTTP error status but no `error` key is an error."""
    body_or_error = read_body(500, JSON, b'{"result": null}')
    assert body_or_error == ErrorResponse("", "HTTP 500 without a result", 500)


def test_success_with_time_block() -> None:
    """A list response gives result, total, next and the optional operating times."""
    body = {
        "result": [{"ID": "1"}],
        "total": 120,
        "next": 50,
        "time": {"duration": 0.2, "operating": 3.5, "operating_reset_at": 1700000600},
    }
    body_or_error = read_body(200, JSON, jsonio.dumps(body))
    assert not isinstance(body_or_error, ErrorResponse)
    response = parse_response(body_or_error)
    assert response.result == [{"ID": "1"}]
    assert response.total == 120
    assert response.next == 50
    assert response.time.operating == 3.5
    assert response.time.operating_reset_at == 1700000600.0


def test_time_block_without_operating() -> None:
    """A self-hosted portal's time block without operating parts reads as None."""
    response = parse_response({"result": True, "time": {"duration": 0.1}})
    assert response.time.operating is None
    assert response.time.operating_reset_at is None
    assert response.total is None


def test_batch_with_object_maps() -> None:
    """Named commands come back as objects keyed by command name."""
    result = {
        "result": {"a": [{"ID": "1"}], "c": True},
        "result_error": {"b": {"error": "", "error_description": "Not found"}},
        "result_total": {"a": 1},
        "result_next": [],
        "result_time": {"a": {"duration": 0.01}},
    }
    outcome = parse_batch(
        result, {"a": "crm.deal.list", "b": "crm.deal.update", "c": "crm.deal.update"}
    )
    assert outcome.results == {"a": [{"ID": "1"}], "c": True}
    assert list(outcome.errors) == ["b"]
    assert outcome.errors["b"].method == "crm.deal.update"
    assert outcome.errors["b"].not_found is True
    assert outcome.totals == {"a": 1}
    assert outcome.nexts == {}
    assert outcome.skipped == []


def test_batch_with_list_maps_and_empty_arrays() -> None:
    """Commands named 0..n-1 come back as lists; empty maps come back as []."""
    result = {
        "result": [[{"ID": "5"}], [{"ID": "6"}]],
        "result_error": [],
        "result_total": [70, 1],
        "result_next": {"0": 50},
        "result_time": [],
    }
    outcome = parse_batch(result, {"0": "crm.deal.list", "1": "crm.deal.list"})
    assert outcome.results == {"0": [{"ID": "5"}], "1": [{"ID": "6"}]}
    assert outcome.errors == {}
    assert outcome.totals == {"0": 70, "1": 1}
    assert outcome.nexts == {"0": 50}


def test_batch_halt_leaves_commands_skipped() -> None:
    """With halt, commands after the failing one have no outcome and are skipped."""
    result = {
        "result": {"a": True},
        "result_error": {"b": {"error": "ERROR_CORE", "error_description": "bad"}},
    }
    methods = {"a": "crm.deal.update", "b": "crm.deal.update", "c": "crm.deal.update"}
    outcome = parse_batch(result, methods)
    assert outcome.skipped == ["c"]
    assert outcome.errors["b"].code == "ERROR_CORE"


def test_batch_with_unexpected_shape_raises() -> None:
    """A batch result that is not an object raises Bitrix24Error."""
    with pytest.raises(Bitrix24Error, match="batch"):
        parse_batch([1, 2], {"a": "crm.deal.list"})
