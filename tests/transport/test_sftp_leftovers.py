"""SFTP outbox: temporary files of dropped uploads are removed later."""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.transport.names import temporary_name
from exchange.transport.sftp_connection import SftpConnection
from exchange.transport.sftp_leftovers import LEFTOVER_MIN_AGE_SECONDS, is_own_temporary
from exchange.transport.sftp_outbox import SftpOutbox

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from exchange.transport.sftp_connection import SftpSettings
    from tests.fixtures.sshd import SshServer

LOGGER = "exchange.transport.sftp_leftovers"


def age(path: Path, seconds: float) -> None:
    """Set the file's modification time ``seconds`` into the past."""
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


def drop_first_rename(outbox: SftpOutbox) -> None:
    """Make the first upload lose its connection just before the rename."""
    sftp = outbox.connection.open()

    def dropped(old: str | bytes, new: str | bytes) -> None:
        channel = sftp.get_channel()
        assert channel is not None
        channel.get_transport().close()
        raise EOFError

    sftp.posix_rename = dropped  # type: ignore[method-assign, assignment]


@pytest.mark.sftp
def test_dropped_upload_leftover_removed(
    make_settings: Callable[..., SftpSettings],
    server: SshServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A dropped upload's temporary file is removed once old, on a new connection."""
    settings = make_settings()
    connection = SftpConnection(settings, retry_delay=0.01, sleep=lambda _: None)
    outbox = SftpOutbox(settings, connection=connection)
    outbox_folder = server.root / "outbox"
    drop_first_rename(outbox)

    outbox.write("orders_receipt_B24_1.json", b"{}")

    [leftover] = [p for p in outbox_folder.iterdir() if p.name.startswith(".")]
    assert leftover.name.startswith(".orders_receipt_B24_1.json.")
    assert (outbox_folder / "orders_receipt_B24_1.json").read_bytes() == b"{}"
    assert connection.connects == 2

    age(leftover, LEFTOVER_MIN_AGE_SECONDS + 60)
    outbox.write("orders_receipt_B24_2.json", b"{}")
    assert leftover.exists(), "removed before a new connection"

    connection.close()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        outbox.write("orders_receipt_B24_3.json", b"{}")

    assert not leftover.exists()
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.getMessage() == (
        f"Removed outbox/{leftover.name} on {settings.address}, left by an "
        "interrupted upload 11 minutes ago"
    )
    outbox.close()


@pytest.mark.sftp
def test_fresh_and_other_files_stay(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """Only old files of the outbox's temporary pattern are removed."""
    folder = server.root / "outbox"
    old_own = folder / temporary_name("counterparties_B24_4.json")
    fresh_own = folder / temporary_name("counterparties_B24_5.json")
    others = [
        folder / ".counterparties_B24_6.json.tmp",
        folder / ".counterparties_B24_6.json.0123456789AB.tmp",
        folder / "counterparties_B24_6.json.0123456789ab.tmp",
        folder / "notes.txt",
    ]
    for path in [old_own, fresh_own, *others]:
        path.write_bytes(b"partial")
    for path in [old_own, *others]:
        age(path, 3600)
    age(fresh_own, LEFTOVER_MIN_AGE_SECONDS - 60)
    folder_of_ours = folder / temporary_name("x.json")
    folder_of_ours.mkdir()
    age(folder_of_ours, 3600)
    outbox = SftpOutbox(make_settings())

    outbox.write("orders_receipt_B24_1.json", b"{}")

    assert not old_own.exists()
    assert fresh_own.exists()
    for path in others:
        assert path.exists(), path.name
    assert folder_of_ours.is_dir()
    outbox.close()


@given(name=st.text(min_size=1, max_size=60))
def test_own_temporary_pattern(name: str) -> None:
    """Every temporary name of a valid outbox name matches, and only those."""
    temporary = temporary_name(name)
    valid = not (
        name in {".", ".."}
        or name.startswith(".")
        or any(char in name for char in "/\\\x00")
    )
    assert is_own_temporary(temporary) is valid


@pytest.mark.parametrize(
    "name",
    [
        "receipt.json",
        ".receipt.json.tmp",
        ".receipt.json.0123456789a.tmp",
        ".receipt.json.0123456789abc.tmp",
        ".receipt.json.0123456789AB.tmp",
        ".receipt.json.0123456789ab.tmp.bak",
        "receipt.json.0123456789ab.tmp",
        "..receipt.json.0123456789ab.tmp",
        ".tmp-0123456789abcdef-receipt.json",
    ],
)
def test_other_names_not_own(name: str) -> None:
    """Names that only resemble the upload's temporary name never match."""
    assert not is_own_temporary(name)
