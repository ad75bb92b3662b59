"""The demo: the orders samples against the embedded emulator.

It starts the emulator with the demo portal, makes a fresh work folder,
copies the valid orders samples into its inbox and runs the pipeline once,
so that a newcomer sees every receipt status without a real portal.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from exchange.config import Settings
from exchange.emulator import Emulator
from exchange.resources import demo_seed, orders_samples
from exchange.service.run_once import RunReport, run_once
from exchange.service.runtime import Runtime

DEAL_FIELDS = {
    "document_number": "UF_CRM_1700000001",
    "payment_status": "UF_CRM_1700000002",
    "realization_date": "UF_CRM_1700000003",
}


def demo_settings(workdir: Path, webhook_url: str) -> Settings:
    """Return settings for a demo run in ``workdir`` against ``webhook_url``."""
    return Settings.model_validate(
        {
            "paths": {
                "inbox": workdir / "inbox",
                "outbox": workdir / "outbox",
                "archive": workdir / "archive",
                "errors": workdir / "errors",
                "state": workdir / "state" / "exchange.sqlite3",
                "dry_run": workdir / "dry-run",
            },
            "inbox": {"settle_seconds": 0},
            "bitrix24": {"webhook_url": webhook_url, "deal_fields": DEAL_FIELDS},
        }
    )


def run_demo(workdir: Path) -> tuple[RunReport, Settings]:
    """Run the demo in ``workdir`` (emptied first) and return what happened."""
    if workdir.exists():
        shutil.rmtree(workdir)
    inbox = workdir / "inbox"
    inbox.mkdir(parents=True)
    for sample in orders_samples():
        shutil.copyfile(sample, inbox / sample.name)
    with Emulator(demo_seed()) as emulator:
        settings = demo_settings(workdir, emulator.webhook_url)
        with Runtime(settings) as runtime:
            report = run_once(runtime, export=False)
    return report, settings
