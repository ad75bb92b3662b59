"""A single run with the inbox and the outbox on a real OpenSSH SFTP server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from exchange import jsonio
from exchange.config.settings import Settings
from exchange.emulator import Emulator
from exchange.resources import demo_seed, samples_dir
from exchange.service.run_once import run_once
from exchange.service.runtime import Runtime

pytestmark = pytest.mark.sftp


def sftp_settings(tmp_path: Path, emulator: Emulator, sshd: Any) -> Settings:
    return Settings.model_validate(
        {
            "paths": {
                "archive": tmp_path / "archive",
                "errors": tmp_path / "errors",
                "state": tmp_path / "state.sqlite3",
                "dry_run": tmp_path / "dry-run",
            },
            "inbox": {"source": "sftp", "settle_seconds": 0},
            "outbox": {"target": "sftp"},
            "bitrix24": {
                "webhook_url": emulator.webhook_url,
                "deal_fields": {
                    "document_number": "UF_CRM_1700000001",
                    "payment_status": "UF_CRM_1700000002",
                    "realization_date": "UF_CRM_1700000003",
                },
            },
            "sftp": {
                "host": sshd.host,
                "port": sshd.port,
                "username": sshd.username,
                "key_path": sshd.client_key,
                "known_hosts": sshd.known_hosts,
                "inbox": "in",
                "processing": "in/processing",
                "done": "in/done",
                "errors": "in/errors",
                "outbox": "out",
            },
        }
    )


def _fresh_server(sshd: Any, emulator_factory: Any) -> tuple[Emulator, Path, Path]:
    """Empty the server, make its inbox and outbox, and start a demo portal."""
    sshd.clear_root()
    emulator: Emulator = emulator_factory(seed=demo_seed(), burst=10_000)
    remote_in = sshd.root / "in"
    remote_out = sshd.root / "out"
    remote_in.mkdir()
    remote_out.mkdir()
    return emulator, remote_in, remote_out


def test_sftp_inbox_and_outbox(
    tmp_path: Path, sshd: Any, emulator_factory: Any
) -> None:
    """Files are taken from the SFTP inbox and receipts written to the SFTP outbox."""
    emulator, remote_in, remote_out = _fresh_server(sshd, emulator_factory)
    shutil.copyfile(
        samples_dir() / "orders_TMS_1.json", remote_in / "orders_TMS_1.json"
    )
    shutil.copyfile(
        samples_dir() / "invalid" / "bad_date.json", remote_in / "bad_date.json"
    )
    settings = sftp_settings(tmp_path, emulator, sshd)

    with Runtime(settings) as runtime:
        report = run_once(runtime, export=False)

    assert report.exit_code == 1  # one rejection, one package with an error order
    outcomes = {f.name: f.outcome for f in report.files}
    assert outcomes == {"orders_TMS_1.json": "applied", "bad_date.json": "rejected"}
    written = sorted(p.name for p in remote_out.iterdir())
    # Suggested names come first, so the receipt takes number 1.
    assert written == ["orders_receipt_B24_1.json", "rejection_B24_2.json"]
    receipt_name = next(n for n in written if n.startswith("orders_receipt"))
    receipt = jsonio.loads((remote_out / receipt_name).read_bytes())
    assert receipt["source_file"] == "orders_TMS_1.json"
    assert receipt["count"] == 22
    assert [p.name for p in (remote_in / "done").iterdir()] == ["orders_TMS_1.json"]
    assert [p.name for p in (remote_in / "errors").iterdir()] == ["bad_date.json"]
    assert not [p for p in remote_in.iterdir() if p.is_file()]
    assert emulator.portal.deals[102]["UF_CRM_1700000002"] == "47"
    archived = [
        path
        for path in settings.paths.archive.glob("*/*/*/orders_TMS_1.*")
        if ".reply." not in path.name
    ]
    assert len(archived) == 1
    assert (
        archived[0].read_bytes() == (samples_dir() / "orders_TMS_1.json").read_bytes()
    )


def test_sftp_non_utf8_name_rejected(
    tmp_path: Path, sshd: Any, emulator_factory: Any
) -> None:
    """A file whose name is not UTF-8 is taken over SFTP and gets its rejection."""
    emulator, remote_in, remote_out = _fresh_server(sshd, emulator_factory)
    odd_name = os.fsdecode("заказ.json".encode("cp1251"))
    shutil.copyfile(samples_dir() / "invalid" / "bad_date.json", remote_in / odd_name)
    settings = sftp_settings(tmp_path, emulator, sshd)

    with Runtime(settings) as runtime:
        report = run_once(runtime, export=False)

    encoded = "%E7%E0%EA%E0%E7.json"
    assert [(f.name, f.outcome) for f in report.files] == [(encoded, "rejected")]
    (written,) = remote_out.iterdir()
    rejection = jsonio.loads(written.read_bytes())
    assert rejection["source_file"] == encoded
    assert [p.name for p in (remote_in / "errors").iterdir()] == [encoded]
    assert not [p for p in remote_in.iterdir() if p.is_file()]
