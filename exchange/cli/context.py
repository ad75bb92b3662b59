"""State shared by the commands of one invocation."""

from __future__ import annotations

from dataclasses import dataclass, field

from exchange.config import Settings, load_settings
from exchange.logs import register_secret


@dataclass
class AppContext:
    """What the ``exchange`` group passes to its commands."""

    config_path: str | None
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """Load the settings once; raise ``ConfigError`` when they are invalid."""
        if self._settings is None:
            self._settings = load_settings(self.config_path)
            _register_secrets(self._settings)
        return self._settings


def _register_secrets(settings: Settings) -> None:
    for secret in (
        settings.bitrix24.webhook_url,
        settings.sftp.password,
        settings.sftp.key_passphrase,
        settings.events.application_token,
    ):
        register_secret(secret.get_secret_value())
