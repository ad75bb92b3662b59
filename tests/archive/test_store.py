"""Archive folders: layout, names, unchanged bytes and no overwrite."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.archive import Archive
from exchange.archive.names import archive_name, escape_control
from exchange.errors import ArchiveError
from tests.archive.conftest import FixedClock, Roots, package_bytes

RECEIVED = datetime(2026, 3, 14, 9, 0, 0, tzinfo=UTC)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_applied_file_layout(archive: Archive, roots: Roots) -> None:
    """An applied file lands in archive/YYYY/MM/DD with its hash in the name."""
    data = package_bytes(1)
    path = archive.store_incoming(
        "orders_TMS_1.json", data, sha(data), outcome="applied", received_at=RECEIVED
    )
    expected = roots.archive / "2026/03/14" / f"orders_TMS_1.{sha(data)[:16]}.json"
    assert path == expected
    assert path.read_bytes() == data


def test_duplicate_goes_to_archive(archive: Archive, roots: Roots) -> None:
    """A duplicate is archived like an applied file, not in the error folder."""
    data = package_bytes(2)
    path = archive.store_incoming(
        "orders_TMS_2.json", data, sha(data), outcome="duplicate", received_at=RECEIVED
    )
    assert path.is_relative_to(roots.archive)
    assert not roots.errors.exists()


def test_rejected_goes_to_errors(archive: Archive, roots: Roots) -> None:
    """A rejected file lands in errors/YYYY/MM/DD, byte for byte."""
    data = b"\xef\xbb\xbf{not json"
    path = archive.store_incoming(
        "broken.json", data, sha(data), outcome="rejected", received_at=RECEIVED
    )
    assert path.parent == roots.errors / "2026/03/14"
    assert path.read_bytes() == data
    assert archive.relative(path) == f"2026/03/14/broken.{sha(data)[:16]}.json"


def test_day_folder_uses_utc(roots: Roots) -> None:
    """The day folder is the UTC date even when the clock has another zone."""
    from zoneinfo import ZoneInfo

    moscow = datetime(2026, 3, 15, 1, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    archive = Archive(roots.archive, roots.errors, clock=lambda: moscow)
    data = b"{}"
    path = archive.store_incoming(
        "x.json", data, sha(data), outcome="applied", received_at=RECEIVED
    )
    assert path.parent == roots.archive / "2026/03/14"


def test_modification_time_is_receipt(archive: Archive) -> None:
    """The archived file's modification time is the time it was received."""
    data = b"{}"
    path = archive.store_incoming(
        "x.json", data, sha(data), outcome="applied", received_at=RECEIVED
    )
    assert path.stat().st_mtime == RECEIVED.timestamp()


def test_same_bytes_stored_twice(archive: Archive) -> None:
    """Storing the same name and bytes again returns the existing file."""
    data = package_bytes(3)
    first = archive.store_incoming(
        "orders_TMS_3.json", data, sha(data), outcome="applied", received_at=RECEIVED
    )
    second = archive.store_incoming(
        "orders_TMS_3.json", data, sha(data), outcome="duplicate", received_at=RECEIVED
    )
    assert second == first
    assert first.read_bytes() == data
    assert [p.name for p in first.parent.iterdir()] == [first.name]


def test_same_name_other_bytes_kept_apart(archive: Archive) -> None:
    """Two files with one name and other bytes are both kept."""
    one, two = package_bytes(4), package_bytes(5)
    first = archive.store_incoming(
        "orders.json", one, sha(one), outcome="applied", received_at=RECEIVED
    )
    second = archive.store_incoming(
        "orders.json", two, sha(two), outcome="applied", received_at=RECEIVED
    )
    assert first != second
    assert first.read_bytes() == one
    assert second.read_bytes() == two


def test_never_overwrites_other_bytes(archive: Archive, roots: Roots) -> None:
    """A stored name holding other bytes raises and keeps the stored bytes."""
    data = package_bytes(6)
    target = roots.archive / "2026/03/14" / f"orders_TMS_6.{sha(data)[:16]}.json"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"planted")
    with pytest.raises(ArchiveError, match="never overwritten"):
        archive.store_incoming(
            "orders_TMS_6.json",
            data,
            sha(data),
            outcome="applied",
            received_at=RECEIVED,
        )
    assert target.read_bytes() == b"planted"
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


def test_wrong_sha256_raises(archive: Archive) -> None:
    """A hash that does not match the data is a programming error."""
    with pytest.raises(ValueError, match="does not match"):
        archive.store_incoming(
            "x.json", b"{}", "0" * 64, outcome="applied", received_at=RECEIVED
        )


def test_reply_stored_beside(archive: Archive) -> None:
    """A receipt is stored next to its file as <archived name>.reply.<name>."""
    data = package_bytes(7)
    path = archive.store_incoming(
        "orders_TMS_7.json", data, sha(data), outcome="applied", received_at=RECEIVED
    )
    receipt = b'{"kind":"orders_receipt"}'
    reply = archive.store_reply(path, "orders_receipt_B24_12.json", receipt)
    assert reply.parent == path.parent
    assert reply.name == f"{path.name}.reply.orders_receipt_B24_12.json"
    assert reply.read_bytes() == receipt


