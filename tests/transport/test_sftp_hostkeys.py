"""SFTP host key verification and login."""

from __future__ import annotations

from typing import TYPE_CHECKING

import paramiko
import pytest

from exchange.transport.hostkeys import HostKeyError, fingerprint_sha256
from exchange.transport.sftp_connection import SftpConnection, SftpLoginError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from exchange.transport.sftp_connection import SftpSettings
    from tests.fixtures.sshd import SshServer

pytestmark = pytest.mark.sftp


def test_known_hosts_key_auth(make_settings: Callable[..., SftpSettings]) -> None:
    """A key listed in known_hosts and a client key log in and list the root."""
    connection = SftpConnection(make_settings())

    names = connection.run(
        lambda sftp: sorted(sftp.listdir(".")), description="listing"
    )

    assert names == ["inbox", "outbox"]
    connection.close()


def test_unknown_host_key_rejected(
    make_settings: Callable[..., SftpSettings], server: SshServer, tmp_path: Path
) -> None:
    """A server missing from known_hosts is rejected with its key and fingerprint."""
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    connection = SftpConnection(make_settings(known_hosts=empty))

    with pytest.raises(HostKeyError) as caught:
        connection.run(lambda sftp: sftp.listdir("."), description="listing")

    message = str(caught.value)
    assert "unknown" in message
    assert f"{server.host}:{server.port}" in message
    assert "ssh-ed25519" in message
    assert server.fingerprint in message
    assert caught.value.transient is False


def test_changed_host_key_rejected(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A server whose key differs from known_hosts is rejected, naming both keys."""
    connection = SftpConnection(make_settings(known_hosts=server.other_known_hosts))

    with pytest.raises(HostKeyError) as caught:
        connection.run(lambda sftp: sftp.listdir("."), description="listing")

    message = str(caught.value)
    assert "does not match" in message
    assert server.fingerprint in message
    assert server.other_fingerprint in message


def test_pinned_fingerprint_accepted(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A pinned fingerprint as ssh-keygen prints it is enough to connect."""
    settings = make_settings(known_hosts=None, fingerprint=server.fingerprint)
    connection = SftpConnection(settings)

    assert connection.run(lambda sftp: sorted(sftp.listdir(".")), description="listing")
    connection.close()


def test_wrong_pin_rejected(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A pinned fingerprint that does not match stops the connection."""
    settings = make_settings(known_hosts=None, fingerprint=server.other_fingerprint)

    with pytest.raises(HostKeyError, match="does not match"):
        SftpConnection(settings).open()


def test_pin_checked_with_known_hosts(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A wrong pin is rejected even when known_hosts matches."""
    settings = make_settings(fingerprint=server.other_fingerprint)

    with pytest.raises(HostKeyError, match="does not match"):
        SftpConnection(settings).open()


def test_fingerprint_matches_ssh_keygen(server: SshServer) -> None:
    """Our fingerprint of the host key equals what ssh-keygen prints."""
    key = paramiko.PKey.from_path(server.workdir / "host_key")

    assert fingerprint_sha256(key) == server.fingerprint


def test_wrong_key_login_rejected(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A client key the server does not authorize is a login error."""
    settings = make_settings(key_path=server.workdir / "other_host_key")

    with pytest.raises(SftpLoginError, match="rejected the login") as caught:
        SftpConnection(settings).open()

    assert caught.value.transient is False


def test_password_login(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """Password authentication works, and a wrong password never shows in errors."""
    if server.password_user is None or server.password is None:
        pytest.fail("the sshd fixture could not create the password user")
    good = make_settings(
        username=server.password_user, key_path=None, password=server.password
    )
    connection = SftpConnection(good)
    assert connection.run(lambda sftp: sorted(sftp.listdir(".")), description="listing")
    connection.close()

    bad = make_settings(
        username=server.password_user, key_path=None, password="not-the-password"
    )
    with pytest.raises(SftpLoginError) as caught:
        SftpConnection(bad).open()
    assert "not-the-password" not in str(caught.value)
    assert "not-the-password" not in repr(bad)
