"""Counts of things in messages for people: ``1 file``, ``2 files``."""

from __future__ import annotations


def format_count(count: int, singular: str, plural: str | None = None) -> str:
    """Return ``count`` and a noun: ``singular`` for a count of 1, else ``plural``.

    ``plural`` defaults to ``singular`` with ``s`` appended, so nouns such as
    ``entry`` and ``mismatch`` pass their plural.
    """
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count} {noun}"
