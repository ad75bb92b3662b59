"""One time format in `exchange status` and `exchange audit`."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange import jsonio
from exchange.emulator import Emulator
from exchange.timestamps import format_timestamp
from tests.cli.workspace import invoke, write_config

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
YEKATERINBURG = ZoneInfo("Asia/Yekaterinburg")  # UTC+05:00, no daylight saving

# ISO 8601 to the second with Z or an offset, and nothing finer.
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)(?![.\d])"
UTC_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
LOCAL_TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:00"
# Any other way of writing a time: with a space, fractions, or minutes only.
OTHER_TIME = r"\d\d:\d\d(?::\d\d)?(?:\.\d+| UTC)|\d{4}-\d\d-\d\d \d\d:\d\d"


def test_format_utc_with_z() -> None:
    """Without a zone a moment prints in UTC with Z, to the second."""
    moment = datetime(2026, 3, 14, 9, 26, 53, 987654, tzinfo=UTC)

    assert format_timestamp(moment, None) == "2026-03-14T09:26:53Z"


def test_format_in_configured_zone() -> None:
    """With a zone a moment prints in that zone with its offset."""
    moment = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)

    assert format_timestamp(moment, YEKATERINBURG) == "2026-03-14T14:26:53+05:00"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-03-14T09:26:53.123456Z", "2026-03-14T09:26:53Z"),
        ("2026-03-14T09:26:53.123456+00:00", "2026-03-14T09:26:53Z"),
        ("2026-03-14T12:26:53+03:00", "2026-03-14T09:26:53Z"),
        ("2026-03-14T09:26:53", "2026-03-14T09:26:53"),
        ("not a time", "not a time"),
        (None, ""),
    ],
)
def test_format_stored_text(stored: str | None, expected: str) -> None:
    """Stored ISO text is converted; text without an offset stays as it is."""
    assert format_timestamp(stored, None) == expected


# Hypothesis takes naive bounds and attaches the zones itself.
@given(
    moment=st.datetimes(
        min_value=datetime(1971, 1, 1),  # noqa: DTZ001
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-7)), ZoneInfo("Europe/Moscow")]
        ),
    ),
    zone=st.sampled_from([None, YEKATERINBURG, ZoneInfo("America/New_York")]),
)
def test_format_same_moment(moment: datetime, zone: ZoneInfo | None) -> None:
    """Every output reads back as the same moment, cut to the second."""
    text = format_timestamp(moment, zone)

    assert re.fullmatch(TIMESTAMP, text), text
    assert text.endswith("Z") == (zone is None)
    # Compared in UTC: a time in a daylight saving gap never equals one in
    # another zone (PEP 495).
    expected = moment.replace(microsecond=0).astimezone(UTC)
    assert datetime.fromisoformat(text) == expected


def test_format_same_from_text() -> None:
    """A datetime and its stored ISO text print alike."""
    moment = datetime(2026, 11, 28, 23, 59, 59, 999999, tzinfo=UTC)

    for zone in (None, YEKATERINBURG):
        assert format_timestamp(moment.isoformat(), zone) == format_timestamp(
            moment, zone
        )


def make_history(root: Path, emulator: Emulator, **display: str) -> Path:
    """Apply both orders samples and reject one file; return the configuration."""
    config = write_config(root, display=display)
    inbox = root / "inbox"
    inbox.mkdir()
    for name in ("orders_TMS_1.json", "orders_TMS_2.json"):
        shutil.copyfile(SAMPLES / name, inbox / name)
    shutil.copyfile(SAMPLES / "invalid" / "not_json.json", inbox / "orders_TMS_9.json")
    result = invoke(config, emulator.webhook_url, "run", "--once")
    assert result.exit_code == 1, result.output
    return config


def times_in(output: str) -> list[str]:
    """Return every ISO 8601 timestamp in ``output``."""
    return [match.group(0) for match in re.finditer(TIMESTAMP, output)]


@pytest.mark.parametrize(
    ("display", "pattern"),
    [({}, UTC_TIMESTAMP), ({"timezone": "Asia/Yekaterinburg"}, LOCAL_TIMESTAMP)],
    ids=["utc", "configured-zone"],
)
def test_commands_share_format(
    tmp_path: Path, emulator: Emulator, display: dict[str, str], pattern: str
) -> None:
    """Status, audit list and audit show print times in one format."""
    config = make_history(tmp_path, emulator, **display)
    url = emulator.webhook_url

    outputs = {
        "status": invoke(config, url, "status"),
        "audit list": invoke(config, url, "audit", "list"),
        "audit show": invoke(config, url, "audit", "show", "1"),
    }

    for name, result in outputs.items():
        assert result.exit_code == 0, f"{name}: {result.output}"
        found = times_in(result.output)
        assert found, f"{name} printed no timestamp:\n{result.output}"
        for text in found:
            assert re.fullmatch(pattern, text), f"{name}: {text}"
        assert not re.search(OTHER_TIME, result.output), f"{name}: {result.output}"


def test_audit_times_match_journal(tmp_path: Path, emulator: Emulator) -> None:
    """Audit list prints each entry's stored time converted to the zone."""
    config = make_history(tmp_path, emulator, timezone="Asia/Yekaterinburg")
    url = emulator.webhook_url

    listed = invoke(config, url, "audit", "list")
    as_json = invoke(config, url, "audit", "list", "--json")

    entries = jsonio.loads(as_json.output)
    assert len(entries) >= 3
    for entry in entries:
        stored = entry["processed_at"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stored)
        moment = datetime.fromisoformat(stored).astimezone(YEKATERINBURG)
        assert moment.strftime("%Y-%m-%dT%H:%M:%S+05:00") in listed.output


def test_status_rejected_line_format(tmp_path: Path, emulator: Emulator) -> None:
    """The rejected-file line of status starts with the formatted time."""
    config = make_history(tmp_path, emulator)

    result = invoke(config, emulator.webhook_url, "status")

    lines = [line for line in result.output.splitlines() if "orders_TMS_9" in line]
    assert len(lines) == 1, result.output
    assert re.match(rf"\s+{UTC_TIMESTAMP} orders_TMS_9\.json: ", lines[0])
