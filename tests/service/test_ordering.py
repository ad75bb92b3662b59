"""Ready files are applied per sender in the order of their message numbers."""

from __future__ import annotations

from pathlib import Path

from exchange.service.ordering import application_order
from exchange.transport import IncomingFile


def incoming(folder: Path, name: str, text: str, mtime: float) -> IncomingFile:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return IncomingFile(name=name, size=len(text), mtime=mtime, location=str(path))


def envelope(sender: str, number: int) -> str:
    return (
        '{\r\n"format": "tms-b24-exchange",\r\n"version": 1,\r\n"kind": "orders",\r\n'
        f'"sender": "{sender}",\r\n"number": {number},\r\n'
        '"orders": [{"number": "ТЛ00-000001"}]}'
    )


def test_envelope_number_beats_name_and_time(tmp_path: Path) -> None:
    """Files named freely are sorted by the envelope's number, not by mtime."""
    late = incoming(tmp_path, "a.json", envelope("TMS", 12), mtime=1.0)
    early = incoming(tmp_path, "b.json", envelope("TMS", 3), mtime=2.0)
    middle = incoming(tmp_path, "c.json", envelope("TMS", 10), mtime=3.0)
    ordered = application_order([late, early, middle])
    assert [item.name for item in ordered] == ["b.json", "c.json", "a.json"]


def test_order_number_strings_ignored(tmp_path: Path) -> None:
    """An order's string "number" is not mistaken for the envelope's."""
    text = '{"orders": [{"number": "7"}], "sender": "TMS", "number": 2}'
    second = incoming(tmp_path, "x.json", text, mtime=1.0)
    first = incoming(tmp_path, "y.json", envelope("TMS", 1), mtime=2.0)
    assert [i.name for i in application_order([second, first])] == ["y.json", "x.json"]


def test_unreadable_envelopes_go_last(tmp_path: Path) -> None:
    """Files without a readable envelope follow, in the source's order."""
    broken = incoming(tmp_path, "broken.json", "{not json", mtime=1.0)
    valid = incoming(tmp_path, "z.json", envelope("TMS", 5), mtime=9.0)
    assert [i.name for i in application_order([broken, valid])] == [
        "z.json",
        "broken.json",
    ]
