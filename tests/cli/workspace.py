"""A work folder with a configuration file for tests of the commands."""

from __future__ import annotations

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
