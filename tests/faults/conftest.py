"""The fault tests use the daemon tests' work folder and daemon fixtures."""

from tests.daemon.conftest import daemon_factory, workspace

__all__ = ["daemon_factory", "workspace"]
