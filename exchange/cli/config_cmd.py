"""``exchange config``: show the effective configuration, write an example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr

from exchange import jsonio
from exchange.cli.context import AppContext
from exchange.config.example import EXAMPLE

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@click.group("config")
def command() -> None:
    """Show or create the configuration."""


@command.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML.")
@click.pass_obj
def show(app: AppContext, *, as_json: bool) -> None:
    """Print the effective configuration with secrets masked."""
    data = _plain(app.settings().model_dump())
    if as_json:
        click.echo(jsonio.dumps_text(data, indent=True))
        return
    click.echo("\n".join(_toml_lines(data)))


@command.command("init")
@click.argument("path", type=click.Path(dir_okay=False), default="exchange.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: str, *, force: bool) -> None:
    """Write a commented example configuration to PATH (default exchange.toml)."""
    target = Path(path)
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; add --force to overwrite it")
    try:
        target.write_text(EXAMPLE, encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise click.ClickException(
            f"cannot write {target}: {reason}; create its folder first or give "
            "another path"
        ) from None
    click.echo(f"wrote {target}")


def _plain(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return "***" if value.get_secret_value() else ""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value


def _toml_lines(data: dict[str, Any], prefix: str = "") -> list[str]:
    lines: list[str] = []
    tables = {key: value for key, value in data.items() if isinstance(value, dict)}
    for key, value in data.items():
        if key not in tables:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in tables.items():
        name = f"{prefix}{_toml_key(key)}"
        lines.extend(["", f"[{name}]", *_toml_lines(value, f"{name}.")])
    return lines


def _toml_key(key: str) -> str:
    # Bare TOML keys are ASCII only; 1C value names need quotes.
    return key if _BARE_KEY.match(key) else jsonio.dumps_text(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return '""'
    if isinstance(value, int | float):
        return str(value)
    return jsonio.dumps_text(str(value))
