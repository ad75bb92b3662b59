"""Check the size and encoding of a file and parse its JSON text."""

from __future__ import annotations

from typing import Any, Final

from exchange import jsonio
from exchange.contract.problems import Problem, shorten

MIB: Final = 1024 * 1024
UTF8_BOM: Final = b"\xef\xbb\xbf"
SIZE_SETTING: Final = "[inbox] max_file_mib"
_WIDE_BOMS: Final = (
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
)
WRITE_UTF8: Final = (
    "1C must write the file in UTF-8: pass КодировкаТекста.UTF8 to "
    "ЗаписьJSON.ОткрытьФайл or ЗаписьТекста"
)


class DecodingError(Exception):
    """The file cannot be parsed into a JSON value; ``problem`` describes why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def size_problem(size: int, max_bytes: int) -> Problem | None:
    """Return a problem when a file of ``size`` bytes exceeds ``max_bytes``."""
    if size <= max_bytes:
        return None
    message = (
        f"file is {size} bytes ({size / MIB:.1f} MiB), larger than the limit of "
        f"{max_bytes} bytes ({max_bytes / MIB:.1f} MiB) set by {SIZE_SETTING}; "
        "send smaller packages or raise the setting"
    )
    return Problem("", "", message)


def parse_json(data: bytes) -> Any:
    """Strip one UTF-8 byte order mark and parse the JSON text.

    Raises ``DecodingError`` for another encoding, invalid UTF-8 or JSON
    syntax errors, with the position of the error.
    """
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            raise DecodingError(
                Problem("", "", f"file is encoded as {name}; {WRITE_UTF8}")
            )
    # A view skips the byte order mark without copying the file.
    text = memoryview(data)
    if data.startswith(UTF8_BOM):
        text = text[len(UTF8_BOM) :]
    try:
        return jsonio.loads(text)
    except jsonio.JSONDecodeError as error:
        raise DecodingError(_diagnose(bytes(text), error)) from None


def _diagnose(data: bytes, error: jsonio.JSONDecodeError) -> Problem:
    if b"\x00" in data[:64]:
        return Problem(
            "",
            "",
            "file contains NUL bytes, so it looks like UTF-16 or UTF-32 without a "
            f"byte order mark; {WRITE_UTF8}",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as decode_error:
        return _encoding_problem(data, decode_error)
    if not text.strip():
        return Problem(
            "", "", "file is empty; an exchange file must hold one JSON object"
        )
    line, column = _line_and_column(text, error.pos)
    snippet = shorten(text.split("\n")[line - 1].strip(), 60)
    if error.msg == _NUMBER_OVERFLOW:
        message = (
            f"file has a number too large to read at line {line}, column {column}; "
            f"every number of the exchange format is at most {MAX_EXACT_INTEGER}, "
            "so correct the value that 1C wrote there"
        )
    else:
        message = (
            f"file is not valid JSON: {error.msg} at line {line}, column {column}; "
            "check that the file was written completely with ЗаписатьJSON()"
        )
    return Problem("", snippet, message)


# orjson's message for a number beyond the range of a double, such as 1e999
# or an integer of 400 digits.
_NUMBER_OVERFLOW = "number is infinity when parsed as double"

MAX_EXACT_INTEGER = 2**53 - 1
"""The largest integer exact as a double, the form many JSON readers use."""


def _encoding_problem(data: bytes, error: UnicodeDecodeError) -> Problem:
    line = data.count(b"\n", 0, error.start) + 1
    if _looks_like_windows_1251(data):
        message = (
            "file is not valid UTF-8 but looks like Windows-1251 (Cyrillic) text "
            f"(first invalid byte at offset {error.start}, line {line}); {WRITE_UTF8}, "
            "not КодировкаТекста.ANSI"
        )
    else:
        message = (
            f"file is not valid UTF-8: byte 0x{data[error.start]:02x} at offset "
            f"{error.start} (line {line}) cannot be decoded; {WRITE_UTF8}"
        )
    return Problem("", "", message)


def _looks_like_windows_1251(data: bytes) -> bool:
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        return False
    non_ascii = [char for char in text if ord(char) > 127]
    if not non_ascii:
        return False
    cyrillic = sum(1 for char in non_ascii if "\u0400" <= char <= "\u04ff")
    return cyrillic / len(non_ascii) >= 0.8


def _line_and_column(text: str, position: int) -> tuple[int, int]:
    """Convert orjson's character position into a line and a column, from 1."""
    position = max(0, min(position, len(text)))
    line = text.count("\n", 0, position) + 1
    line_start = text.rfind("\n", 0, position) + 1
    return line, position - line_start + 1
