"""Tests of e-mail normalization."""

from __future__ import annotations

import pytest

from exchange.rules.emails import normalize_emails


def test_emails_trimmed_lowercased_deduplicated() -> None:
    """Addresses are trimmed and lower-cased, and repeats are dropped in order."""
    result = normalize_emails(
        [" Ivan@Example.RU ", "sales@example.ru", "ivan@example.ru"]
    )

    assert result.emails == ["ivan@example.ru", "sales@example.ru"]
    assert result.warnings == []


def test_emails_several_in_field() -> None:
    """A field with addresses separated by commas, semicolons or spaces yields each."""
    result = normalize_emails(["a@x.ru, b@x.ru; c@x.ru d@x.ru"])

    assert result.emails == ["a@x.ru", "b@x.ru", "c@x.ru", "d@x.ru"]


def test_emails_display_name_and_mailto() -> None:
    """An address in angle brackets or after ``mailto:`` is taken alone."""
    result = normalize_emails(["Иван Петров <Ivan@X.ru>", "MAILTO:Office@X.ru"])

    assert result.emails == ["ivan@x.ru", "office@x.ru"]
    assert result.warnings == []


@pytest.mark.parametrize("raw", ["ivan.example.ru", "@example.ru", "ivan@", "a@b@c"])
def test_emails_invalid_left_out(raw: str) -> None:
    """A value that is not ``local@domain`` is left out and named in a warning."""
    result = normalize_emails([raw, "ok@example.ru"])

    assert result.emails == ["ok@example.ru"]
    assert len(result.warnings) == 1
    assert repr(raw) in result.warnings[0]


def test_emails_blank_skipped() -> None:
    """Blank fields give no address and no warning."""
    result = normalize_emails(["", "  ", " ; "])

    assert result.emails == []
    assert result.warnings == []
