"""Exception hierarchy of the service.

Every error the service raises on purpose derives from ``ExchangeError``.
``transient`` tells the caller whether the same work may succeed later
(a portal that is down) or never will (a broken file); an error that is not
classified counts as terminal so that one bad file cannot loop forever.
Each family maps to the exit code that the command-line interface returns.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ATTENTION = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


class ExchangeError(Exception):
    """Root of the service's own errors."""

    transient = False
    exit_code = EXIT_ATTENTION


class ConfigError(ExchangeError):
    """The configuration is missing, malformed or names something absent."""

    exit_code = EXIT_USAGE


class ContractError(ExchangeError):
    """A file breaks the exchange contract with 1C."""


class StateError(ExchangeError):
    """The state database cannot be opened, migrated or written."""

    exit_code = EXIT_UNAVAILABLE


class LockedError(StateError):
    """Another instance holds the lock on the same state."""


class TransportError(ExchangeError):
    """A folder or an SFTP server could not be read or written."""

    transient = True
    exit_code = EXIT_UNAVAILABLE


class InterruptedPackageError(ExchangeError):
    """A file failed after its package was stored; the next run resumes it.

    The file stays in the inbox instead of getting a rejection, because some
    of its orders may already have changed their deals.
    """


class ArchiveError(ExchangeError):
    """The archive or its journal is inconsistent."""
