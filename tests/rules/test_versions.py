"""Tests of which version of an order wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.rules.versions import VersionKey, is_newer

MSK = timezone(timedelta(hours=3))
EARLY = datetime(2026, 11, 3, 10, 0, tzinfo=MSK)
LATE = datetime(2026, 11, 3, 12, 0, tzinfo=MSK)


def key(modified_at: datetime | None, number: int, sender: str = "TMS") -> VersionKey:
    return VersionKey(modified_at=modified_at, sender=sender, package_number=number)


# Each row: incoming, current, whether the incoming version is newer.
VERSION_TABLE = [
    pytest.param(key(LATE, 1), key(EARLY, 2), True, id="later-time-lower-number"),
    pytest.param(key(EARLY, 2), key(LATE, 1), False, id="earlier-time-higher-number"),
    pytest.param(key(LATE, 5), key(LATE, 4), True, id="equal-time-higher-number"),
    pytest.param(key(LATE, 4), key(LATE, 5), False, id="equal-time-lower-number"),
    pytest.param(key(LATE, 5), key(None, 4), True, id="only-incoming-time-higher"),
    pytest.param(key(LATE, 4), key(None, 5), False, id="only-incoming-time-lower"),
    pytest.param(key(None, 5), key(EARLY, 4), True, id="only-current-time-higher"),
    pytest.param(key(None, 4), key(EARLY, 5), False, id="only-current-time-lower"),
    pytest.param(key(None, 5), key(None, 4), True, id="no-times-higher-number"),
    pytest.param(key(None, 4), key(None, 5), False, id="no-times-lower-number"),
    pytest.param(key(LATE, 4), key(LATE, 4), False, id="same-version-with-time"),
    pytest.param(key(None, 4), key(None, 4), False, id="same-version-no-time"),
    pytest.param(key(LATE, 4), key(None, 4), False, id="same-package-one-time"),
    pytest.param(
        key(LATE.astimezone(UTC), 5), key(LATE, 4), True, id="same-instant-other-zone"
    ),
    pytest.param(key(EARLY, 9, "TMS2"), key(LATE, 1), False, id="senders-times-decide"),
    pytest.param(key(LATE, 1, "TMS2"), key(EARLY, 9), True, id="senders-later-time"),
    pytest.param(key(LATE, 1, "TMS2"), key(LATE, 9), True, id="senders-equal-times"),
    pytest.param(key(None, 1, "TMS2"), key(None, 9), True, id="senders-no-times"),
    pytest.param(key(None, 1, "TMS2"), key(LATE, 9), True, id="senders-one-time"),
]


@pytest.mark.parametrize(("incoming", "current", "expected"), VERSION_TABLE)
def test_is_newer_table(
    incoming: VersionKey, current: VersionKey, expected: bool
) -> None:
    """Times decide when both differ, else the later package of a sender wins."""
    assert is_newer(incoming, current) is expected


def test_is_newer_without_current() -> None:
    """A version of an order not known before is always applied."""
    assert is_newer(key(None, 1), None) is True


def test_version_key_naive_time_raises() -> None:
    """A modification time without a time zone is rejected."""
    with pytest.raises(ValueError, match="time zone"):
        key(datetime(2026, 11, 3, 10, 0), 1)  # noqa: DTZ001


TIMES = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001
        max_value=datetime(2026, 1, 3),  # noqa: DTZ001
        timezones=st.just(MSK),
    ),
)
SAME_SENDER_KEYS = st.builds(key, TIMES, st.integers(1, 5))


@given(SAME_SENDER_KEYS)
def test_is_newer_irreflexive(version: VersionKey) -> None:
    """A version is never newer than itself."""
    assert not is_newer(version, version)


@given(SAME_SENDER_KEYS, SAME_SENDER_KEYS)
def test_is_newer_asymmetric(first: VersionKey, second: VersionKey) -> None:
    """Of two versions from one sender, at most one is newer than the other."""
    if is_newer(first, second):
        assert not is_newer(second, first)


@given(SAME_SENDER_KEYS, SAME_SENDER_KEYS)
def test_is_newer_orders_distinct_packages(
    first: VersionKey, second: VersionKey
) -> None:
    """Two versions from different packages of one sender are always ordered."""
    if first.package_number != second.package_number:
        assert is_newer(first, second) or is_newer(second, first)
