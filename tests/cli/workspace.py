"""A work folder with a configuration file for tests of the commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from exchange import jsonio
from exchange.cli.main import cli

DEAL_FIELDS = {
    "document_number": "UF_CRM_1700000001",
    "payment_status": "UF_CRM_1700000002",
    "realization_date": "UF_CRM_1700000003",
}


def write_config(root: Path, **sections: dict[str, Any]) -> Path:
    """Write a configuration with every folder under ``root``; return its path.

    A keyword names a section, with ``__`` for a dot: ``bitrix24__deal_fields``.
    """
    data: dict[str, dict[str, Any]] = {
        "paths": {
            "inbox": str(root / "inbox"),
            "outbox": str(root / "outbox"),
            "archive": str(root / "archive"),
            "errors": str(root / "errors"),
            "state": str(root / "state" / "exchange.sqlite3"),
        },
        "inbox": {"settle_seconds": 0},
        "bitrix24": {"max_attempts": 1, "max_retry_seconds": 1.0},
        "bitrix24.deal_fields": dict(DEAL_FIELDS),
    }
    for name, values in sections.items():
        data.setdefault(name.replace("__", "."), {}).update(values)
    lines: list[str] = []
    for name, values in data.items():
        lines.append(f"[{name}]")
        lines.extend(
            f"{key} = {jsonio.dumps_text(value)}" for key, value in values.items()
        )
    config = root / "exchange.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def invoke(config: Path, webhook_url: str, *args: str) -> Result:
    """Run ``exchange --config CONFIG ARGS`` with the webhook URL in the environment."""
    env = {"EXCHANGE_BITRIX24__WEBHOOK_URL": webhook_url}
    return CliRunner().invoke(cli, ["--config", str(config), *args], env=env)


def run_exchange(
    config: Path, webhook_url: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m exchange --config CONFIG ARGS`` in a child process."""
    environment = dict(os.environ, EXCHANGE_BITRIX24__WEBHOOK_URL=webhook_url)
    environment.pop("EXCHANGE_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "exchange", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
