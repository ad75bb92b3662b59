"""The event endpoint with real form-encoded POSTs, and the export trigger."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from exchange.counterparties import EventListener, ExportTrigger, export_counterparties
from exchange.errors import ConfigError
from tests.counterparties.conftest import PERSON, Setup, read_package, records_by_item

TOKEN = "k9x2mw7qf3token"


class Recorder:
    """Collects the IDs each export call received."""

    def __init__(self) -> None:
        self.calls: list[set[tuple[str, int]]] = []
        self.called = threading.Event()

    def __call__(self, items: set[tuple[str, int]]) -> None:
        self.calls.append(set(items))
        self.called.set()


@pytest.fixture
def recorder() -> Recorder:
    """A stand-in export callback."""
    return Recorder()


@pytest.fixture
def trigger(recorder: Recorder) -> Iterator[ExportTrigger]:
    """A started export trigger around the recorder."""
    started = ExportTrigger(recorder, debounce_seconds=0.2)
    started.start()
    yield started
    started.stop()


@pytest.fixture
def listener(trigger: ExportTrigger) -> Iterator[EventListener]:
    """A started event listener on a free port of 127.0.0.1."""
    started = EventListener("127.0.0.1", 0, TOKEN, trigger.submit)
    started.start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One client for every POST, because building one takes about 0.1 s,
    longer than the debounce that a burst of events must fit in."""
    with httpx.Client(timeout=5) as client:
        yield client


def _post(http: httpx.Client, listener: EventListener, **form: str) -> httpx.Response:
    return http.post(f"http://127.0.0.1:{listener.port}/", data=form)


def _event(event: str, b24_id: int | str, token: str = TOKEN) -> dict[str, str]:
    return {
        "event": event,
        "data[FIELDS][ID]": str(b24_id),
        "ts": "1763629200",
        "auth[domain]": "portal.example",
        "auth[application_token]": token,
    }


def test_right_token_triggers_export(
    http: httpx.Client, listener: EventListener, recorder: Recorder
) -> None:
    """An event with the right token is accepted and exported within a second."""
    started = time.monotonic()

    response = _post(http, listener, **_event("ONCRMDEALUPDATE", 215))

    assert response.status_code == 200
    assert recorder.called.wait(1.0)
    assert time.monotonic() - started < 1.0
    assert recorder.calls == [{("deal", 215)}]


def test_wrong_token_rejected_and_not_logged(
    http: httpx.Client,
    listener: EventListener,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A wrong token gets 401, triggers nothing, and never appears in the logs."""
    wrong = "wrong-token-value-77"
    caplog.set_level(logging.DEBUG)

    response = _post(http, listener, **_event("ONCRMDEALUPDATE", 215, token=wrong))
    missing = _post(
        http, listener, event="ONCRMDEALUPDATE", **{"data[FIELDS][ID]": "215"}
    )

    assert response.status_code == 401
    assert missing.status_code == 401
    assert not recorder.called.wait(0.5)
    assert "wrong application token" in caplog.text
    assert wrong not in caplog.text
    assert TOKEN not in caplog.text


def test_malformed_event_rejected(
    http: httpx.Client, listener: EventListener, recorder: Recorder
) -> None:
    """An event without a numeric ID gets 400 and triggers nothing."""
    response = _post(http, listener, **_event("ONCRMDEALUPDATE", "abc"))

    assert response.status_code == 400
    assert not recorder.called.wait(0.4)


def test_duplicates_coalesced(
    http: httpx.Client, listener: EventListener, recorder: Recorder
) -> None:
    """A burst of events runs one export with each distinct item once."""
    for event, b24_id in [
        ("ONCRMDEALUPDATE", 215),
        ("ONCRMDEALUPDATE", 215),
        ("ONCRMCOMPANYUPDATE", 15),
        ("ONCRMDEALUPDATE", 215),
        ("ONCRMCONTACTADD", 21),
    ]:
        assert _post(http, listener, **_event(event, b24_id)).status_code == 200

    assert recorder.called.wait(1.0)
    time.sleep(0.4)
    assert recorder.calls == [{("deal", 215), ("company", 15), ("contact", 21)}]


def test_other_events_accepted_and_ignored(
    http: httpx.Client, listener: EventListener, recorder: Recorder
) -> None:
    """An authenticated event of another kind gets 200 and is ignored."""
    response = _post(http, listener, **_event("ONCRMLEADUPDATE", 5))

    assert response.status_code == 200
    assert not recorder.called.wait(0.4)


def _ignore(entity: str, b24_id: int) -> None:
    del entity, b24_id


def test_listener_requires_token() -> None:
    """An empty configured token is a configuration error, not an open endpoint."""
    with pytest.raises(ConfigError):
        EventListener("127.0.0.1", 0, "", _ignore)


def test_event_runs_real_export(http: httpx.Client, setup: Setup) -> None:
    """An event for a flagged deal exports exactly its counterparty."""
    setup.flag(220)
    setup.flag(215)
    done = threading.Event()

    def export(items: set[tuple[str, int]]) -> None:
        with setup.runtime() as runtime:
            export_counterparties(runtime, only=items)
        done.set()

    trigger = ExportTrigger(export, debounce_seconds=0.1)
    trigger.start()
    listener = EventListener("127.0.0.1", 0, TOKEN, trigger.submit)
    listener.start()
    try:
        assert (
            _post(http, listener, **_event("ONCRMDEALUPDATE", 220)).status_code == 200
        )
        assert done.wait(5)
    finally:
        listener.stop()
        trigger.stop()

    files = setup.outbox_files()
    assert len(files) == 1
    assert list(records_by_item(read_package(files[0]))) == [("contact", PERSON)]
