"""The inbound webhook URL, whose path carries a secret code.

``https://<portal>/rest/<user id>/<code>/`` lets anyone who has it act as
that user, so the code never appears in a log, a message or a ``repr``:
``masked`` shows ``https://<portal>/rest/<user id>/***/`` instead.
"""

from __future__ import annotations

import logging
import re
import urllib.parse

from exchange.errors import ConfigError

_PATH = re.compile(r"^(?P<prefix>.*/rest/(?P<user>[^/]+)/)(?P<code>[^/]+)/?$")

_EXPECTED_FORM = "https://<portal>/rest/<user id>/<code>/"


class WebhookUrl:
    """A parsed inbound webhook URL that hides its code when shown."""

    __slots__ = ("_base", "_code", "masked")

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url.strip())
        match = _PATH.match(parts.path)
        if parts.scheme not in ("http", "https") or not parts.netloc or not match:
            # The URL itself is not quoted: it may hold the secret.
            raise ConfigError(
                "The Bitrix24 webhook URL is invalid: expected the form "
                f"{_EXPECTED_FORM} as Bitrix24 shows it for an inbound webhook."
            )
        if parts.query or parts.fragment:
            raise ConfigError(
                "The Bitrix24 webhook URL must not have a query or fragment: "
                f"expected the form {_EXPECTED_FORM}."
            )
        origin = f"{parts.scheme}://{parts.netloc}"
        self._code = match["code"]
        self._base = f"{origin}{match['prefix']}{self._code}/"
        self.masked = f"{origin}{match['prefix']}***/"

    @property
    def host(self) -> str:
        """The portal's scheme and host, e.g. ``https://portal.bitrix24.ru``."""
        parts = urllib.parse.urlsplit(self._base)
        return f"{parts.scheme}://{parts.netloc}"

    def method_url(self, method: str) -> str:
        """Build the URL of a REST method, e.g. ``.../crm.deal.list.json``."""
        return f"{self._base}{method}.json"

    def scrub(self, text: str) -> str:
        """Replace every occurrence of the secret code in ``text`` with ``***``."""
        return text.replace(self._code, "***")

    def __repr__(self) -> str:
        return f"WebhookUrl({self.masked!r})"

    __str__ = __repr__


class ScrubSecretFilter(logging.Filter):
    """Rewrite log records of a third-party logger so the code never shows."""

    def __init__(self, webhook: WebhookUrl) -> None:
        super().__init__()
        self.webhook = webhook

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.webhook.scrub(message)
        if scrubbed != message:
            record.msg = scrubbed
            record.args = None
        return True


def silence_http_logging(webhook: WebhookUrl) -> None:
    """Keep httpx from logging request URLs, which contain the webhook's code.

    httpx logs every request URL at INFO on the ``httpx`` logger (checked
    with httpx 0.29), so that logger is raised to WARNING. The filter also scrubs the
    code from any line that still passes, e.g. when a test lowers the level
    again. httpcore logs hosts and ports but not paths.
    """
    http_logger = logging.getLogger("httpx")
    if http_logger.level < logging.WARNING:
        http_logger.setLevel(logging.WARNING)
    http_logger.addFilter(ScrubSecretFilter(webhook))


def remove_log_filter(webhook: WebhookUrl) -> None:
    """Remove the filters that ``silence_http_logging`` added for this webhook."""
    http_logger = logging.getLogger("httpx")
    for log_filter in list(http_logger.filters):
        if isinstance(log_filter, ScrubSecretFilter) and log_filter.webhook is webhook:
            http_logger.removeFilter(log_filter)
