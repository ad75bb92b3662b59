"""Atomic local writes."""

from __future__ import annotations

import errno
import os
import subprocess
from typing import TYPE_CHECKING

import pytest

from exchange.errors import TransportError
from exchange.transport import atomic
from exchange.transport.atomic import write_atomic

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def test_write_creates_file(tmp_path: Path) -> None:
    """A new file contains exactly the bytes written and no temporary file remains."""
    target = tmp_path / "receipt_1.json"

    write_atomic(target, b'{"a": 1}')

    assert target.read_bytes() == b'{"a": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["receipt_1.json"]


def test_same_bytes_is_noop(tmp_path: Path) -> None:
    """Writing the same bytes again leaves the file untouched."""
    target = tmp_path / "receipt_1.json"
    write_atomic(target, b"same")
    before = target.stat().st_mtime_ns

    write_atomic(target, b"same")

    assert target.read_bytes() == b"same"
    assert target.stat().st_mtime_ns == before


def test_different_bytes_raise(tmp_path: Path) -> None:
    """A different file under the same name is never overwritten."""
    target = tmp_path / "receipt_1.json"
    write_atomic(target, b"first")

    with pytest.raises(TransportError, match="different file"):
        write_atomic(target, b"second")

    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["receipt_1.json"]


def test_enospc_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk leaves neither the final name nor a temporary file."""
    real_write = os.write
    calls = []

    def write_then_fail(descriptor: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(descriptor, bytes(data)[:10])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write_then_fail)

    with pytest.raises(TransportError, match="No space left"):
        write_atomic(tmp_path / "big.json", b"x" * 1000)

    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def full_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on a 64 KiB tmpfs, or with ENOSPC injected where mount is denied."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        check=False,
        capture_output=True,
    )
    if mounted.returncode != 0:

        def no_space(descriptor: int, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "write", no_space)
        yield mount_point
        return
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_enospc_full_filesystem(full_folder: Path) -> None:
    """On a full file system the write fails cleanly and leaves nothing."""
    with pytest.raises(TransportError, match="No space left"):
        write_atomic(full_folder / "big.json", b"x" * 256 * 1024)

    assert list(full_folder.iterdir()) == []


def test_replace_retries_permission_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A target held open (PermissionError on rename) is retried, then written."""
    monkeypatch.setattr(atomic, "REPLACE_FIRST_DELAY", 0.001)
    real_replace = type(tmp_path).replace
    failures = [PermissionError(13, "in use"), PermissionError(13, "in use")]

    def flaky_replace(self: Path, target: Path) -> Path:
        if failures:
            raise failures.pop()
        return real_replace(self, target)

    monkeypatch.setattr(type(tmp_path), "replace", flaky_replace)

    write_atomic(tmp_path / "out.json", b"data")

    assert (tmp_path / "out.json").read_bytes() == b"data"
    assert failures == []


def test_replace_gives_up_and_cleans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rename that keeps failing is reported and the temporary file removed."""
    monkeypatch.setattr(atomic, "REPLACE_FIRST_DELAY", 0.001)

    def always_denied(self: Path, target: Path) -> Path:
        raise PermissionError(13, "in use")

    monkeypatch.setattr(type(tmp_path), "replace", always_denied)

    with pytest.raises(TransportError, match="after 5 attempts"):
        write_atomic(tmp_path / "out.json", b"data")

    assert list(tmp_path.iterdir()) == []
