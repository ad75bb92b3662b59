"""SFTP under server faults: restart and a hung server."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from exchange.errors import TransportError
from exchange.transport.sftp import SftpInbox
from exchange.transport.sftp_connection import SftpConnection
from exchange.transport.sftp_outbox import SftpOutbox

if TYPE_CHECKING:
    from collections.abc import Callable

    from exchange.transport.sftp_connection import SftpSettings
    from tests.fixtures.sshd import SshServer

pytestmark = pytest.mark.sftp


def test_restart_between_polls_survived(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """After a server restart the next poll reconnects and lists again."""
    settings = make_settings()
    connection = SftpConnection(settings, retry_delay=0.05)
    inbox = SftpInbox(settings, settle_seconds=0, connection=connection)
    assert inbox.poll().ready == []

    server.restart()
    (server.root / "inbox" / "orders_A_1.json").write_bytes(b"{}")
    result = inbox.poll()

    assert [item.name for item in result.ready] == ["orders_A_1.json"]
    assert connection.connects == 2
    inbox.close()


def test_restart_during_poll_survived(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A server that is down for a moment during a poll is retried with backoff."""
    settings = make_settings()
    delays: list[float] = []

    def sleep_and_start(delay: float) -> None:
        delays.append(delay)
        if len(delays) == 2:
            server.start()

    connection = SftpConnection(
        settings, attempts=4, retry_delay=0.05, sleep=sleep_and_start
    )
    inbox = SftpInbox(settings, settle_seconds=0, connection=connection)
    inbox.poll()
    (server.root / "inbox" / "orders_A_1.json").write_bytes(b"{}")

    server.stop()
    result = inbox.poll()

    assert [item.name for item in result.ready] == ["orders_A_1.json"]
    assert delays == [0.05, 0.1]
    inbox.close()


def test_down_server_raises_after_attempts(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A server that stays down raises a transport error after the attempts."""
    settings = make_settings()
    delays: list[float] = []
    connection = SftpConnection(
        settings, attempts=3, retry_delay=0.01, sleep=delays.append
    )
    outbox = SftpOutbox(settings, connection=connection)
    server.stop()

    with pytest.raises(TransportError, match="Could not connect") as caught:
        outbox.write("receipt_A_1.json", b"{}")

    assert caught.value.transient is True
    assert delays == [0.01, 0.02]


def test_hung_server_times_out(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A frozen server makes the poll fail within the timeouts instead of hanging."""
    settings = make_settings(connect_timeout=1.0, operation_timeout=1.0)
    connection = SftpConnection(settings, attempts=2, retry_delay=0.01)
    inbox = SftpInbox(settings, settle_seconds=0, connection=connection)
    inbox.poll()

    server.pause()
    started = time.monotonic()
    try:
        with pytest.raises(TransportError, match=r"timed out|Could not connect"):
            inbox.poll()
    finally:
        server.resume()
    elapsed = time.monotonic() - started

    assert elapsed < 8
    (server.root / "inbox" / "orders_A_1.json").write_bytes(b"{}")
    assert [item.name for item in inbox.poll().ready] == ["orders_A_1.json"]
    inbox.close()


def test_hung_outbox_upload_resumes(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """An upload retried after a timeout finds no duplicate and writes once."""
    settings = make_settings(connect_timeout=1.0, operation_timeout=1.0)

    def resume_then_sleep(delay: float) -> None:
        server.resume()
        time.sleep(delay)

    connection = SftpConnection(
        settings, attempts=3, retry_delay=0.01, sleep=resume_then_sleep
    )
    outbox = SftpOutbox(settings, connection=connection)
    connection.open()

    server.pause()
    outbox.write("receipt_A_1.json", b"{}")

    assert [p.name for p in (server.root / "outbox").iterdir()] == ["receipt_A_1.json"]
    assert (server.root / "outbox" / "receipt_A_1.json").read_bytes() == b"{}"
    outbox.close()
