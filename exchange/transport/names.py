"""Inbox name rules: exchange files, markers, temporary names, processing order."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Container

    from exchange.transport.source import IncomingFile

PACKAGE_SUFFIX = ".json"
READY_SUFFIX = ".ready"
TEMPORARY_SUFFIX = ".tmp"

# Suggested 1C names: orders_<sender>_<number>.json, counterparties_<...>.json.
_SUGGESTED_NAME = re.compile(
    r"^(?P<kind>[A-Za-z]+)_(?P<sender>.+)_(?P<number>\d+)\.json$", re.IGNORECASE
)


def is_package_name(name: str) -> bool:
    """Return whether ``name`` is an exchange file: ``*.json``, not hidden."""
    return not name.startswith(".") and name.lower().endswith(PACKAGE_SUFFIX)


def ignored_names(names: Collection[str], claimed: Container[str] = ()) -> list[str]:
    """Return the inbox names that look meant for the service but are left alone.

    These are ``*.json`` files whose name starts with a dot, which marks a
    temporary name, and ``.ready`` markers without their file. Markers of
    ``claimed`` files are not listed: an SFTP inbox moves a claimed file
    away and removes its marker only when the file is finished.
    """
    present = {name.lower() for name in names}
    ignored = []
    for name in names:
        lowered = name.lower()
        if name.startswith("."):
            if lowered.endswith(PACKAGE_SUFFIX):
                ignored.append(name)
        elif lowered.endswith(READY_SUFFIX):
            package = name[: -len(READY_SUFFIX)]
            if package.lower() not in present and package not in claimed:
                ignored.append(name)
    return sorted(ignored)


def ready_marker_name(name: str) -> str:
    """Return the name of the marker that declares ``name`` complete."""
    return name + READY_SUFFIX


def temporary_name(name: str) -> str:
    """Return a hidden temporary name for writing ``name`` that readers ignore."""
    return f".{name}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}"


def check_target_name(name: str) -> None:
    """Raise ``ValueError`` unless ``name`` is a plain file name to write."""
    if not name or name in {".", ".."} or "/" in name or "\\" in name:
        raise ValueError(f"invalid file name for the outbox: {name!r}")
    if "\x00" in name or name.startswith("."):
        raise ValueError(f"invalid file name for the outbox: {name!r}")


def processing_order(item: IncomingFile) -> tuple[int, str, int, float, str]:
    """Return a sort key: by sender and number for suggested names, else by mtime.

    Names such as ``orders_TMS_42.json`` sort by sender, then number; other
    names follow them, by modification time, then name.
    """
    match = _SUGGESTED_NAME.match(item.name)
    if match is None:
        return (1, "", 0, item.mtime, item.name)
    sender = match.group("sender")
    number = int(match.group("number"))
    return (0, sender, number, item.mtime, item.name)
