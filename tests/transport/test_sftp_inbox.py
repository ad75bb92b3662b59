"""SFTP inbox: completeness, claim, finish, resume and odd names."""

from __future__ import annotations

import logging
import os
import socket
from typing import TYPE_CHECKING

import pytest

from exchange.transport.sftp import SftpInbox

if TYPE_CHECKING:
    from collections.abc import Callable

    from exchange.transport.sftp_connection import SftpSettings
    from tests.fixtures.sshd import SshServer

pytestmark = pytest.mark.sftp

HOST = socket.gethostname()


class FakeClock:
    """A monotonic clock that tests move by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_marker_claims_into_processing(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A file with a marker is claimed into processing/ at the first poll."""
    (server.root / "inbox" / "orders_A_1.json").write_bytes(b'{"a": 1}')
    (server.root / "inbox" / "orders_A_1.json.ready").write_bytes(b"")
    inbox = SftpInbox(make_settings(), settle_seconds=60)

    result = inbox.poll()

    assert [item.name for item in result.ready] == ["orders_A_1.json"]
    assert result.ready[0].location == f"inbox/processing/{HOST}/orders_A_1.json"
    assert result.ready[0].size == 8
    assert (server.root / "inbox" / "processing" / HOST / "orders_A_1.json").exists()
    assert not (server.root / "inbox" / "orders_A_1.json").exists()
    assert inbox.read(result.ready[0]) == b'{"a": 1}'
    # The marker of a claimed file stays until the file is finished.
    assert inbox.poll().ignored == []
    (server.root / "inbox" / ".orders_A_2.json").write_bytes(b"{}")
    (server.root / "inbox" / "orders_A_3.json.ready").write_bytes(b"")
    assert inbox.poll().ignored == [".orders_A_2.json", "orders_A_3.json.ready"]
    inbox.close()


