"""The 1C catalog, complete and partial, and how it changes the matches."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from exchange.counterparties import apply_catalog, apply_receipt, export_counterparties
from tests.counterparties.conftest import (
    BRANCH,
    BRANCH_KPP,
    ENTREPRENEUR,
    HEAD_OFFICE,
    IP_INN,
    ORG_INN,
    ORG_KPP,
    PERSON,
    REF,
    Setup,
    catalog,
    entry,
    read_package,
    receipt,
    records_by_item,
    result,
)

HEAD = "330417ee-a23f-11f0-a214-0050569f2c41"
BRANCH_A = "09d8256e-3749-11f0-aae7-0050569f2c41"
BRANCH_B = "19d8256e-3749-11f0-aae7-0050569f2c41"
KUZNETSOV = "c7c892a4-838b-11f0-a87f-0050569f2c41"
PETROV = "5e3e5780-97d6-11f0-a348-0050569f2c41"

FULL_CATALOG = [
    entry(HEAD, "legal_entity", ORG_INN, ORG_KPP, "+7 (495) 500-55-50"),
    entry(BRANCH_A, "legal_entity", ORG_INN, BRANCH_KPP),
    entry(BRANCH_B, "legal_entity", ORG_INN, BRANCH_KPP),
    entry(KUZNETSOV, "entrepreneur", IP_INN, None),
    entry(PETROV, "individual", None, None, "8 912 345-67-89"),
]


def _export_records(
    setup: Setup, hours: float
) -> dict[tuple[str, int], dict[str, Any]]:
    # Each call is past the resend time of the one before, so every
    # flagged item is written again and shows the current matches.
    with setup.runtime() as runtime:
        outcome = export_counterparties(
            runtime, now=setup.clock.now + timedelta(hours=hours)
        )
    assert outcome.package_name is not None
    return records_by_item(
        read_package(setup.settings.paths.outbox / outcome.package_name)
    )


def _flag(setup: Setup) -> None:
    for deal_id in (215, 216, 217, 220):
        setup.flag(deal_id)


def test_complete_catalog_sets_matches(setup: Setup) -> None:
    """A complete catalog links by INN + KPP, INN and phone, or lists candidates."""
    _flag(setup)
    with setup.runtime() as runtime:
        counts = apply_catalog(runtime, catalog(FULL_CATALOG, complete=True))

    records = _export_records(setup, 0)

    assert counts == {"added": 5, "updated": 0, "removed": 0, "unchanged": 0}
    head = records[("company", HEAD_OFFICE)]
    assert (head["action"], head["ref"], head["match"]) == (
        "link",
        HEAD,
        {"by": "inn_kpp", "candidates": []},
    )
    branch = records[("company", BRANCH)]
    assert branch["action"] == "review"
    assert branch["ref"] == ""
    assert branch["match"] == {"by": "ambiguous", "candidates": [BRANCH_A, BRANCH_B]}
    assert any("choose one" in warning for warning in branch["warnings"])
    entrepreneur = records[("company", ENTREPRENEUR)]
    assert (entrepreneur["action"], entrepreneur["match"]["by"]) == ("link", "inn")
    assert entrepreneur["ref"] == KUZNETSOV
    person = records[("contact", PERSON)]
    assert (person["action"], person["match"]["by"], person["ref"]) == (
        "link",
        "phone",
        PETROV,
    )


def test_partial_catalog_merges_and_complete_removes(setup: Setup) -> None:
    """A partial catalog merges changes; a complete one drops the entries it omits."""
    _flag(setup)
    with setup.runtime() as runtime:
        apply_catalog(runtime, catalog(FULL_CATALOG, complete=True))
        merged = apply_catalog(
            runtime,
            catalog(
                [
                    entry(
                        BRANCH_B,
                        "legal_entity",
                        ORG_INN,
                        BRANCH_KPP,
                        deletion_mark=True,
                    )
                ],
                complete=False,
                number=6,
            ),
        )
    after_merge = _export_records(setup, 0)
    with setup.runtime() as runtime:
        replaced = apply_catalog(
            runtime, catalog(FULL_CATALOG[:1], complete=True, number=7)
        )
    after_replace = _export_records(setup, 25)

    assert merged == {"added": 0, "updated": 1, "removed": 0, "unchanged": 0}
    assert after_merge[("company", BRANCH)]["action"] == "link"
    assert after_merge[("company", BRANCH)]["ref"] == BRANCH_A
    assert after_merge[("contact", PERSON)]["ref"] == PETROV
    assert replaced == {"added": 0, "updated": 0, "removed": 4, "unchanged": 1}
    assert after_replace[("company", BRANCH)]["action"] == "create"
    assert after_replace[("contact", PERSON)]["action"] == "create"
    assert after_replace[("company", HEAD_OFFICE)]["ref"] == HEAD


def test_without_catalog_everything_is_created(setup: Setup) -> None:
    """Without any catalog, items without a stored reference are created."""
    _flag(setup)

    records = _export_records(setup, 0)

    assert {record["action"] for record in records.values()} == {"create"}
    assert {record["match"]["by"] for record in records.values()} == {"none"}


def test_catalog_after_export_logs_awaiting(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """Items exported before the catalog await 1C's receipt, and the log counts them."""
    _flag(setup)
    before = _export_records(setup, 0)
    assert {record["match"]["by"] for record in before.values()} == {"none"}
    with setup.runtime() as runtime:
        apply_catalog(runtime, catalog(FULL_CATALOG, complete=True))
    caplog.set_level(logging.INFO, logger="exchange.counterparties.export")
    caplog.clear()

    with setup.runtime() as runtime:
        outcome = export_counterparties(runtime, now=setup.clock.now)

    assert outcome.package_name is None
    assert outcome.flagged == 4
    assert outcome.awaiting == 4
    assert outcome.failed == 0
    lines = [r.getMessage() for r in caplog.records]
    line = next(text for text in lines if text.startswith("counterparty export:"))
    assert "4 flagged, nothing to export; awaiting 1C's receipt" in line
    assert "earlier export: 4 (sent again" in line
    assert "waiting for a change in Bitrix24: 0" in line
    assert "after 24 h without a receipt" in line


