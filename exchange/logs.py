"""Logging set-up for the command line: text or JSON lines, secrets masked.

Only the command line configures handlers; library modules just log. Every
record passes a filter that masks webhook secrets and escapes control
characters, because file names and portal responses come from outside.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime

from exchange import jsonio

# /rest/<user>/<code>/ : the code is the inbound webhook's secret.
_WEBHOOK_SECRET = re.compile(r"(/rest/\d+/)[^/\s\"']+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
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
    """Escape control characters (except line feed) as ``\\xNN``."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


class SafeFilter(logging.Filter):
    """Render the message once, masked and escaped, so no handler receives a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = escape_control(mask_secrets(message))
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask_secrets(
                logging.Formatter().formatException(record.exc_info)
            )
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
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
