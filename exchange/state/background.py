"""One write transaction, run by a thread of its own on the writer connection.

Python's ``sqlite3`` releases the GIL while SQLite executes a statement, so a
single statement that does much work in SQLite (such as an ``INSERT ...
SELECT`` over ``json_each`` of 100,000 rows) runs on a second core while the
calling thread goes on in Python. ``executemany`` does not gain this way: it
takes the GIL back for every row it binds.

The calling thread must not write to the database until ``wait`` returns:
both connections would then want the one write lock, and the order of the
two transactions would depend on timing. Reads are safe meanwhile; in WAL
mode they see the database as it was before the transaction.

The writes of one chain share one connection, opened by the caller with
``connect(path, any_thread=True)``. Opening a connection takes about ten
calls into SQLite, and a thread waits for the GIL before each of them while
the caller runs Python: up to 0.14 s was measured per connection.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from exchange.errors import StateError
from exchange.state.db import transaction

Statement = tuple[str, Sequence[Any]]
"""SQL text and its parameters."""


class BackgroundWrite:
    """Run ``statements`` in one transaction on ``conn``, on a thread of its own.

    With ``after``, the transaction starts once that earlier write has ended,
    and not at all if it failed: waiting for the last of a chain waits for
    all of them, and raises the first failure. ``conn`` must be opened for
    use from any thread, and used by nothing else until the write has ended.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        statements: Sequence[Statement],
        name: str,
        *,
        after: BackgroundWrite | None = None,
    ) -> None:
        self._conn = conn
        self._statements = statements
        self._after = after
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=False)
        self._thread.start()

    def _run(self) -> None:
        if self._after is not None:
            self._error = self._after.ended()
            self._after = None
            if self._error is not None:
                return
        try:
            with transaction(self._conn) as conn:
                for sql, params in self._statements:
                    conn.execute(sql, params)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            self._error = exc

    def ended(self) -> BaseException | None:
        """Wait for the thread to end; return its failure instead of raising it."""
        self._thread.join()
        return self._error

    def wait(self) -> None:
        """Return once the transaction is committed; raise if it failed.

        A failed transaction was rolled back, so the database contains none of
        its statements.
        """
        self._thread.join()
        error, self._error = self._error, None
        if error is None:
            return
        if isinstance(error, StateError):
            raise error
        if isinstance(error, sqlite3.Error):
            path = self._conn.execute("PRAGMA database_list").fetchone()[2]
            raise StateError(
                f"cannot write to the state database {path}: {error}"
            ) from error
        raise error
