"""Opening the journal and archive that the audit commands read.

The configured state database and folders are read by default; the audit
group's options point the commands at a copy instead.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

import click

from exchange import jsonio
from exchange.archive import Archive, Journal
from exchange.errors import EXIT_USAGE, ExchangeError
from exchange.state.db import connect

if TYPE_CHECKING:
    from collections.abc import Callable

PATHS_KEY = "exchange.audit.paths"


@dataclass(frozen=True)
class PathOptions:
    """Paths given as options of the audit group; None means the setting."""

    state: Path | None
    archive: Path | None
    errors: Path | None


@dataclass
class Opened:
    """The state database, its journal and the archive, open for one command."""

    conn: sqlite3.Connection
    journal: Journal
    archive: Archive


class opened_journal:  # noqa: N801 - used as a statement: ``with opened_journal(ctx) as opened:``
    """Open the state database and archive named by options or settings."""

    def __init__(self, ctx: click.Context) -> None:
        self._ctx = ctx
        self._conn: sqlite3.Connection | None = None

    def __enter__(self) -> Opened:
        options: PathOptions = self._ctx.meta.get(
            PATHS_KEY, PathOptions(None, None, None)
        )
        state = options.state or settings_value(self._ctx, lambda s: s.paths.state)
        archive = options.archive or settings_value(
            self._ctx, lambda s: s.paths.archive
        )
        errors = options.errors or settings_value(self._ctx, lambda s: s.paths.errors)
        if not state.is_file():
            fail(
                f"state database {state} not found; set paths.state in the "
                "configuration or pass --state",
                EXIT_USAGE,
            )
        try:
            self._conn = connect(state)
            journal = Journal(self._conn)
        except ExchangeError as exc:
            if self._conn is not None:
                self._conn.close()
            fail(str(exc), exc.exit_code)
        return Opened(self._conn, journal, Archive(archive, errors))

    def __exit__(self, *exc_info: object) -> None:
        if self._conn is not None:
            self._conn.close()


def fail(message: str, exit_code: int) -> NoReturn:
    """Print ``Error: <message>`` to standard error and exit with ``exit_code``."""
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(exit_code)


def settings_value(ctx: click.Context, pick: Callable[[Any], Any]) -> Any:
    """Return ``pick(settings)``, or exit with the error when none are loaded."""
    app = ctx.find_root().obj
    if app is None or not hasattr(app, "settings"):
        fail(
            "no configuration is loaded; pass --state, --archive and --errors",
            EXIT_USAGE,
        )
    try:
        return pick(app.settings())
    except ExchangeError as exc:
        fail(str(exc), exc.exit_code)


def display_zone(ctx: click.Context) -> ZoneInfo | None:
    """Return the time zone for printed times, or None for UTC."""
    # The audit commands also run on copies named by options alone, so a
    # configuration that does not load leaves times in UTC instead of failing.
    app = ctx.find_root().obj
    if app is None or not hasattr(app, "settings"):
        return None
    try:
        zone: ZoneInfo | None = app.settings().display.zone
    except ExchangeError:
        return None
    return zone


def echo_json(value: Any) -> None:
    """Print ``value`` as indented JSON."""
    click.echo(jsonio.dumps(value, indent=True).decode("utf-8"))
