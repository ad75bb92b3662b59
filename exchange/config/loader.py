"""Loading the settings: defaults < configuration file < secrets file < environment.

The configuration file is TOML (``exchange.toml``, or the path given by
``--config`` or ``EXCHANGE_CONFIG``). Secrets come from the environment or
from a TOML file named by ``EXCHANGE_SECRETS_FILE`` with the same sections.
Every setting can be overridden by an environment variable named
``EXCHANGE_<SECTION>__<KEY>``; an empty variable counts as unset, so it never
hides a value from the files. Relative paths are taken from the folder of the
configuration file.
"""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from exchange.config.settings import Settings
from exchange.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_CONFIG_NAME = "exchange.toml"
ENV_PREFIX = "EXCHANGE_"
SECRETS_FILE_VARIABLE = "EXCHANGE_SECRETS_FILE"


class _EnvironmentSettings(Settings, BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_ignore_empty=True,
        case_sensitive=False,
        extra="forbid",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win: the environment over the merged files.
        del settings_cls, dotenv_settings, file_secret_settings
        return (env_settings, init_settings)


def find_config(explicit: str | Path | None) -> Path | None:
    """Return the configuration file to read, or None to run on defaults."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"configuration file {path} not found; create one with "
                "`exchange config init` or fix --config / EXCHANGE_CONFIG"
            )
        return path.resolve()
    default = Path.cwd() / DEFAULT_CONFIG_NAME
    return default if default.is_file() else None


def load_settings(config_path: str | Path | None = None) -> Settings:
    """Load and check the effective settings; raise ``ConfigError`` if invalid."""
    path = find_config(config_path)
    data = _read_toml(path) if path else {}
    if _nested(data, "bitrix24", "webhook_url"):
        log.warning(
            "the Bitrix24 webhook URL is written in %s; it is a secret: move it "
            "to EXCHANGE_BITRIX24__WEBHOOK_URL or the secrets file",
            path,
        )
    secrets_name = os.environ.get(SECRETS_FILE_VARIABLE, "").strip()
    if secrets_name:
        secrets_path = Path(secrets_name).expanduser()
        if not secrets_path.is_file():
            raise ConfigError(
                f"secrets file {secrets_path} named by {SECRETS_FILE_VARIABLE} "
                "not found"
            )
        _warn_if_readable_by_others(secrets_path)
        data = _deep_merge(data, _read_toml(secrets_path))
    try:
        loaded = _EnvironmentSettings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None
    settings = Settings.model_validate(loaded.model_dump())
    base = path.parent if path else Path.cwd()
    return _resolve_paths(settings, base)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        elif value not in ("", None):
            merged[key] = value
    return merged


def _nested(data: dict[str, Any], *keys: str) -> Any:
    value: Any = data
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _warn_if_readable_by_others(path: Path) -> None:
    if os.name != "posix":
        return
    mode = path.stat().st_mode
    if mode & 0o077:
        log.warning(
            "secrets file %s can be read by other users (mode %o); run chmod 600 on it",
            path,
            mode & 0o777,
        )


def _describe(exc: ValidationError, path: Path | None) -> str:
    where = str(path) if path else "the defaults"
    lines = [f"invalid configuration (from {where} and the environment):"]
    for error in exc.errors():
        location = [str(part) for part in error["loc"]]
        if len(location) > 1:
            setting = f"[{'.'.join(location[:-1])}] {location[-1]}"
        else:
            setting = location[0] if location else "(top level)"
        variable = ENV_PREFIX + "__".join(location).upper()
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown setting; check its spelling in `exchange config init`"
        lines.append(f"  {setting}: {message} (environment: {variable})")
    return "\n".join(lines)


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    def resolve(value: Path) -> Path:
        value = value.expanduser()
        return value if value.is_absolute() else (base / value).resolve()

    paths = settings.paths.model_copy(
        update={
            name: resolve(getattr(settings.paths, name))
            for name in type(settings.paths).model_fields
        }
    )
    sftp = settings.sftp.model_copy(
        update={
            "key_path": resolve(settings.sftp.key_path)
            if settings.sftp.key_path
            else None,
            "known_hosts": resolve(settings.sftp.known_hosts)
            if settings.sftp.known_hosts
            else None,
        }
    )
    return settings.model_copy(update={"paths": paths, "sftp": sftp})
