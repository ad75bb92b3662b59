"""Dry runs: compute everything on a copy of the state, send nothing.

The state database is copied with SQLite's backup API into a temporary
folder, and the run writes its receipts, archive and journal there. Only
read-only calls reach Bitrix24; the updates it would send are written as
``batch`` calls into the dry-run folder with the receipts it would write.
Nothing else changes: no state, no package number, no file in the inbox.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exchange import jsonio
from exchange.config import Settings
from exchange.errors import ConfigError
from exchange.logs import dry_run_logging
from exchange.orders.bitrix_port import DryRunDealPort
from exchange.service.file_endings import FileOutcome
from exchange.service.files import FileProcessor
from exchange.service.runtime import Runtime
from exchange.transport import LocalInbox


@contextmanager
def scratch_runtime(settings: Settings) -> Iterator[Runtime]:
    """Yield a runtime whose state, outbox and archive are temporary copies."""
    with tempfile.TemporaryDirectory(prefix="exchange-dry-run-") as folder:
        root = Path(folder)
        state = root / "state.sqlite3"
        if settings.paths.state.exists():
            source = sqlite3.connect(settings.paths.state)
            target = sqlite3.connect(state)
            with target:
                source.backup(target)
            source.close()
            target.close()
        paths = settings.paths.model_copy(
            update={
                "state": state,
                "outbox": root / "outbox",
                "archive": root / "archive",
                "errors": root / "errors",
            }
        )
        scratch = settings.model_copy(
            update={
                "paths": paths,
                "outbox": settings.outbox.model_copy(update={"target": "local"}),
            }
        )
        # The scratch copy is this run's own, so it may be upgraded.
        runtime = Runtime(scratch, lock=False, upgrades=True)
        try:
            yield runtime
        finally:
            runtime.close()


def dry_run_files(
    settings: Settings, files: list[tuple[str, bytes]], *, retry: bool = False
) -> tuple[list[FileOutcome], Path | None, int]:
    """Process ``files`` (name, bytes) on a scratch copy.

    With ``retry`` the orders that earlier runs left pending are evaluated
    again afterwards, as ``run --once`` does, and their plan goes into
    ``pending-retry.plan.json`` when it plans calls or follow-ups. Returns
    the file outcomes, the plan folder (None when there was nothing to
    plan) and the exit code of the retry (0 without one).
    """
    plans: dict[str, dict[str, Any]] = {}
    outcomes: list[FileOutcome] = []
    retry_code = 0
    with dry_run_logging(), scratch_runtime(settings) as runtime:
        port = DryRunDealPort(runtime.client, runtime.deal_fields)
        processor = FileProcessor(runtime, lambda: port)
        for name, data in files:
            before = len(port.planned_batches)
            outcome = processor.process(name, data)
            outcomes.append(outcome)
            plans[f"{Path(name).name}.plan.json"] = {
                "source_file": name,
                "outcome": outcome.outcome,
                "batches": port.planned_batches[before:],
            }
        if retry:
            retry_code, plan = _retry_pending(runtime, port)
            if plan["batches"] or plan["followups"]:
                plans["pending-retry.plan.json"] = plan
        if not plans:
            return outcomes, None, retry_code
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        plan_folder = settings.paths.dry_run / stamp
        plan_folder.mkdir(parents=True, exist_ok=True)
        for file_name, plan in plans.items():
            (plan_folder / file_name).write_bytes(jsonio.dumps(plan, indent=True))
        outbox = runtime.settings.paths.outbox
        if outbox.exists():
            shutil.copytree(outbox, plan_folder / "outbox", dirs_exist_ok=True)
    return outcomes, plan_folder, retry_code


def _retry_pending(
    runtime: Runtime, port: DryRunDealPort
) -> tuple[int, dict[str, Any]]:
    """Plan the retry of pending orders; return its exit code and its plan."""
    from exchange.service.run_once import RunReport, retry_pending

    before = len(port.planned_batches)
    report = RunReport()
    retry_pending(runtime, lambda: port, report)
    plan: dict[str, Any] = {
        "source_file": "",
        "outcome": "pending orders checked again",
        "followups": report.followups,
        "batches": port.planned_batches[before:],
    }
    return report.exit_code, plan


def inbox_files(settings: Settings) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Read the complete files of the local inbox without taking them.

    Files still being written are waited for as ``run --once`` waits, for
    up to the settle time. Returns the files (name, bytes) and the names of
    those still being written then.
    """
    if settings.inbox.source != "local":
        raise ConfigError(
            "a dry run of the SFTP inbox would claim its files; copy a file here "
            "and run `exchange process FILE --dry-run` instead"
        )
    if not settings.paths.inbox.exists():
        # A real run creates the folder. A dry run creates nothing, and an
        # inbox that does not exist yet contains no file.
        return [], []
    from exchange.service.run_once import poll_settled

    settle = settings.inbox.settle_seconds
    inbox = LocalInbox(settings.paths.inbox, settle_seconds=settle)
    polled = poll_settled(inbox, settle)
    files = [(item.name, inbox.read(item)) for item in polled.ready]
    return files, list(polled.waiting)
