"""Verification of an SFTP server's host key: known_hosts file or pinned key."""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import TYPE_CHECKING

import paramiko

from exchange.errors import TransportError

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)


class HostKeyError(TransportError):
    """The server offered a host key that is unknown or does not match.

    Retrying cannot help: a person must confirm the key and update the
    configuration, so the error is terminal.
    """

    transient = False


def fingerprint_sha256(key: paramiko.PKey) -> str:
    """Return the key's fingerprint as ``ssh-keygen -lf`` prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def known_hosts_name(host: str, port: int) -> str:
    """Return the host's name in known_hosts (``[host]:port`` unless port 22)."""
    return host if port == 22 else f"[{host}]:{port}"


def normalize_fingerprint(fingerprint: str) -> str:
    """Return ``SHA256:<base64>`` without padding; raise ``ValueError`` if not."""
    text = fingerprint.strip()
    if not text.startswith("SHA256:") or len(text) <= len("SHA256:"):
        raise ValueError(
            f"host key fingerprint must look like 'SHA256:...' as "
            f"'ssh-keygen -lf' prints it, not {fingerprint!r}"
        )
    return text.rstrip("=")


class PinnedKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Accepts a host missing from known_hosts only when its key matches a pin.

    Without a pin every unknown key is rejected (never added).
    """

    def __init__(
        self, *, host: str, port: int, known_hosts: Path | None, fingerprint: str | None
    ) -> None:
        self._host = host
        self._port = port
        self._known_hosts = known_hosts
        self._fingerprint = fingerprint

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        offered = fingerprint_sha256(key)
        if self._fingerprint is not None and offered == self._fingerprint:
            client.get_host_keys().add(hostname, key.get_name(), key)
            logger.debug("Host key of %s matches the pinned fingerprint", hostname)
            return
        if self._fingerprint is not None:
            raise changed_key_error(
                self._host, self._port, key, expected=self._fingerprint
            )
        raise unknown_key_error(self._host, self._port, key, self._known_hosts)


def unknown_key_error(
    host: str, port: int, key: paramiko.PKey, known_hosts: Path | None
) -> HostKeyError:
    """Build the error for a server whose key is in no known_hosts file."""
    offered = fingerprint_sha256(key)
    where = f"the known_hosts file {known_hosts}" if known_hosts else "no known_hosts"
    return HostKeyError(
        f"The host key of SFTP server {host}:{port} is unknown ({where} has no "
        f"entry for it). The server offered a {key.get_name()} key with "
        f"fingerprint {offered}. Confirm this fingerprint with the server's "
        f"administrator, then add the key to the known_hosts file "
        f"(ssh-keyscan -p {port} {host}) or set the SFTP fingerprint setting "
        f'to "{offered}".'
    )


def changed_key_error(
    host: str, port: int, key: paramiko.PKey, *, expected: str
) -> HostKeyError:
    """Build the error for a server whose key differs from the expected one."""
    offered = fingerprint_sha256(key)
    return HostKeyError(
        f"The host key of SFTP server {host}:{port} does not match: it offered "
        f"a {key.get_name()} key with fingerprint {offered}, but {expected} was "
        "expected. The server may have been reinstalled, or someone may be "
        "intercepting the connection. Confirm the new key with the server's "
        "administrator before updating the known_hosts file or the pinned "
        "fingerprint."
    )


def check_pinned(host: str, port: int, key: paramiko.PKey, fingerprint: str) -> None:
    """Raise ``HostKeyError`` unless ``key`` has the pinned fingerprint."""
    if fingerprint_sha256(key) != fingerprint:
        raise changed_key_error(host, port, key, expected=fingerprint)


def load_known_hosts(client: paramiko.SSHClient, known_hosts: Path) -> None:
    """Load one known_hosts file into ``client``; never the user's own files."""
    try:
        client.load_system_host_keys(str(known_hosts))
    except (OSError, paramiko.SSHException) as exc:
        raise TransportError(
            f"Could not read the known_hosts file {known_hosts}: {exc}"
        ) from exc
