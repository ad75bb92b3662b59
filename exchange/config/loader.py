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
from exchange.logs import mask_secrets

log = logging.getLogger(__name__)

DEFAULT_CONFIG_NAME = "exchange.toml"
ENV_PREFIX = "EXCHANGE_"
SECRETS_FILE_VARIABLE = "EXCHANGE_SECRETS_FILE"
# Longer rejected values are cut in messages so one line stays readable.
MAX_QUOTED_VALUE = 80
# Settings whose values never appear in a message, even when invalid.
SECRET_SETTINGS = frozenset(
    {"webhook_url", "password", "key_passphrase", "application_token"}
)


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
    default = default_config_path()
    return default if default.is_file() else None


def default_config_path() -> Path:
    """Return where a configuration file is looked for without --config."""
    return Path.cwd() / DEFAULT_CONFIG_NAME


def load_settings(config_path: str | Path | None = None) -> Settings:
    """Load and check the effective settings; raise ``ConfigError`` if invalid."""
    path = find_config(config_path)
    if path is None:
        log.warning(
            "no configuration file at %s and no --config or EXCHANGE_CONFIG; "
            "using the defaults and the EXCHANGE_* environment variables",
            default_config_path(),
        )
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
                f"secrets file {secrets_path.absolute()} named by "
                f"{SECRETS_FILE_VARIABLE} not found; create it (readable by the "
                f"service user only) or correct {SECRETS_FILE_VARIABLE}"
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
        value = _quoted_value(error, location)
        if error["type"] == "extra_forbidden":
            shown = f" (value {value})" if value else ""
            lines.append(
                f"  {setting}: unknown setting{shown}; fix its spelling "
                "(`exchange config init` writes every setting) or remove it"
            )
            continue
        message = error["msg"].removeprefix("Value error, ")
        if value:
            message = f"{message}; got {value}"
        # A value can come from the file, the secrets file or the environment,
        # and pydantic does not say which, so the message names every place.
        lines.append(
            f"  {setting}: {message} (set in the configuration file or in {variable})"
        )
    return "\n".join(lines)


def _quoted_value(error: Any, location: list[str]) -> str:
    """Return the rejected value quoted, or "" for a secret or a quoted one."""
    if "input" not in error or isinstance(error["input"], dict):
        return ""
    if location and location[-1] in SECRET_SETTINGS:
        return ""
    text = repr(error["input"])
    if len(text) > MAX_QUOTED_VALUE:
        text = text[: MAX_QUOTED_VALUE - 3] + "..."
    if text in error["msg"]:
        return ""
    return mask_secrets(text)


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
