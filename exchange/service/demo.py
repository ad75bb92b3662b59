"""The demo: the orders samples against the embedded emulator.

It starts the emulator with the demo portal, makes a fresh work folder,
copies the valid orders samples into its inbox and runs the pipeline once,
so that a newcomer can see every receipt status without a real portal.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from exchange.config import Settings
from exchange.emulator import Emulator
from exchange.errors import ConfigError
from exchange.resources import demo_seed, orders_samples
from exchange.service.run_once import RunReport, run_once
from exchange.service.runtime import Runtime

DEAL_FIELDS = {
    "document_number": "UF_CRM_1700000001",
    "payment_status": "UF_CRM_1700000002",
    "realization_date": "UF_CRM_1700000003",
}


def prepare_workdir(workdir: Path) -> None:
    """Empty a demo folder, refusing one that the demo did not make."""
    if workdir.exists():
        if not workdir.is_dir():
            raise ConfigError(f"{workdir} is a file; give the demo a folder")
        if any(workdir.iterdir()) and not (workdir / MARKER).exists():
            raise ConfigError(
                f"{workdir} is not empty and was not made by `exchange demo`; "
                "give --workdir a new or empty folder"
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text(
        "made by exchange demo; emptied on each demo run\n", encoding="utf-8"
    )


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


MARKER = ".exchange-demo"


def run_demo(workdir: Path) -> tuple[RunReport, Settings]:
    """Run the demo in ``workdir`` (emptied first) and return what happened.

    Only a folder that is missing, empty or made by an earlier demo (it contains
    the marker file) is emptied; any other raises ``ConfigError``.
    """
    prepare_workdir(workdir)
    inbox = workdir / "inbox"
    inbox.mkdir(parents=True)
    for sample in orders_samples():
        shutil.copyfile(sample, inbox / sample.name)
    with Emulator(demo_seed()) as emulator:
        settings = demo_settings(workdir, emulator.webhook_url)
        with Runtime(settings) as runtime:
            report = run_once(runtime, export=False)
    return report, settings
