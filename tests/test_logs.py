"""Log set-up: secrets masked, control characters escaped, JSON lines."""

from __future__ import annotations

import json
import logging
import os
import sys

from exchange.logs import (
    JsonFormatter,
    SafeFilter,
    escape_control,
    mask_secrets,
    register_secret,
)


def render(
    message: str, *args: object, formatter: logging.Formatter | None = None
) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)
    assert SafeFilter().filter(record)
    return (formatter or logging.Formatter("%(message)s")).format(record)


def test_webhook_code_masked() -> None:
    """The secret code of a webhook path never reaches a log line."""
    line = render(
        "calling %s", "https://p.bitrix24.ru/rest/17/k3y9secret/crm.deal.list"
    )
    assert "k3y9secret" not in line
    assert "/rest/17/***/crm.deal.list" in line


def test_registered_secret_masked() -> None:
    """A registered secret (an SFTP password) is replaced wherever it appears."""
    register_secret("Pa55-word-x")
    assert mask_secrets("login with Pa55-word-x failed") == "login with *** failed"


def test_control_characters_escaped() -> None:
    """A file name with control characters is escaped, so it cannot fake log lines."""
    line = render("took %s", "orders\r\x1b[31m.json")
    assert "\r" not in line
    assert "\x1b" not in line
    assert "orders\\x0d\\x1b[31m.json" in line


def test_non_utf8_name_bytes_escaped() -> None:
    """The bytes of a name that is not UTF-8 are written as \\xNN, encodable."""
    name = os.fsdecode(b"bad\xff\xfe.json")
    line = render("took %s", name)
    assert "bad\\xff\\xfe.json" in line
    assert line.encode("utf-8").decode("utf-8") == line


def test_escape_keeps_line_feed_and_tab() -> None:
    """Line feeds of multi-line messages and tabs stay; a NUL does not."""
    assert escape_control("a\nb\tc\x00") == "a\nb\tc\\x00"


def test_json_lines() -> None:
    """JSON format gives one object per line with level, logger and message."""
    line = render(
        "applied %s: %d updated", "orders_TMS_1.json", 3, formatter=JsonFormatter()
    )
    entry = json.loads(line)
    assert entry["level"] == "info"
    assert entry["logger"] == "t"
    assert entry["message"] == "applied orders_TMS_1.json: 3 updated"
    assert "\n" not in line


def fail_with_url() -> None:
    raise RuntimeError("POST https://p.example/rest/1/zzzsecret/batch failed")


def test_exception_text_masked() -> None:
    """A traceback that carries the webhook URL is masked too."""
    try:
        fail_with_url()
    except RuntimeError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "boom", None, sys.exc_info()
        )
    assert SafeFilter().filter(record)
    assert record.exc_text is not None
    assert "zzzsecret" not in record.exc_text
