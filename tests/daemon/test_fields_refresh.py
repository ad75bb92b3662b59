"""A running daemon picks up changed list items of Статус оплаты without a restart."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from exchange import jsonio
from exchange.emulator import Emulator
from exchange.emulator.fields import ListItem
from tests.daemon.conftest import DaemonFactory
from tests.daemon.harness import PAYMENT_STATUS, Workspace, wait_until
from tests.fixtures.emulator import DEMO_SEED, EmulatorFactory
from tests.orders.conftest import order, package

PARTLY_PAID_TEXT = "Оплачен частично"


def seed_with_spare_item() -> dict[str, Any]:
    """Return the demo seed with a fourth list item, 48 "Частичная оплата"."""
    seed: dict[str, Any] = jsonio.loads(DEMO_SEED.read_bytes())
    items = seed["fields"]["deal"][PAYMENT_STATUS]["items"]
    items.append({"ID": 48, "VALUE": "Частичная оплата", "SORT": 40, "DEF": "N"})
    return seed


def set_items(emulator: Emulator, items: list[ListItem]) -> None:
    """Replace the list items of Статус оплаты on the running emulator."""
    portal = emulator.portal
    with portal.lock:
        definition = portal.fields["deal"][PAYMENT_STATUS]
        portal.fields["deal"][PAYMENT_STATUS] = dataclasses.replace(
            definition, items=tuple(items)
        )


def drop_order(
    space: Workspace, number: int, document_number: str, status: str
) -> None:
    """Drop an orders package with one top-level order into the inbox."""
    body = package(
        number, [order(f"ТЛ00-{number:06d}", document_number, status=status)]
    )
    space.drop(f"orders_TMS_{number}.json", jsonio.dumps(body))


def make_workspace(root: Path, emulator: Emulator, refresh_seconds: float) -> Workspace:
    """Return a work folder on ``emulator`` with the given refresh interval."""
    space = Workspace(root, emulator.webhook_url)
    space.write_config({"bitrix24": {"fields_refresh_seconds": refresh_seconds}})
    return space


def deal_item(emulator: Emulator, deal_id: int) -> object:
    """Return the payment status item stored on a deal."""
    with emulator.portal.lock:
        return emulator.portal.deals[deal_id].get(PAYMENT_STATUS)


def test_renamed_item_used_after_interval(
    tmp_path: Path, emulator_factory: EmulatorFactory, daemon_factory: DaemonFactory
) -> None:
    """After a rename, the next package after the interval gets the new item."""
    emulator = emulator_factory(seed_with_spare_item())
    space = make_workspace(tmp_path, emulator, refresh_seconds=1.0)
    daemon = daemon_factory(space)
    daemon.wait_for_log("Watching")
    drop_order(space, 1, "ТЛ-000102", "ОплаченЧастично")
    wait_until(lambda: deal_item(emulator, 102) == "46", 20, "deal 102 at item 46")

    set_items(
        emulator,
        [
            ListItem(45, "Не оплачен"),
            ListItem(46, "Оплачен частично (архив)"),
            ListItem(47, "Оплачен полностью"),
            ListItem(48, PARTLY_PAID_TEXT),
        ],
    )
    daemon.wait_for_log("read the deal fields again", timeout=20)
    drop_order(space, 2, "ТЛ-000104", "ОплаченЧастично")

    wait_until(lambda: deal_item(emulator, 104) == "48", 20, "deal 104 at item 48")
    assert deal_item(emulator, 102) == "46"
    assert "ОплаченЧастично item 46 -> 48" in daemon.log_text()
    assert daemon.alive()


def test_unknown_item_on_deal_triggers_read(
    tmp_path: Path, emulator_factory: EmulatorFactory, daemon_factory: DaemonFactory
) -> None:
    """A deal holding an unlisted item makes the daemon read the items before
    the next package, long before the interval."""
    emulator = emulator_factory()
    space = make_workspace(tmp_path, emulator, refresh_seconds=3600.0)
    daemon = daemon_factory(space)
    daemon.wait_for_log("Watching")

    # The item is replaced: 46 deleted, 48 added with the same text, and a
    # manager sets deal 101 to the new item by hand.
    set_items(
        emulator,
        [
            ListItem(45, "Не оплачен"),
            ListItem(47, "Оплачен полностью"),
            ListItem(48, PARTLY_PAID_TEXT),
        ],
    )
    with emulator.portal.lock:
        emulator.portal.deals[101][PAYMENT_STATUS] = "48"
    drop_order(space, 1, "ТЛ-000101", "ОплаченПолностью")
    wait_until(lambda: deal_item(emulator, 101) == "47", 20, "deal 101 at item 47")
    drop_order(space, 2, "ТЛ-000104", "ОплаченЧастично")

    wait_until(lambda: deal_item(emulator, 104) == "48", 20, "deal 104 at item 48")
    log = daemon.log_text()
    assert "deal 101 has item 48" in log
    assert "3600 s since the last read" not in log
    assert daemon.alive()


def test_missing_item_after_read_stops(
    tmp_path: Path, emulator_factory: EmulatorFactory, daemon_factory: DaemonFactory
) -> None:
    """A list item that disappears is a configuration error: the daemon exits 2."""
    emulator = emulator_factory()
    space = make_workspace(tmp_path, emulator, refresh_seconds=0.5)
    daemon = daemon_factory(space)
    daemon.wait_for_log("Watching")

    set_items(emulator, [ListItem(45, "Не оплачен"), ListItem(47, "Оплачен полностью")])
    time.sleep(1.0)  # past the refresh interval, so the next task reads the items
    drop_order(space, 1, "ТЛ-000104", "НеОплачен")

    code = daemon._process().wait(timeout=20)
    assert code == 2
    assert "has no item with text" in daemon.log_text()
    assert deal_item(emulator, 104) is None