def test_settle_between_polls(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """Without a marker a file is taken once unchanged for the settle time."""
    path = server.root / "inbox" / "orders_A_1.json"
    path.write_bytes(b"{}")
    os.utime(path, (1, 1))  # an old mtime alone is not trusted over SFTP
    clock = FakeClock()
    inbox = SftpInbox(make_settings(), settle_seconds=5, clock=clock)

    first = inbox.poll()
    assert first.ready == []
    assert first.waiting == ["orders_A_1.json"]

    clock.now += 3
    path.write_bytes(b'{"b": 2}')
    assert inbox.poll().ready == []

    clock.now += 4
    assert inbox.poll().ready == []

    clock.now += 2
    assert [item.name for item in inbox.poll().ready] == ["orders_A_1.json"]
    inbox.close()


def test_ignores_other_names(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """Hidden, temporary and non-JSON files and folders stay in the inbox."""
    folder = server.root / "inbox"
    for name in [".orders_A_1.json", "orders_A_2.json.tmp", "notes.txt"]:
        (folder / name).write_bytes(b"{}")
        (folder / (name + ".ready")).write_bytes(b"")
    (folder / "sub.json").mkdir()
    inbox = SftpInbox(make_settings(), settle_seconds=0)

    result = inbox.poll()

    assert result.ready == []
    assert (folder / "orders_A_2.json.tmp").exists()
    inbox.close()


def test_two_inboxes_never_share(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """Two instances polling the same inbox each claim disjoint files."""
    for number in range(1, 21):
        (server.root / "inbox" / f"orders_A_{number}.json").write_bytes(b"{}")
    first = SftpInbox(make_settings(), settle_seconds=0, instance_id="one")
    second = SftpInbox(make_settings(), settle_seconds=0, instance_id="two")

    # Both see the same listing; the second claims what the first left.
    first_names = {item.name for item in first.poll().ready}
    second_names = {item.name for item in second.poll().ready}

    assert first_names.isdisjoint(second_names)
    assert len(first_names | second_names) == 20
    first.close()
    second.close()


def test_claim_race_skips_taken_file(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A file another instance claimed after our listing is skipped, not failed."""
    (server.root / "inbox" / "orders_A_1.json").write_bytes(b"{}")
    (server.root / "inbox" / "orders_A_1.json.ready").write_bytes(b"")
    inbox = SftpInbox(make_settings(), settle_seconds=0, instance_id="one")
    inbox.poll()  # creates processing/one and claims the file
    other = SftpInbox(make_settings(), settle_seconds=0, instance_id="two")
    other.poll()  # creates processing/two
    (server.root / "inbox" / "orders_A_2.json").write_bytes(b"{}")

    # Both listed orders_A_2.json; each now tries to claim it.
    inbox.connection.run(
        lambda sftp: inbox._claim(sftp, "orders_A_2.json"), description="claim"
    )
    other.connection.run(
        lambda sftp: other._claim(sftp, "orders_A_2.json"), description="claim"
    )

    assert "orders_A_2.json" in inbox._claimed
    assert "orders_A_2.json" not in other._claimed
    inbox.close()
    other.close()


@pytest.mark.parametrize(
    ("accepted", "delete_done", "folder"),
    [(True, False, "done"), (False, False, "errors"), (True, True, None)],
)
def test_finish_moves_or_deletes(
    make_settings: Callable[..., SftpSettings],
    server: SshServer,
    accepted: bool,
    delete_done: bool,
    folder: str | None,
) -> None:
    """``finish`` moves to done/ or errors/, or deletes, and removes the marker."""
    (server.root / "inbox" / "orders_A_1.json").write_bytes(b"{}")
    (server.root / "inbox" / "orders_A_1.json.ready").write_bytes(b"")
    inbox = SftpInbox(make_settings(delete_done=delete_done), settle_seconds=0)
    [item] = inbox.poll().ready

    inbox.finish(item, accepted=accepted)

    remaining = sorted(
        str(path.relative_to(server.root))
        for path in server.root.rglob("*")
        if path.is_file()
    )
    expected = [] if folder is None else [f"inbox/{folder}/orders_A_1.json"]
    assert remaining == expected
    assert inbox.poll().ready == []
    inbox.close()


def test_finish_keeps_earlier_done_file(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A second file of the same name in done/ never replaces the first."""
    (server.root / "inbox" / "done").mkdir()
    (server.root / "inbox" / "done" / "orders_A_1.json").write_bytes(b"old")
    (server.root / "inbox" / "orders_A_1.json").write_bytes(b"new")
    (server.root / "inbox" / "orders_A_1.json.ready").write_bytes(b"")
    inbox = SftpInbox(make_settings(), settle_seconds=0)
    [item] = inbox.poll().ready

    inbox.finish(item, accepted=True)

    done = {p.name: p.read_bytes() for p in (server.root / "inbox" / "done").iterdir()}
    assert done.pop("orders_A_1.json") == b"old"
    assert list(done.values()) == [b"new"]
    inbox.close()


def test_resume_from_processing(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """Files this instance left in processing/ are offered again at start."""
    processing = server.root / "inbox" / "processing"
    (processing / "one").mkdir(parents=True)
    (processing / "two").mkdir()
    (processing / "one" / "orders_A_7.json").write_bytes(b"{}")
    (processing / "two" / "orders_A_8.json").write_bytes(b"{}")
    inbox = SftpInbox(make_settings(), settle_seconds=60, instance_id="one")

    result = inbox.poll()

    assert [item.location for item in result.ready] == [
        "inbox/processing/one/orders_A_7.json"
    ]
    assert inbox.read(result.ready[0]) == b"{}"
    inbox.close()


def test_non_utf8_name_claimed_encoded(
    make_settings: Callable[..., SftpSettings],
    server: SshServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A Windows-1251 file name is claimed with its bytes as %XX; other names stay."""
    odd_path = server.root / "inbox" / os.fsdecode("заказ.json".encode("cp1251"))
    odd_path.write_bytes(b"{}")
    (odd_path.parent / "orders_A_1.json.ready").write_bytes(b"")
    (odd_path.parent / "orders_A_1.json").write_bytes(b"{}")
    # Not an exchange file: only reported.
    note = odd_path.parent / os.fsdecode("заметка.txt".encode("cp1251"))
    note.write_bytes(b"")
    inbox = SftpInbox(make_settings(), settle_seconds=0)

    with caplog.at_level(logging.WARNING, logger="exchange.transport.sftp"):
        inbox.poll()
        result = inbox.poll()

    encoded = "%E7%E0%EA%E0%E7.json"
    assert sorted(item.name for item in result.ready) == [encoded, "orders_A_1.json"]
    claimed = next(item for item in result.ready if item.name == encoded)
    assert claimed.location == f"inbox/processing/{HOST}/{encoded}"
    assert inbox.read(claimed) == b"{}"
    assert not odd_path.exists()
    assert note.exists()
    warnings = [r for r in caplog.records if "not valid UTF-8" in r.getMessage()]
    assert len(warnings) == 1
    assert (
        "Skipped '\\xe7\\xe0\\xec\\xe5\\xf2\\xea\\xe0.txt'" in warnings[0].getMessage()
    )
    inbox.close()


def test_missing_inbox_raises(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A missing remote inbox is an error, never an empty inbox."""
    from exchange.errors import TransportError

    inbox = SftpInbox(make_settings(inbox="nowhere"), settle_seconds=0)

    with pytest.raises(TransportError, match="nowhere"):
        inbox.poll()
    inbox.close()


def test_claim_retry_after_lost_reply(
    make_settings: Callable[..., SftpSettings], server: SshServer
) -> None:
    """A claim retried after its rename already happened keeps the file."""
    inbox = SftpInbox(make_settings(), settle_seconds=0, instance_id="one")
    inbox.poll()  # creates processing/one
    # The first rename reached the server but its reply was lost.
    (server.root / "inbox" / "processing" / "one" / "orders_A_3.json").write_bytes(
        b"{}"
    )

    inbox.connection.run(
        lambda sftp: inbox._claim(sftp, "orders_A_3.json"), description="claim"
    )

    assert [item.name for item in inbox.poll().ready] == ["orders_A_3.json"]
    inbox.close()
