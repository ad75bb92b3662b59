"""One SFTP connection with every timeout set, reconnected after failures."""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import paramiko

from exchange.errors import TransportError
from exchange.transport.hostkeys import (
    HostKeyError,
    PinnedKeyPolicy,
    changed_key_error,
    check_pinned,
    fingerprint_sha256,
    load_known_hosts,
    normalize_fingerprint,
)
from exchange.transport.sftp_listing import ByteNameSFTPClient

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class SftpSettings:
    """Address, credentials and folders of one SFTP server.

    Remote folders are relative to the login folder unless they start with
    ``/``. Timeouts are in seconds.
    """

    host: str
    username: str
    port: int = 22
    password: str | None = field(default=None, repr=False)
    key_path: Path | None = None
    key_passphrase: str | None = field(default=None, repr=False)
    known_hosts: Path | None = None
    fingerprint: str | None = None
    """Pinned host key fingerprint, ``SHA256:...`` as ``ssh-keygen -lf`` prints."""
    inbox: str = "inbox"
    processing: str = "inbox/processing"
    done: str = "inbox/done"
    errors: str = "inbox/errors"
    delete_done: bool = False
    outbox: str = "outbox"
    connect_timeout: float = 15.0
    keepalive_seconds: int = 30
    operation_timeout: float = 60.0

    def __post_init__(self) -> None:
        if self.known_hosts is None and self.fingerprint is None:
            raise ValueError(
                "SFTP needs a known_hosts file or a pinned host key fingerprint "
                "to verify the server"
            )
        if self.password is None and self.key_path is None:
            raise ValueError("SFTP needs a password or a private key file")
        if self.fingerprint is not None:
            object.__setattr__(
                self, "fingerprint", normalize_fingerprint(self.fingerprint)
            )

    @property
    def address(self) -> str:
        """``host:port`` for messages."""
        return f"{self.host}:{self.port}"


class SftpLoginError(TransportError):
    """The server rejected the username or credentials; retrying cannot help."""

    transient = False


class ConnectFailedError(TransportError):
    """The server was unreachable or the SSH handshake failed."""


# Errors that mean the connection itself failed, so it must be rebuilt.
# SFTPError is an unexpected reply, after which the session is out of step.
# SFTP status errors (no such file, permission denied) arrive as plain
# OSError with an errno while the connection stays usable.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    paramiko.SSHException,
    paramiko.SFTPError,
    EOFError,
    TimeoutError,
    socket.timeout,
    ConnectionError,
)


