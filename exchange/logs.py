"""Logging set-up for the command line: text or JSON lines, secrets masked.

Only the command line configures handlers; library modules just log. Every
record passes a filter that masks webhook secrets and escapes control
characters, because file names and portal responses come from outside.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from exchange import jsonio

# /rest/<user>/<code>/ : the code is the inbound webhook's secret.
_WEBHOOK_SECRET = re.compile(r"(/rest/\d+/)[^/\s\"']+")
# Surrogates too: Python decodes each byte of a file name that is not UTF-8
# as one (U+DC80 to U+DCFF), which a log written as UTF-8 cannot hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
# All C0 controls, DEL and the C1 controls (a terminal reads U+009B as CSI).
_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_extra_secrets: set[str] = set()


def register_secret(value: str) -> None:
    """Mask ``value`` wherever it would appear in a log message."""
    if len(value) >= 4:
        _extra_secrets.add(value)


def mask_secrets(text: str) -> str:
    """Replace webhook codes and registered secrets with ``***``."""
    text = _WEBHOOK_SECRET.sub(r"\1***", text)
    for secret in _extra_secrets:
        text = text.replace(secret, "***")
    return text


def escape_control(text: str) -> str:
    """Escape control characters except line feed and tab as ``\\xNN``.

    The bytes of a name that is not UTF-8 (surrogate escapes) become
    ``\\xNN`` too.
    """
    return _CONTROL.sub(_hex, text)


def escape_line(text: str) -> str:
    """Escape every control character, line feed and tab included, as ``\\xNN``.

    The result is one line that cannot move the cursor or colour a terminal.
    """
    return _CONTROL_ANY.sub(_hex, text)


def _hex(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        # The byte that the surrogate escape stands for.
        return f"\\x{code - 0xDC00:02x}"
    if code > 0xFF:
        return f"\\u{code:04x}"
    return f"\\x{code:02x}"


class SafeFilter(logging.Filter):
    """Render the message once, masked and escaped, so no handler receives a secret.

    The message becomes one line: every control character in it, line feeds
    included, is written as ``\\xNN``, so a file name such as
    ``"evil\\nname.json"`` cannot split a record or fake the next one. Escaping
    the rendered message covers every log call, whatever argument carries the
    name. A traceback keeps its line feeds; its other control characters are
    escaped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = escape_line(mask_secrets(message))
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = escape_control(
                mask_secrets(logging.Formatter().formatException(record.exc_info))
            )
            record.exc_info = None
        return True


DRY_RUN_PREFIX = "dry run: "


class DryRunFilter(logging.Filter):
    """Prefix every message with ``dry run: `` and set ``record.dry_run``.

    A dry run logs the same steps as a real run (written, archived, applied)
    on scratch copies, so without the marker its lines in the journal would
    read like real work.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        # A record passes every handler, so mark it once.
        if not getattr(record, "dry_run", False):
            record.msg = DRY_RUN_PREFIX + record.getMessage()
            record.args = None
            record.dry_run = True
        return True


@contextmanager
def dry_run_logging() -> Iterator[None]:
    """Mark every record that reaches the root logger's handlers as a dry run."""
    # NOTE: the filter marks the records of every thread while it is on. That
    # is right for the dry-run commands, which run alone, but a dry run inside
    # the daemon would mark the daemon's own records too.
    marker = DryRunFilter()
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(marker)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(marker)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, dry_run if set."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        if getattr(record, "dry_run", False):
            entry["dry_run"] = True
        return jsonio.dumps_text(entry)


def configure_logging(level: str = "info", fmt: str = "text") -> None:
    """Send log records to standard error in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(SafeFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO, and the URL contains the webhook secret.
    for name in ("httpx", "httpcore", "paramiko", "watchdog"):
        logging.getLogger(name).setLevel(logging.WARNING)
