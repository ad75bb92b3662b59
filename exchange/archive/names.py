"""File names from outside made safe for the archive, the journal and terminals.

A name that 1C or an SFTP server hands over can contain anything: folders,
``..``, control characters, or bytes that are not UTF-8 (decoded by Python as
surrogate escapes). Only the base name is kept, and characters that could
break a terminal, SQLite's UTF-8 text or a Windows share are percent-encoded
as ``%XX`` per UTF-8 byte (``%0A`` for a line feed).
"""

from __future__ import annotations

import re
import unicodedata

# Characters that Windows and SMB shares reject in file names.
_WINDOWS_RESERVED = frozenset('<>:"|?*')

# Maximum stem length in UTF-8 bytes. The hash, suffix and reply name appended
# to it must still fit the 255-byte name limit of ext4, XFS and NTFS.
MAX_STEM_BYTES = 120

_SEPARATORS = re.compile(r"[/\\]")


def escape_control(text: str) -> str:
    """Percent-encode control characters and surrogates, keeping the rest.

    Used for names shown to people and stored in the journal.
    """
    return "".join(_escape_char(char) if _is_unsafe(char) else char for char in text)


def utf8_name(name: str) -> str:
    """Return ``name`` with each surrogate escape percent-encoded as ``%XX``.

    Python decodes a file name that is not UTF-8 with surrogate escapes,
    which neither JSON nor SQLite text can carry. The rest of the name is
    kept as it is.
    """
    if name.isascii():
        return name
    return "".join(
        _escape_char(char) if unicodedata.category(char) == "Cs" else char
        for char in name
    )


def base_name(name: str) -> str:
    """Return the last component of ``name``, splitting on ``/`` and ``\\``."""
    return _SEPARATORS.split(name)[-1]


def archive_name(name: str, sha256: str) -> str:
    """Build the archived file name ``<stem>.<sha256[:16]><suffix>``.

    Only the base name of ``name`` is used, so ``../../x.json`` becomes
    ``x.<hash>.json``. An empty name, ``.`` or ``..`` becomes ``unnamed``.
    A leading dot is escaped as ``%2E``, so no archived file is hidden.
    """
    stem, suffix = split_suffix(safe_base_name(name))
    return f"{stem}.{sha256[:16]}{suffix}"


def safe_base_name(name: str) -> str:
    """Return the base name with unsafe characters escaped and length capped."""
    escaped = "".join(
        _escape_char(char) if _is_unsafe(char) or char in _WINDOWS_RESERVED else char
        for char in base_name(name)
    )
    if escaped.strip(". ") == "":
        escaped = "unnamed"
    elif escaped.startswith("."):
        # No hidden files, and none that looks like a write's temporary name.
        escaped = "%2E" + escaped[1:]
    stem, suffix = split_suffix(escaped)
    if len(suffix) > 16:
        stem, suffix = escaped, ""
    return _truncate_utf8(stem, MAX_STEM_BYTES) + suffix


def split_suffix(name: str) -> tuple[str, str]:
    """Split ``name`` into stem and last suffix (``x.json`` → ``x``, ``.json``)."""
    dot = name.rfind(".")
    if dot <= 0:
        return name, ""
    return name[:dot], name[dot:]


def _is_unsafe(char: str) -> bool:
    return unicodedata.category(char) in {"Cc", "Cs"}


def _escape_char(char: str) -> str:
    try:
        # A surrogate escape stands for one byte of a non-UTF-8 name.
        encoded = char.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        encoded = char.encode("utf-8", "surrogatepass")
    return "".join(f"%{byte:02X}" for byte in encoded)


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", "ignore")