class SftpConnection:
    """Opens the SFTP session on demand and retries operations after failures.

    ``run`` gives an operation up to ``attempts`` tries. After a connection
    error or a timeout it drops the connection, waits ``retry_delay`` seconds
    (doubling up to ``max_retry_delay``) and reconnects. So a retried
    operation always starts again on a fresh session.
    """

    def __init__(
        self,
        settings: SftpSettings,
        *,
        attempts: int = 3,
        retry_delay: float = 1.0,
        max_retry_delay: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._attempts = attempts
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._sleep = sleep
        self._client: paramiko.SSHClient | None = None
        self._sftp: ByteNameSFTPClient | None = None
        self.connects = 0

    def run(
        self, operation: Callable[[ByteNameSFTPClient], T], *, description: str
    ) -> T:
        """Run ``operation`` on an open session; retry on connection errors.

        SFTP status errors (``OSError`` with an errno) pass through to the
        caller. Raises ``TransportError`` when every attempt failed.
        """
        delay = self._retry_delay
        for attempt in range(1, self._attempts + 1):
            try:
                return operation(self.open())
            except (HostKeyError, SftpLoginError):
                self.close()
                raise
            except _CONNECTION_ERRORS as exc:
                self.close()
                if attempt == self._attempts:
                    raise TransportError(
                        f"SFTP {description} on {self.settings.address} failed after "
                        f"{attempt} attempts: {_describe(exc)}"
                    ) from exc
                logger.warning(
                    "SFTP %s on %s failed (%s); attempt %d of %d, "
                    "reconnecting in %.1fs",
                    description,
                    self.settings.address,
                    _describe(exc),
                    attempt,
                    self._attempts,
                    delay,
                )
            except OSError as exc:
                # An SFTP status error on a live connection is final for this
                # operation; on a dead one the operation is tried again.
                if self._is_active():
                    raise TransportError(
                        f"SFTP {description} on {self.settings.address} failed: "
                        f"{_describe(exc)}"
                    ) from exc
                self.close()
                if attempt == self._attempts:
                    raise TransportError(
                        f"SFTP {description} on {self.settings.address} failed after "
                        f"{attempt} attempts: {_describe(exc)}"
                    ) from exc
                logger.warning(
                    "SFTP %s on %s failed (%s) and the connection is closed; "
                    "attempt %d of %d, reconnecting in %.1fs",
                    description,
                    self.settings.address,
                    _describe(exc),
                    attempt,
                    self._attempts,
                    delay,
                )
            except ConnectFailedError:
                self.close()
                if attempt == self._attempts:
                    raise
                logger.warning(
                    "SFTP %s on %s: could not connect; attempt %d of %d, "
                    "retrying in %.1fs",
                    description,
                    self.settings.address,
                    attempt,
                    self._attempts,
                    delay,
                )
            self._sleep(delay)
            delay = min(delay * 2, self._max_retry_delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def open(self) -> ByteNameSFTPClient:
        """Return the open session, connecting first when needed."""
        if self._sftp is not None and self._is_active():
            return self._sftp
        self.close()
        self._client, self._sftp = self._connect()
        self.connects += 1
        return self._sftp

    def close(self) -> None:
        """Close the session and the SSH connection, ignoring errors."""
        sftp, client = self._sftp, self._client
        self._sftp = None
        self._client = None
        for closable in (sftp, client):
            if closable is None:
                continue
            try:
                closable.close()
            except (OSError, EOFError, paramiko.SSHException) as exc:
                logger.debug("Closing the SFTP connection failed: %s", exc)

    def _is_active(self) -> bool:
        transport = self._client.get_transport() if self._client else None
        return transport is not None and transport.is_active()

    def _connect(self) -> tuple[paramiko.SSHClient, ByteNameSFTPClient]:
        settings = self.settings
        client = paramiko.SSHClient()
        if settings.known_hosts is not None:
            load_known_hosts(client, settings.known_hosts)
        client.set_missing_host_key_policy(
            PinnedKeyPolicy(
                host=settings.host,
                port=settings.port,
                known_hosts=settings.known_hosts,
                fingerprint=settings.fingerprint,
            )
        )
        try:
            self._login(client)
            sftp = self._open_sftp(client)
        except BaseException:
            client.close()
            raise
        logger.info(
            "Connected to SFTP server %s as %s", settings.address, settings.username
        )
        return client, sftp

    def _login(self, client: paramiko.SSHClient) -> None:
        settings = self.settings
        try:
            client.connect(
                settings.host,
                port=settings.port,
                username=settings.username,
                password=settings.password,
                pkey=self._load_key(),
                timeout=settings.connect_timeout,
                banner_timeout=settings.connect_timeout,
                auth_timeout=settings.connect_timeout,
                channel_timeout=settings.connect_timeout,
                allow_agent=False,
                look_for_keys=False,
            )
        except paramiko.BadHostKeyException as exc:
            raise changed_key_error(
                settings.host,
                settings.port,
                exc.key,
                expected=f"{fingerprint_sha256(exc.expected_key)} "
                f"(from {settings.known_hosts})",
            ) from None
        except paramiko.AuthenticationException as exc:
            raise SftpLoginError(
                f"SFTP server {settings.address} rejected the login of user "
                f"{settings.username!r} ({_credential_kinds(settings)}): "
                f"{exc.__class__.__name__}. Check the username, the password or "
                "the key, and that the key is in the account's authorized_keys."
            ) from None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise ConnectFailedError(
                f"Could not connect to SFTP server {settings.address}: {_describe(exc)}"
            ) from exc

    def _open_sftp(self, client: paramiko.SSHClient) -> ByteNameSFTPClient:
        settings = self.settings
        transport = client.get_transport()
        if transport is None:
            raise ConnectFailedError(f"SFTP server {settings.address} disconnected")
        if settings.fingerprint is not None:
            # Also when known_hosts matched: both must agree with the server.
            check_pinned(
                settings.host,
                settings.port,
                transport.get_remote_server_key(),
                settings.fingerprint,
            )
        transport.set_keepalive(settings.keepalive_seconds)
        try:
            sftp = ByteNameSFTPClient.from_transport(transport)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise ConnectFailedError(
                f"SFTP server {settings.address} did not start the SFTP "
                f"subsystem: {_describe(exc)}"
            ) from exc
        if sftp is None:
            raise ConnectFailedError(
                f"SFTP server {settings.address} rejected the SFTP subsystem request"
            )
        channel = sftp.get_channel()
        if channel is not None:
            # Without a channel timeout a hung server blocks every request.
            channel.settimeout(settings.operation_timeout)
        return sftp

    def _load_key(self) -> paramiko.PKey | None:
        path = self.settings.key_path
        if path is None:
            return None
        try:
            return paramiko.PKey.from_path(path, self.settings.key_passphrase)
        except paramiko.PasswordRequiredException:
            raise SftpLoginError(
                f"The SFTP private key {path} is encrypted; set its passphrase."
            ) from None
        except (OSError, paramiko.SSHException, ValueError) as exc:
            # Messages from key parsing name the problem, never the passphrase.
            raise SftpLoginError(
                f"Could not load the SFTP private key {path}: "
                f"{exc.__class__.__name__}: {exc}. Check the file and its passphrase."
            ) from None


def _credential_kinds(settings: SftpSettings) -> str:
    kinds = []
    if settings.key_path is not None:
        kinds.append(f"key {settings.key_path}")
    if settings.password is not None:
        kinds.append("password")
    return " and ".join(kinds)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    text = str(exc)
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
