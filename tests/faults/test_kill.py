"""SIGKILL at random points while the daemon works through a stream of packages."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.daemon.conftest import DaemonFactory
from tests.daemon.harness import Workspace, deal_values, read_json, wait_until
from tests.faults.generate import DOCUMENT_NUMBERS, orders_packages
from tests.fixtures.emulator import EmulatorFactory

SEED = 20261204
PACKAGES = 10
KILLS = 5
# Each request to the portal takes this long, so that kills land mid-file.
REQUEST_DELAY = 0.1


def receipts_by_package(space: Workspace) -> dict[str, list[dict[str, Any]]]:
    receipts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for name in space.outbox_names("orders_receipt_"):
        receipt = read_json(space.outbox / name)
        receipts[receipt["in_reply_to"]].append(receipt)
    return receipts


@pytest.mark.slow
def test_sigkill_loses_nothing_applies_nothing_twice(
    tmp_path: Path, emulator_factory: EmulatorFactory, daemon_factory: DaemonFactory
) -> None:
    """Killed and restarted runs end with the deals of an uninterrupted run."""
    packages = orders_packages(SEED, PACKAGES)
    package_ids = {read_json_bytes(data)["package_id"] for _, data in packages}

    reference_portal = emulator_factory()
    reference = Workspace(tmp_path / "reference", reference_portal.webhook_url)
    reference.write_config()
    for name, data in packages:
        reference.drop(name, data)
    completed = reference.run_once()
    assert completed.returncode == 0, completed.stderr
    expected = deal_values(reference_portal.portal.deals)
    reference_updates = reference_portal.stats.calls_by_method["crm.deal.update"]
    assert reference_updates >= PACKAGES

    portal = emulator_factory()
    portal.faults.add(delay=REQUEST_DELAY, times=None)
    space = Workspace(tmp_path / "killed", portal.webhook_url)
    space.write_config()
    for name, data in packages:
        space.drop(name, data)
    rng = random.Random(SEED)
    kills = 0
    applied_before_kills = 0
    for attempt in range(KILLS):
        daemon = daemon_factory(space, name=f"killed-{attempt}")
        daemon.wait_for_log("Watching")
        time.sleep(rng.uniform(0.05, 0.6))
        daemon.kill()
        kills += 1
        applied_before_kills += daemon.log_text().count("applied orders_TMS_")
        if not space.inbox_names():
            break
    assert kills >= 2, "the stream was processed before the second kill"
    assert applied_before_kills > 0

    final = daemon_factory(space, name="final")
    wait_until(lambda: not space.inbox_names(), 60, "an empty inbox")
    wait_until(
        lambda: set(receipts_by_package(space)) >= package_ids, 20, "all receipts"
    )
    final.wait_for_log("Watching")
    assert final.signal(signal.SIGTERM) == 0

    assert deal_values(portal.portal.deals) == expected
    incoming = [row for row in space.journal_rows() if row["direction"] == "in"]
    assert Counter(row["package_id"] for row in incoming) == dict.fromkeys(
        package_ids, 1
    )
    assert {row["outcome"] for row in incoming} == {"applied"}
    assert not list(space.errors.rglob("*.json")) if space.errors.exists() else True
    for package_id, receipts in receipts_by_package(space).items():
        statuses: dict[str, set[str]] = defaultdict(set)
        for receipt in receipts:
            for row in receipt["results"]:
                statuses[row["ref"]].add(row["status"])
        conflicting = {ref: s for ref, s in statuses.items() if len(s) > 1}
        assert not conflicting, f"receipts of {package_id} disagree: {conflicting}"
    updates = portal.stats.calls_by_method["crm.deal.update"]
    assert updates <= reference_updates + kills * len(DOCUMENT_NUMBERS)


def read_json_bytes(data: bytes) -> dict[str, Any]:
    from exchange import jsonio

    document: dict[str, Any] = jsonio.loads(data)
    return document
