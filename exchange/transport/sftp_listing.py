"""An SFTP folder listing that survives file names that are not UTF-8."""

from __future__ import annotations

import errno
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING

import paramiko
from paramiko.sftp import CMD_CLOSE, CMD_HANDLE, CMD_NAME, CMD_OPENDIR, CMD_READDIR

if TYPE_CHECKING:
    from paramiko.message import Message


@dataclass(frozen=True)
class RemoteEntry:
    """One folder entry with its raw name as the server sent it."""

    raw_name: bytes
    attributes: paramiko.SFTPAttributes

    @property
    def name(self) -> str | None:
        """The name decoded as UTF-8, or ``None`` when it is not valid UTF-8."""
        try:
            return self.raw_name.decode("utf-8")
        except UnicodeDecodeError:
            return None

    @property
    def display_name(self) -> str:
        """The name for logs, with undecodable bytes shown as escapes."""
        return self.raw_name.decode("utf-8", errors="backslashreplace")

    @property
    def is_file(self) -> bool:
        """Whether the entry is a regular file."""
        mode = self.attributes.st_mode
        return mode is not None and stat.S_ISREG(mode)

    @property
    def is_folder(self) -> bool:
        """Whether the entry is a folder."""
        mode = self.attributes.st_mode
        return mode is not None and stat.S_ISDIR(mode)


class ByteNameSFTPClient(paramiko.SFTPClient):
    """``SFTPClient`` with a listing that keeps names as bytes.

    paramiko 5.1's ``listdir_attr`` decodes every name as UTF-8, so a single
    Windows-1251 name makes the whole listing fail. ``list_entries`` sends the
    same requests but reads names as bytes.
    """

    def list_entries(self, path: str) -> list[RemoteEntry]:
        """Return the entries of ``path`` without ``.`` and ``..``."""
        # _request and _adjust_cwd are paramiko's own request plumbing, which
        # listdir_attr uses too; paramiko has no public API for raw names.
        request = self._request  # type: ignore[attr-defined]
        kind, message = request(CMD_OPENDIR, self._adjust_cwd(path))  # type: ignore[attr-defined]
        if kind != CMD_HANDLE:
            raise paramiko.SFTPError("Expected handle")
        handle = message.get_binary()

        entries: list[RemoteEntry] = []
        try:
            while True:
                try:
                    kind, message = request(CMD_READDIR, handle)
                except EOFError:
                    break  # end of the folder
                if kind != CMD_NAME:
                    raise paramiko.SFTPError("Expected name response")
                entries.extend(_read_names(message))
        finally:
            request(CMD_CLOSE, handle)
        return entries


def _read_names(message: Message) -> list[RemoteEntry]:
    entries = []
    for _ in range(message.get_int()):
        raw_name = message.get_binary()
        message.get_binary()  # the "long name", an ls -l line this listing does not use
        attributes = paramiko.SFTPAttributes._from_msg(message)  # type: ignore[attr-defined]  # noqa: SLF001
        if raw_name not in (b".", b".."):
            entries.append(RemoteEntry(raw_name, attributes))
    return entries


def remote_exists(sftp: ByteNameSFTPClient, path: str | bytes) -> bool:
    """Tell whether ``path`` exists on the server; other errors propagate."""
    try:
        sftp.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return False
        raise
    return True
