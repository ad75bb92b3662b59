"""Everything one invocation needs, opened lazily from the settings.

Commands that write state take the instance lock first, so that a second
process on the same state database stops with a clear message instead of
interleaving its work.
"""

from __future__ import annotations

import logging
import sqlite3
from functools import cached_property
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from exchange.archive.journal import Journal
from exchange.archive.store import Archive
from exchange.bitrix24 import (
    Bitrix24Client,
    DealFieldCodes,
    ResolvedDealFields,
    resolve_deal_fields,
)
from exchange.config import Settings
from exchange.contract.load import ContractSettings
from exchange.errors import ConfigError, LockedError, TransportError
from exchange.outbox.delivery import Outbox
from exchange.state.db import connect
from exchange.state.orders_store import OrdersStore
from exchange.state.outgoing_store import OutgoingStore
from exchange.transport import (
    LocalInbox,
    LocalOutbox,
    SftpInbox,
    SftpOutbox,
    SftpSettings,
    Source,
    Target,
)

log = logging.getLogger(__name__)


class Runtime:
    """The opened resources of one run; close it (or use ``with``) when done."""

    def __init__(
        self, settings: Settings, *, lock: bool = True, upgrades: bool | None = None
    ) -> None:
        self.settings = settings
        # Only the holder of the instance lock upgrades the state's tables,
        # unless the state is a scratch copy of the caller's own.
        self._upgrades = lock if upgrades is None else upgrades
        self._lock: FileLock | None = None
        self._closers: list[object] = []
        if lock:
            self._acquire_lock()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _acquire_lock(self) -> None:
        state = self.settings.paths.state
        state.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(state) + ".lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise LockedError(
                f"another exchange process holds the lock on {state}; wait for "
                "it to finish or stop it (only one instance may use a state "
                "database)"
            ) from None
        self._lock = lock

    def close(self) -> None:
        """Close connections and release the lock."""
        for resource in reversed(self._closers):
            close = getattr(resource, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    log.warning("closing %r failed", resource, exc_info=True)
        self._closers.clear()
        if "conn" in self.__dict__:
            self.conn.close()
            del self.__dict__["conn"]
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # State

    @cached_property
    def conn(self) -> sqlite3.Connection:
        """The state database."""
        return connect(self.settings.paths.state, upgrades=self._upgrades)

    @cached_property
    def orders(self) -> OrdersStore:
        """The orders tables."""
        return OrdersStore(self.conn)

    @cached_property
    def outgoing(self) -> OutgoingStore:
        """The outgoing sequence and queue."""
        return OutgoingStore(self.conn)

    @cached_property
    def journal(self) -> Journal:
        """The audit journal."""
        return Journal(self.conn)

    @cached_property
    def archive(self) -> Archive:
        """The archive and error folders."""
        return Archive(self.settings.paths.archive, self.settings.paths.errors)

    @cached_property
    def contract(self) -> ContractSettings:
        """Parsing limits and the 1C time zone."""
        inbox = self.settings.inbox
        return ContractSettings(
            timezone=self.settings.onec.zone,
            max_bytes=inbox.max_file_mib * 1024 * 1024,
            max_errors=inbox.max_errors,
        )

    # Files

    @cached_property
    def source(self) -> Source:
        """Where incoming files are taken from."""
        settle = self.settings.inbox.settle_seconds
        if self.settings.inbox.source == "sftp":
            inbox = SftpInbox(self.sftp_settings, settle_seconds=settle)
            self._closers.append(inbox)
            return inbox
        folder = self.settings.paths.inbox
        _make_folder(folder, "[paths] inbox")
        return LocalInbox(folder, settle_seconds=settle)

    @cached_property
    def target(self) -> Target:
        """Where outgoing files are written."""
        if self.settings.outbox.target == "sftp":
            outbox = SftpOutbox(self.sftp_settings)
            self._closers.append(outbox)
            return outbox
        folder = self.settings.paths.outbox
        _make_folder(folder, "[paths] outbox")
        return LocalOutbox(folder)

    @cached_property
    def outbox(self) -> Outbox:
        """Numbering and delivery of outgoing packages."""
        return Outbox(
            self.outgoing,
            self.target,
            self.archive,
            self.journal,
            node=self.settings.onec.node,
            zone=self.settings.onec.zone,
        )

    @cached_property
    def sftp_settings(self) -> SftpSettings:
        """The SFTP connection settings, checked."""
        sftp = self.settings.sftp
        if not sftp.host or not sftp.username:
            raise ConfigError(
                "[sftp] host and username must be set when [inbox] source or "
                "[outbox] target is sftp"
            )
        try:
            return SftpSettings(
                host=sftp.host,
                port=sftp.port,
                username=sftp.username,
                password=sftp.password.get_secret_value() or None,
                key_path=sftp.key_path,
                key_passphrase=sftp.key_passphrase.get_secret_value() or None,
                known_hosts=sftp.known_hosts,
                fingerprint=sftp.fingerprint or None,
                inbox=sftp.inbox,
                processing=sftp.processing,
                done=sftp.done,
                errors=sftp.errors,
                delete_done=sftp.delete_done,
                outbox=sftp.outbox,
                connect_timeout=sftp.connect_timeout_seconds,
                keepalive_seconds=sftp.keepalive_seconds,
                operation_timeout=sftp.operation_timeout_seconds,
            )
        except ValueError as exc:
            raise ConfigError(f"[sftp]: {exc}") from None

    # Bitrix24

    @cached_property
    def client(self) -> Bitrix24Client:
        """The Bitrix24 client on the inbound webhook."""
        b24 = self.settings.bitrix24
        url = b24.webhook_url.get_secret_value().strip()
        if not url:
            raise ConfigError(
                "[bitrix24] webhook_url is not set; set EXCHANGE_BITRIX24__WEBHOOK_URL "
                "to the inbound webhook URL (https://<portal>/rest/<user>/<code>/)"
            )
        client = Bitrix24Client(
            url,
            requests_per_second=b24.requests_per_second,
            burst=b24.burst,
            timeout=b24.timeout_seconds,
            max_attempts=b24.max_attempts,
            max_retry_seconds=b24.max_retry_seconds,
        )
        self._closers.append(client)
        return client

    @cached_property
    def deal_fields(self) -> ResolvedDealFields:
        """The configured deal fields, checked against the portal."""
        codes = self.settings.bitrix24.deal_fields
        for name in ("document_number", "payment_status", "realization_date"):
            if not getattr(codes, name):
                raise ConfigError(
                    f"[bitrix24.deal_fields] {name} is not set; give the "
                    "UF_CRM_ code of the deal field"
                )
        return resolve_deal_fields(
            self.client,
            DealFieldCodes(
                codes.document_number, codes.payment_status, codes.realization_date
            ),
            self.settings.bitrix24.payment_status_items or None,
            self.settings.onec.zone,
        )


def _make_folder(folder: Path, setting: str) -> None:
    """Create ``folder`` if missing, or raise ``TransportError`` naming ``setting``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TransportError(
            f"cannot use the folder {folder} ({setting}): {exc.strerror or exc}; "
            "make it a folder the service user can write to, or change the setting"
        ) from exc


def state_exists(settings: Settings) -> bool:
    """Tell whether the state database has been created."""
    return Path(settings.paths.state).exists()
