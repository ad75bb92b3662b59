"""Fixtures for the SFTP tests: a clean server root and settings for it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from exchange.transport.sftp_connection import SftpSettings

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.fixtures.sshd import SshServer


@pytest.fixture
def server(sshd: SshServer) -> SshServer:
    """The session's sshd, running, with an empty root holding inbox and outbox."""
    sshd.resume()
    sshd.start()
    sshd.clear_root()
    (sshd.root / "inbox").mkdir()
    (sshd.root / "outbox").mkdir()
    return sshd


@pytest.fixture
def make_settings(server: SshServer) -> Callable[..., SftpSettings]:
    """Build settings for the test server; keyword arguments override fields."""

    def build(**overrides: Any) -> SftpSettings:
        values: dict[str, Any] = {
            "host": server.host,
            "port": server.port,
            "username": server.username,
            "key_path": server.client_key,
            "known_hosts": server.known_hosts,
            "connect_timeout": 3.0,
            "operation_timeout": 3.0,
        }
        values.update(overrides)
        return SftpSettings(**values)

    return build
