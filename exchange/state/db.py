"""Opening the state database and migrating each component's tables.

Every component (orders, journal, counterparties, ...) owns its tables and
keeps its own ordered list of migrations; ``schema_versions`` records how
many of them ran. Migrations only ever append, so a database written by an
older release is brought up to date at start and never rewritten backwards.
"""

from __future__ import annotations

import gc
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from exchange.errors import StateError

log = logging.getLogger(__name__)

Migration = str
"""One SQL script, run in a transaction with the version bump."""


class StateConnection(sqlite3.Connection):
    """A connection to the state database, marked with whether it may upgrade it."""

    upgrades = True
    """Whether ``migrate`` may change tables that an older release created.

    Only a process that holds the instance lock may: another process of an
    older release may be running, and would fail on the changed tables.
    """


def connect(
    path: Path, *, any_thread: bool = False, upgrades: bool = True
) -> sqlite3.Connection:
    """Open the state database in WAL mode with foreign keys enforced.

    The connection runs in autocommit mode: each caller groups its statements
    with ``with transaction(conn):`` so that a crash leaves whole steps only.
    With ``any_thread``, threads may use it in turn, never at once. Without
    ``upgrades``, ``migrate`` creates missing tables but changes no others.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            path,
            isolation_level=None,
            timeout=30.0,
            check_same_thread=not any_thread,
            factory=StateConnection,
        )
        conn.upgrades = upgrades
        conn.row_factory = sqlite3.Row
        # 16 KiB pages for a new database (SQLite's default is 4 KiB): a
        # package of 100,000 orders writes about 100 MB of rows, and larger
        # pages mean fewer pages to split, log and copy back. Measured on such
        # a package, 4 KiB took about 0.5 s longer; 8 KiB and 32 KiB were in
        # between, 64 KiB slower still. A database that exists keeps its page
        # size: in WAL mode it changes only through ``VACUUM`` in another
        # journal mode.
        conn.execute("PRAGMA page_size=16384")
        conn.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL keeps every commit across a crash of the process.
        # Only a power loss may undo the last commits, which is safe because
        # the steps they record (deal updates, receipts) are idempotent.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # 64 MiB of page cache instead of SQLite's 2 MiB: the orders of a
        # package of 100,000 orders fill about 20 MiB of pages, and with the
        # default cache each batch of their updates reads pages back again.
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_versions ("
            " component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
    except (OSError, sqlite3.Error) as exc:
        raise StateError(f"cannot open the state database {path}: {exc}") from exc
    return conn


def migrate(
    conn: sqlite3.Connection, component: str, migrations: Sequence[Migration]
) -> None:
    """Run the migrations of ``component`` that this database has not run yet."""
    row = conn.execute(
        "SELECT version FROM schema_versions WHERE component = ?", (component,)
    ).fetchone()
    current = row[0] if row else 0
    if current > len(migrations):
        raise StateError(
            f"the state database has {component} schema version {current}, newer "
            f"than this release knows ({len(migrations)}); upgrade the service"
        )
    if 0 < current < len(migrations) and not getattr(conn, "upgrades", True):
        path = conn.execute("PRAGMA database_list").fetchone()[2]
        raise StateError(
            f"the state database {path} has {component} schema version {current}, "
            f"from an older release, and this release uses {len(migrations)}; "
            "this command does not upgrade it. Stop the service (an older "
            "release may still be running), then start it again or run "
            "`exchange run --once`: both upgrade the database under the "
            "instance lock"
        )
    for version in range(current + 1, len(migrations) + 1):
        log.info("migrating %s tables to version %d", component, version)
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split(migrations[version - 1]):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_versions (component, version) VALUES (?, ?)"
                " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                (component, version),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


class transaction:  # noqa: N801 - used as a statement: ``with transaction(conn):``
    """Group statements in one ``BEGIN IMMEDIATE`` ... ``COMMIT``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._conn.execute("COMMIT")
        else:
            self._conn.execute("ROLLBACK")


def _split(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector switched off.

    For bulk steps that build hundreds of thousands of long-lived objects
    (rows, keys, reports): each full collection walks every one of them, and
    on a 100,000-order package those walks cost seconds. Reference counting
    still frees everything that is not in a cycle. The collector is switched
    back on afterwards only if it was on before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
