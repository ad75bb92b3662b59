"""Durable state of the service in one SQLite file."""
