"""Shared pytest configuration: fixtures live in ``tests/fixtures/``."""

pytest_plugins: list[str] = ["tests.fixtures.sshd", "tests.fixtures.emulator"]
