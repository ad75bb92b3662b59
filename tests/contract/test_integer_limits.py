"""Upper limits of the contract's integers: message numbers, counts, IDs.

Every integer that 1C writes is at most 2^53 - 1, the largest integer every
JSON reader represents exactly; the state database stores it as a 64-bit integer.
"""

from __future__ import annotations

import orjson
import pytest

from exchange.contract.load import load_package
from tests.contract.documents import encode, order, orders_package

MAXIMUM = 2**53 - 1


@pytest.mark.parametrize("number", [MAXIMUM + 1, 10**23, 2**64])
def test_message_number_over_limit_rejected(number: int) -> None:
    """A message number above 2^53 - 1 is rejected at /number with the limit."""
    document = orders_package(order())
    document["number"] = number

    # orjson writes integers of up to 64 bits; larger ones as 1C would.
    data = encode(document) if number < 2**64 else _with_number(document, number)
    result = load_package(data, "orders.json")

    assert [problem.path for problem in result.problems] == ["/number"]
    assert f"must be at most {MAXIMUM}" in result.problems[0].message


def test_message_number_at_limit_accepted() -> None:
    """A message number of exactly 2^53 - 1 is accepted."""
    document = orders_package(order())
    document["number"] = MAXIMUM

    result = load_package(encode(document), "orders.json")

    assert result.problems == []
    assert result.package is not None
    assert result.package.number == MAXIMUM


def _with_number(document: dict[str, object], number: int) -> bytes:
    document = dict(document, number=0)
    text = orjson.dumps(document).decode()
    return text.replace('"number":0', f'"number":{number}', 1).encode()


@pytest.mark.parametrize("number", ["1" + "0" * 400, "1e999", "-1e999"])
def test_number_beyond_double_names_limit(number: str) -> None:
    """A number too large for a double is rejected with the limit, not as bad JSON."""
    data = _with_number(orders_package(order()), 0).replace(
        b'"number":0', b'"number":' + number.encode(), 1
    )

    result = load_package(data, "orders.json")

    assert len(result.problems) == 1
    message = result.problems[0].message
    assert "line 1, column" in message
    assert f"at most {MAXIMUM}" in message
    assert "not valid JSON" not in message
