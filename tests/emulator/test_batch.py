"""The batch method: response shapes, errors, length limit, halt, references."""

from __future__ import annotations

from typing import Any

import httpx

from exchange.emulator import Emulator
from tests.emulator.conftest import post_form, post_json

BATCH_KEYS = {"result", "result_error", "result_total", "result_next", "result_time"}


def run(
    http: httpx.Client, emulator: Emulator, cmd: Any, halt: int = 0
) -> dict[str, Any]:
    """POST a JSON batch and return ``result`` after checking HTTP 200."""
    response = post_json(http, emulator, "batch", {"halt": halt, "cmd": cmd})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"result", "time"}
    return body["result"]  # type: ignore[no-any-return]


def test_named_commands_give_objects(emulator: Emulator, http: httpx.Client) -> None:
    """Named commands give objects keyed by name; empty maps are lists."""
    result = run(
        http, emulator, {"d_101": "crm.deal.get?id=101", "d_102": "crm.deal.get?id=102"}
    )
    assert set(result) == BATCH_KEYS
    assert result["result"]["d_101"]["ID"] == "101"
    assert result["result"]["d_102"]["ID"] == "102"
    assert result["result_error"] == []
    assert result["result_total"] == []
    assert result["result_next"] == []
    assert set(result["result_time"]) == {"d_101", "d_102"}


def test_list_commands_give_lists(emulator: Emulator, http: httpx.Client) -> None:
    """A JSON list of commands gives lists, totals and next pages included.

    Only command 0 is a list, so its total and next form PHP arrays with the
    single key 0, which serialize as JSON lists too.
    """
    result = run(http, emulator, ["crm.deal.list?select[]=ID", "crm.deal.get?id=101"])
    assert isinstance(result["result"], list)
    assert len(result["result"][0]) == 50
    assert result["result"][1]["ID"] == "101"
    assert result["result_total"] == [len(emulator.portal.deals)]
    assert result["result_next"] == [50]


def test_sparse_numeric_keys_give_object(
    emulator: Emulator, http: httpx.Client
) -> None:
    """Totals of command 1 alone have key 1 only, so they form an object."""
    result = run(http, emulator, ["crm.deal.get?id=101", "crm.deal.list?select[]=ID"])
    assert result["result_total"] == {"1": len(emulator.portal.deals)}


def test_numeric_keys_in_order_give_list(
    emulator: Emulator, http: httpx.Client
) -> None:
    """Command names "0" and "1" in order serialize like a PHP list."""
    result = run(
        http, emulator, {"0": "crm.deal.get?id=101", "1": "crm.deal.get?id=102"}
    )
    assert isinstance(result["result"], list)
    assert [row["ID"] for row in result["result"]] == ["101", "102"]


def test_errors_per_command(emulator: Emulator, http: httpx.Client) -> None:
    """A failed command lands in result_error and the others still run."""
    cmd = {
        "missing": "crm.deal.update?id=999999&fields[TITLE]=x",
        "ok": "crm.deal.update?id=101&fields[TITLE]=Batch",
        "unknown": "crm.nothing.here",
    }
    result = run(http, emulator, cmd)
    assert result["result_error"] == {
        "missing": {"error": "", "error_description": "Not found"},
        "unknown": {
            "error": "ERROR_METHOD_NOT_FOUND",
            "error_description": "Method not found!",
        },
    }
    assert result["result"] == {"ok": True}
    assert emulator.portal.deals[101]["TITLE"] == "Batch"


def test_halt_stops_at_first_error(emulator: Emulator, http: httpx.Client) -> None:
    """With halt=1 commands after the first error do not run."""
    cmd = {
        "a": "crm.deal.update?id=101&fields[TITLE]=A",
        "b": "crm.deal.get?id=999999",
        "c": "crm.deal.update?id=102&fields[TITLE]=C",
    }
    result = run(http, emulator, cmd, halt=1)
    assert result["result"] == {"a": True}
    assert set(result["result_error"]) == {"b"}
    assert emulator.portal.deals[102]["TITLE"] != "C"


def test_length_limit(emulator: Emulator, http: httpx.Client) -> None:
    """Commands past the 50th get ERROR_BATCH_LENGTH_EXCEEDED and do not run."""
    cmd = {f"c{index}": f"crm.deal.get?id={101 + index % 9}" for index in range(52)}
    result = run(http, emulator, cmd)
    assert len(result["result"]) == 50
    assert set(result["result_error"]) == {"c50", "c51"}
    assert result["result_error"]["c50"]["error"] == "ERROR_BATCH_LENGTH_EXCEEDED"
    assert emulator.stats.batch_commands == 50


def test_nested_batch_not_allowed(emulator: Emulator, http: httpx.Client) -> None:
    """A batch inside a batch fails with ERROR_BATCH_METHOD_NOT_ALLOWED."""
    result = run(http, emulator, {"inner": "batch?cmd[x]=crm.deal.get%3Fid%3D101"})
    assert result["result_error"]["inner"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"
    assert result["result"] == []


def test_command_values_url_encoded_once(
    emulator: Emulator, http: httpx.Client
) -> None:
    """Cyrillic and operator characters encoded once are decoded once."""
    query = "filter%5B%3DUF_CRM_1700000001%5D=%D0%A2%D0%9B-000106&select%5B%5D=ID"
    result = run(http, emulator, {"find": f"crm.deal.list?{query}"})
    assert result["result"]["find"] == [{"ID": "106"}, {"ID": "107"}]
    assert result["result_total"] == {"find": 2}


def test_form_encoded_batch(emulator: Emulator, http: httpx.Client) -> None:
    """A form-encoded batch encodes each command once more as a whole."""
    inner = "crm.deal.update?id=103&fields%5BUF_CRM_1700000002%5D=47"
    body = "halt=0&cmd%5Bu%5D=" + inner.replace("%", "%25").replace("?", "%3F").replace(
        "&", "%26"
    ).replace("=", "%3D")
    response = post_form(http, emulator, "batch", body)
    assert response.json()["result"]["result"] == {"u": True}
    assert emulator.portal.deals[103]["UF_CRM_1700000002"] == "47"


def test_result_references(emulator: Emulator, http: httpx.Client) -> None:
    """``$result[name][path]`` takes a value from an earlier command."""
    cmd = {
        "find": "crm.deal.list?filter[UF_CRM_1700000001]=ТЛ-000108&select[]=ID",
        "get": "crm.deal.get?id=$result[find][0][ID]",
    }
    result = run(http, emulator, cmd)
    assert result["result"]["get"]["ID"] == "108"


def test_batch_counts_commands(emulator: Emulator, http: httpx.Client) -> None:
    """Statistics count one batch request and each command by method."""
    emulator.stats.reset()
    run(http, emulator, {"a": "crm.deal.get?id=101", "b": "crm.deal.list?select[]=ID"})
    assert emulator.stats.requests == 1
    assert emulator.stats.by_method == {"batch": 1}
    assert emulator.stats.batch_commands == 2
    assert emulator.stats.calls_by_method == {"crm.deal.get": 1, "crm.deal.list": 1}
