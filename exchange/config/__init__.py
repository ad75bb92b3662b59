"""Configuration: one TOML file, a secrets file and the environment."""

from exchange.config.loader import load_settings
from exchange.config.settings import Settings

__all__ = ["Settings", "load_settings"]
