"""The curl examples of docs/emulator.md, replayed against a running emulator."""

from __future__ import annotations

import shlex
from pathlib import Path

import httpx

from exchange.emulator import Emulator
from tests.fixtures.emulator import EmulatorFactory

DOC = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"
# The address the page starts the emulator on. Tests put a free port in its place.
DOC_BASE_URL = "http://127.0.0.1:8765"
CONTROL_ACTIONS = {"faults", "outage", "clear", "stats", "stats/reset", "limits"}


def curl_examples() -> list[list[str]]:
    """Return the arguments of every curl command on the page."""
    text = DOC.read_text(encoding="utf-8").replace("\\\n", " ")
    return [
        shlex.split(line.strip())
        for line in text.splitlines()
        if line.strip().startswith("curl ")
    ]


def send_example(
    client: httpx.Client, emulator: Emulator, arguments: list[str]
) -> httpx.Response:
    """Send one curl command's request to ``emulator``, as curl would."""
    url = next(argument for argument in arguments if argument.startswith("http"))
    assert url.startswith(DOC_BASE_URL + "/"), url
    url = emulator.base_url + url.removeprefix(DOC_BASE_URL)
    body = arguments[arguments.index("-d") + 1] if "-d" in arguments else None
    headers: dict[str, str] = {}
    if "-H" in arguments:
        name, _, value = arguments[arguments.index("-H") + 1].partition(":")
        headers[name] = value.strip()
    method = "POST" if body is not None or "POST" in arguments else "GET"
    return client.request(method, url, content=body, headers=headers)


def test_docs_show_every_action() -> None:
    """The page has a curl example of every control action."""
    documented_actions = set()
    for arguments in curl_examples():
        for argument in arguments:
            if "/_emulator/" in argument:
                documented_actions.add(argument.split("/_emulator/", 1)[1])
    assert documented_actions == CONTROL_ACTIONS


def test_docs_examples_succeed(
    emulator_factory: EmulatorFactory, http: httpx.Client
) -> None:
    """Each curl example of the page gets HTTP 200 from a fresh emulator."""
    examples = curl_examples()
    assert examples
    for arguments in examples:
        emulator = emulator_factory()
        response = send_example(http, emulator, arguments)
        assert response.status_code == 200, (arguments, response.text)