def test_rejection_stored_beside_in_errors(archive: Archive, roots: Roots) -> None:
    """A rejection is stored next to the rejected file in the error folder."""
    data = b"[]"
    path = archive.store_incoming(
        "bad.json", data, sha(data), outcome="rejected", received_at=RECEIVED
    )
    reply = archive.store_reply(path, "rejection_B24_3.json", b"{}")
    assert reply.parent == roots.errors / "2026/03/14"


def test_reply_outside_archive_raises(archive: Archive, tmp_path: Path) -> None:
    """A reply for a file outside both roots is refused."""
    with pytest.raises(ValueError, match="outside"):
        archive.store_reply(tmp_path / "elsewhere.json", "r.json", b"{}")


def test_outgoing_layout(archive: Archive, roots: Roots) -> None:
    """An outgoing file lands in archive/outgoing/YYYY/MM/DD unchanged."""
    data = b'{"kind":"counterparties","count":0}'
    path = archive.store_outgoing("counterparties_B24_9.json", data, sha(data))
    assert path == (
        roots.archive
        / "outgoing/2026/03/14"
        / f"counterparties_B24_9.{sha(data)[:16]}.json"
    )
    assert path.read_bytes() == data


def test_day_changes_with_clock(archive: Archive, clock: FixedClock) -> None:
    """Files processed on the next UTC day go to the next day folder."""
    clock.advance(days=1)
    data = b"{}"
    path = archive.store_incoming(
        "x.json", data, sha(data), outcome="applied", received_at=RECEIVED
    )
    assert path.parent.name == "15"


def test_control_characters_escaped(archive: Archive) -> None:
    """Control characters in a received name are percent-encoded."""
    data = b"{}"
    path = archive.store_incoming(
        "ord\ners\x07\x1b[2J.json",
        data,
        sha(data),
        outcome="applied",
        received_at=RECEIVED,
    )
    assert path.name == f"ord%0Aers%07%1B[2J.{sha(data)[:16]}.json"


def test_path_traversal_stays_inside(archive: Archive, roots: Roots) -> None:
    """A name with ../ keeps only its base name inside the day folder."""
    data = b"{}"
    for name in ("../../x.json", "..\\..\\x.json", "/etc/x.json"):
        path = archive.store_incoming(
            name, data, sha(data), outcome="applied", received_at=RECEIVED
        )
        assert path == roots.archive / "2026/03/14" / f"x.{sha(data)[:16]}.json"
    escaped = archive.store_reply(path, "../../../../reply.json", b"{}")
    assert escaped.parent == path.parent


def test_dot_names_become_unnamed() -> None:
    """Empty, '.' and '..' names get a placeholder, leading dots are escaped."""
    digest = "a" * 64
    assert archive_name("..", digest) == f"unnamed.{'a' * 16}"
    assert archive_name("dir/", digest) == f"unnamed.{'a' * 16}"
    assert archive_name(".hidden.json", digest) == f"%2Ehidden.{'a' * 16}.json"


def test_non_utf8_name_escaped() -> None:
    """A name byte that is not UTF-8 (a surrogate escape) is percent-encoded."""
    name = b"\xcf\xf0\xe8.json".decode("utf-8", "surrogateescape")
    assert escape_control(name) == "%CF%F0%E8.json"
    assert archive_name(name, "b" * 64) == f"%CF%F0%E8.{'b' * 16}.json"


def test_long_name_truncated() -> None:
    """A very long name is cut so the archived name fits in 255 bytes."""
    name = "з" * 300 + ".json"
    result = archive_name(name, "c" * 64)
    assert len(result.encode()) <= 255
    assert result.endswith(f".{'c' * 16}.json")


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=0, max_size=80))
def test_any_name_stays_in_folder(name: str) -> None:
    """Whatever the name, the archived name is one safe component."""
    result = archive_name(name, "d" * 64)
    assert "/" not in result
    assert "\\" not in result
    assert result not in {".", ".."}
    assert not result.startswith(".")
    assert all(ord(char) >= 0x20 and ord(char) != 0x7F for char in result)
    result.encode("utf-8")


def test_no_temporary_files_left(archive: Archive) -> None:
    """A finished write leaves only the final file in the folder."""
    data = b"{}"
    path = archive.store_incoming(
        "x.json", data, sha(data), outcome="applied", received_at=RECEIVED
    )
    assert [child.name for child in path.parent.iterdir()] == [path.name]


def test_reply_linked_to_outgoing_copy(archive: Archive) -> None:
    """A reply already stored as outgoing is archived as a hard link, not a copy."""
    data = b'{"kind":"orders_receipt"}'
    digest = hashlib.sha256(data).hexdigest()
    outgoing = archive.store_outgoing("orders_receipt_B24_1.json", data, digest)
    incoming = archive.store_incoming(
        "orders_TMS_1.json",
        b"{}",
        hashlib.sha256(b"{}").hexdigest(),
        outcome="applied",
        received_at=datetime(2026, 3, 14, tzinfo=UTC),
    )

    reply = archive.store_reply(incoming, "orders_receipt_B24_1.json", data)

    assert reply.read_bytes() == data
    assert reply.stat().st_ino == outgoing.stat().st_ino
