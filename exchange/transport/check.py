"""Checks of an SFTP server for ``exchange check``."""

from __future__ import annotations

import io
import posixpath
import socket
from dataclasses import dataclass

from exchange.errors import TransportError
from exchange.transport.hostkeys import HostKeyError
from exchange.transport.names import temporary_name
from exchange.transport.sftp_connection import (
    SftpConnection,
    SftpLoginError,
    SftpSettings,
)


@dataclass(frozen=True)
class CheckResult:
    """One line of ``exchange check``: what was checked and how it went."""

    name: str
    ok: bool
    message: str


def check_sftp(settings: SftpSettings) -> list[CheckResult]:
    """Check the server, its host key, the login and every configured folder.

    Stops at the first failure that makes later checks meaningless.
    """
    results = [_check_reachable(settings)]
    if not results[0].ok:
        return results

    connection = SftpConnection(settings, attempts=1)
    try:
        connection.open()
    except HostKeyError as exc:
        return [*results, CheckResult("sftp host key", ok=False, message=str(exc))]
    except SftpLoginError as exc:
        results.append(CheckResult("sftp host key", ok=True, message="matches"))
        return [*results, CheckResult("sftp login", ok=False, message=str(exc))]
    except TransportError as exc:
        return [*results, CheckResult("sftp connection", ok=False, message=str(exc))]

    on_demand = {settings.processing, settings.done, settings.errors}
    results.append(CheckResult("sftp host key", ok=True, message="matches"))
    results.append(
        CheckResult("sftp login", ok=True, message=f"logged in as {settings.username}")
    )
    try:
        results.extend(
            _check_folder(connection, folder, created_on_demand=folder in on_demand)
            for folder in _folders(settings)
        )
    finally:
        connection.close()
    return results


def _folders(settings: SftpSettings) -> list[str]:
    folders = [settings.inbox, settings.processing, settings.errors]
    if not settings.delete_done:
        folders.append(settings.done)
    folders.append(settings.outbox)
    return folders


def _check_reachable(settings: SftpSettings) -> CheckResult:
    try:
        with socket.create_connection(
            (settings.host, settings.port), timeout=settings.connect_timeout
        ):
            pass
    except OSError as exc:
        return CheckResult(
            "sftp server",
            ok=False,
            message=f"{settings.address} is unreachable: {exc}. Check the host, "
            "the port and the firewall.",
        )
    return CheckResult(
        "sftp server", ok=True, message=f"{settings.address} accepts connections"
    )


def _check_folder(
    connection: SftpConnection, folder: str, *, created_on_demand: bool
) -> CheckResult:
    name = f"sftp folder {folder}"
    probe = posixpath.join(folder, temporary_name("exchange-check"))
    try:
        sftp = connection.open()
        sftp.list_entries(folder)
    except FileNotFoundError:
        if created_on_demand:
            return CheckResult(name, ok=True, message="missing; created at first poll")
        return CheckResult(name, ok=False, message="not found")
    except (OSError, TransportError) as exc:
        return CheckResult(name, ok=False, message=f"cannot be listed: {exc}")
    try:
        sftp.putfo(io.BytesIO(b"check"), probe, confirm=True)
        sftp.remove(probe)
    except (OSError, TransportError) as exc:
        return CheckResult(name, ok=False, message=f"cannot be written: {exc}")
    return CheckResult(name, ok=True, message="readable and writable")