GONE = "8d1e2f30-4a5b-4c6d-8e7f-901a2b3c4d5e"


def _gone_warning(records: dict[tuple[str, int], dict[str, Any]]) -> list[str]:
    head = records[("company", HEAD_OFFICE)]
    assert (head["action"], head["ref"], head["match"]["by"]) == ("update", GONE, "id")
    return [text for text in head["warnings"] if "not in the complete" in text]


def test_stored_ref_missing_from_complete_catalog(setup: Setup) -> None:
    """A stored reference that the complete catalog lacks is sent with a warning.

    A catalog of changes proves nothing, and a receipt that reported the
    reference after the complete catalog confirms it.
    """
    _flag(setup)
    setup.emulator.portal.update_company(HEAD_OFFICE, **{REF: GONE})
    moment = setup.clock.now
    with setup.runtime() as runtime:
        apply_catalog(runtime, catalog(FULL_CATALOG, complete=False), now=moment)
    partial_only = _gone_warning(_export_records(setup, 0))
    with setup.runtime() as runtime:
        apply_catalog(
            runtime, catalog(FULL_CATALOG, complete=True, number=6), now=moment
        )
        apply_catalog(
            runtime, catalog(FULL_CATALOG[1:2], complete=False, number=7), now=moment
        )
    after_complete = _gone_warning(_export_records(setup, 25))
    package_id = read_package(setup.outbox_files()[1])["package_id"]
    with setup.runtime() as runtime:
        apply_receipt(
            runtime,
            receipt(package_id, [result("company", HEAD_OFFICE, "updated", GONE)]),
            now=moment + timedelta(hours=26),
        )
    setup.flag(215)
    confirmed = _gone_warning(_export_records(setup, 50))

    assert partial_only == []
    expected = (
        f"1C counterparty {GONE} stored for company {HEAD_OFFICE} is not in the "
        "complete 1C catalog, so it may have been deleted in 1C; it is still sent "
        "for update, so check the reference in 1C"
    )
    assert after_complete == [expected]
    assert confirmed == []
