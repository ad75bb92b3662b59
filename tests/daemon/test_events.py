"""Bitrix24 outgoing-webhook events make the daemon export at once."""

from __future__ import annotations

import socket
import time

import httpx

from exchange.emulator import Emulator
from tests.daemon.conftest import DaemonFactory
from tests.daemon.harness import Workspace, wait_until

FLAG = "UF_CRM_1700000010"
REF = "UF_CRM_1700000020"
TOKEN = "event-token-9f3b"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_event_triggers_export(
    workspace: Workspace, emulator: Emulator, daemon_factory: DaemonFactory
) -> None:
    """A deal event exports its counterparty long before the export interval."""
    port = free_port()
    for deal in emulator.portal.deals.values():
        deal[FLAG] = "0"
    workspace.write_config(
        {
            "counterparties": {
                "trigger_field": FLAG,
                "ref_field": REF,
                "export_interval_seconds": 3600,
            },
            "events": {
                "enabled": True,
                "port": port,
                "application_token": TOKEN,
            },
        }
    )
    daemon = daemon_factory(workspace)
    daemon.wait_for_log("listening for Bitrix24 events")
    time.sleep(0.5)
    assert workspace.outbox_names("counterparties_") == []

    emulator.portal.update_deal(201, **{FLAG: "1"})
    wrong = httpx.post(
        f"http://127.0.0.1:{port}/",
        data={
            "event": "ONCRMDEALUPDATE",
            "data[FIELDS][ID]": "201",
            "auth[application_token]": "wrong-token",
        },
    )
    assert wrong.status_code == 401
    accepted = httpx.post(
        f"http://127.0.0.1:{port}/",
        data={
            "event": "ONCRMDEALUPDATE",
            "data[FIELDS][ID]": "201",
            "ts": "1764842400",
            "auth[domain]": "portal.example",
            "auth[application_token]": TOKEN,
        },
    )
    assert accepted.status_code == 200

    wait_until(
        lambda: bool(workspace.outbox_names("counterparties_")),
        timeout=5,
        what="the counterparties package",
    )
    assert workspace.outbox_names("counterparties_") == ["counterparties_B24_1.json"]
    assert TOKEN not in daemon.log_text()
    assert "wrong-token" not in daemon.log_text()
