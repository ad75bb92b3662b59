"""SFTP outbox (atomic upload) and the SFTP checks of ``exchange check``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from exchange.errors import TransportError
from exchange.transport.check import check_sftp
from exchange.transport.sftp_outbox import SftpOutbox

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from exchange.transport.sftp_connection import SftpSettings
    from tests.fixtures.sshd import SshServer

pytestmark = pytest.mark.sftp


def test_upload_appears_whole(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """An upload leaves exactly the final file, with no temporary name behind."""
    outbox = SftpOutbox(make_settings())
    data = b"x" * 300_000

    outbox.write("receipt_A_1.json", data)

    files = list((server.root / "outbox").iterdir())
    assert [p.name for p in files] == ["receipt_A_1.json"]
    assert files[0].read_bytes() == data
    outbox.close()


def test_upload_uses_posix_rename(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """The upload goes to a hidden temporary name, then posix_rename into place."""
    outbox = SftpOutbox(make_settings())
    renames: list[tuple[str, str]] = []
    sftp = outbox.connection.open()
    real_rename = sftp.posix_rename

    def recording_rename(old: str | bytes, new: str | bytes) -> None:
        assert isinstance(old, str)
        assert isinstance(new, str)
        renames.append((old, new))
        assert not (server.root / new).exists()
        assert (server.root / old).read_bytes() == b"{}"
        real_rename(old, new)

    sftp.posix_rename = recording_rename  # type: ignore[method-assign, assignment]

    outbox.write("receipt_A_1.json", b"{}")

    [(old, new)] = renames
    assert old.startswith("outbox/.receipt_A_1.json.")
    assert old.endswith(".tmp")
    assert new == "outbox/receipt_A_1.json"
    outbox.close()


def test_same_bytes_already_delivered(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """Writing the same name and bytes again uploads nothing."""
    outbox = SftpOutbox(make_settings())
    outbox.write("receipt_A_1.json", b"{}")
    before = (server.root / "outbox" / "receipt_A_1.json").stat().st_mtime_ns

    outbox.write("receipt_A_1.json", b"{}")

    assert (server.root / "outbox" / "receipt_A_1.json").stat().st_mtime_ns == before
    outbox.close()


def test_different_bytes_raise(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A different file under the same name is never overwritten."""
    (server.root / "outbox" / "receipt_A_1.json").write_bytes(b"old")
    outbox = SftpOutbox(make_settings())

    with pytest.raises(TransportError, match="different file"):
        outbox.write("receipt_A_1.json", b"new")

    assert (server.root / "outbox" / "receipt_A_1.json").read_bytes() == b"old"
    assert [p.name for p in (server.root / "outbox").iterdir()] == ["receipt_A_1.json"]
    outbox.close()


def test_missing_outbox_raises(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """An upload into a missing folder is a transport error and leaves nothing."""
    outbox = SftpOutbox(make_settings(outbox="nowhere"))

    with pytest.raises(TransportError):
        outbox.write("receipt_A_1.json", b"{}")

    assert not (server.root / "nowhere").exists()
    outbox.close()


def test_check_all_ok(make_settings: Callable[..., SftpSettings]) -> None:
    """On a healthy server every check line is ok, folders included."""
    results = check_sftp(make_settings())

    assert [r.name for r in results] == [
        "sftp server",
        "sftp host key",
        "sftp login",
        "sftp folder inbox",
        "sftp folder inbox/processing",
        "sftp folder inbox/errors",
        "sftp folder inbox/done",
        "sftp folder outbox",
    ]
    assert all(r.ok for r in results)
    created_later = [r.name for r in results if "first poll" in r.message]
    assert created_later == [
        "sftp folder inbox/processing",
        "sftp folder inbox/errors",
        "sftp folder inbox/done",
    ]


def test_check_missing_outbox(make_settings: Callable[..., SftpSettings]) -> None:
    """A missing outbox folder fails its check."""
    results = check_sftp(make_settings(outbox="nowhere"))

    assert [(r.name, r.ok) for r in results][-1] == ("sftp folder nowhere", False)


def test_check_unknown_key(
    make_settings: Callable[..., SftpSettings], tmp_path: Path
) -> None:
    """An unknown host key fails the host key check and stops there."""
    empty = tmp_path / "known_hosts"
    empty.write_text("")

    results = check_sftp(make_settings(known_hosts=empty))

    assert [(r.name, r.ok) for r in results] == [
        ("sftp server", True),
        ("sftp host key", False),
    ]


def test_check_unreachable(make_settings: Callable[..., SftpSettings]) -> None:
    """A port with no server fails the first check."""
    results = check_sftp(make_settings(port=1))

    assert [(r.name, r.ok) for r in results] == [("sftp server", False)]
