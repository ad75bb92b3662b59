"""The flag on companies instead of deals, and the request cost of a large export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from exchange.cli.context import AppContext
from exchange.cli.counterparties_cmd import command
from exchange.counterparties import apply_receipt, export_counterparties
from exchange.emulator import Emulator
from exchange.service.runtime import Runtime
from tests.counterparties.conftest import (
    COMPANY_FLAG,
    FLAG,
    HEAD_OFFICE,
    REF,
    Setup,
    make_settings,
    read_package,
    receipt,
    records_by_item,
    result,
    seed,
)

HEAD_REF = "330417ee-a23f-11f0-a214-0050569f2c41"


def test_company_trigger_exports_and_clears_company_flag(
    emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> None:
    """With trigger_entity company the flag on the company exports it without a deal."""
    emulator = emulator_factory(seed=seed())
    assert emulator.portal.update_company(HEAD_OFFICE, **{COMPANY_FLAG: 1})
    settings = make_settings(
        tmp_path,
        emulator.webhook_url,
        trigger_entity="company",
        trigger_field=COMPANY_FLAG,
    )

    with Runtime(settings) as runtime:
        outcome = export_counterparties(runtime)
    document = read_package(settings.paths.outbox / str(outcome.package_name))
    record = records_by_item(document)[("company", HEAD_OFFICE)]
    with Runtime(settings) as runtime:
        apply_receipt(
            runtime,
            receipt(
                document["package_id"],
                [result("company", HEAD_OFFICE, "matched", HEAD_REF)],
            ),
        )

    assert list(records_by_item(document)) == [("company", HEAD_OFFICE)]
    assert record["deal"] is None
    assert record["deal_ids"] == []
    company = emulator.portal.companies[HEAD_OFFICE]
    assert company[REF] == HEAD_REF
    assert company[COMPANY_FLAG] == "0"


def _large_seed(count: int) -> dict[str, Any]:
    base = seed()
    companies: list[dict[str, Any]] = []
    deals: list[dict[str, Any]] = []
    requisites: list[dict[str, Any]] = []
    for number in range(count):
        company_id = 1000 + number
        companies.append(
            {
                "ID": company_id,
                "TITLE": f"Компания {number}",
                "PHONE": [{"VALUE": "+7 495 000-00-00"}],
            }
        )
        deals.append(
            {
                "ID": 5000 + number,
                "TITLE": f"Сделка {number}",
                "COMPANY_ID": company_id,
                FLAG: 1,
            }
        )
        requisites.append(
            {
                "ID": 100 + number,
                "ENTITY_TYPE_ID": 4,
                "ENTITY_ID": company_id,
                "PRESET_ID": 1,
            }
        )
    base.update(companies=companies, deals=deals, requisites=requisites)
    base.update(bank_details=[], addresses=[])
    return base


def test_hundred_flagged_deals_cost_few_requests(
    emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> None:
    """An export of 100 flagged deals with 100 companies takes at most 12 requests.

    The bound, by step: 1 batch checking the field codes, 3 pages of flagged
    deals (50, 50, then an empty page), 1 batch of company rows (2 commands
    of 50 IDs), 3 batches of requisites (100 commands plus the templates),
    4 batches of bank details and addresses (200 commands). One request per
    item would be over 300.
    """
    emulator = emulator_factory(seed=_large_seed(100))
    settings = make_settings(tmp_path, emulator.webhook_url)

    with Runtime(settings) as runtime:
        outcome = export_counterparties(runtime)

    assert outcome.records == 100
    assert emulator.stats.requests <= 12
    assert emulator.stats.by_method["crm.deal.list"] <= 3


def test_cli_export_and_status(setup: Setup) -> None:
    """The CLI writes the package, then finds nothing, and shows the awaited items."""
    setup.flag(215)
    app = AppContext(config_path=None, _settings=setup.settings)
    runner = CliRunner()

    first = runner.invoke(command, ["export"], obj=app)
    second = runner.invoke(command, ["export"], obj=app)
    status = runner.invoke(command, ["status"], obj=app)

    assert first.exit_code == 0, first.output
    assert (
        first.output == "wrote counterparties_B24_1.json: 1 counterparty, 1 warning\n"
    )
    assert second.exit_code == 0
    assert second.output == (
        "nothing to export (1 flagged item, none due; awaiting 1C's receipt: 1, "
        "failed in 1C and waiting for a change in Bitrix24: 0)\n"
    )
    assert status.exit_code == 0
    assert "counterparties awaiting a receipt from 1C: 1" in status.output
    assert "company 15 «Транзит-Логистик»" in status.output


def test_cli_reports_unreachable_portal(setup: Setup) -> None:
    """An unreachable portal exits 3; a missing trigger field exits 2."""
    setup.flag(215)
    setup.emulator.stop()
    fast = setup.settings.model_copy(
        update={
            "bitrix24": setup.settings.bitrix24.model_copy(
                update={"max_attempts": 1, "timeout_seconds": 2.0}
            )
        }
    )
    unset = setup.settings.model_copy(
        update={
            "counterparties": setup.settings.counterparties.model_copy(
                update={"trigger_field": ""}
            )
        }
    )
    runner = CliRunner()

    unreachable = runner.invoke(
        command, ["export"], obj=AppContext(config_path=None, _settings=fast)
    )
    misconfigured = runner.invoke(
        command, ["export"], obj=AppContext(config_path=None, _settings=unset)
    )
    bad_option = runner.invoke(
        command, ["export", "--only", "deal"], obj=AppContext(None, _settings=fast)
    )

    assert unreachable.exit_code == 3, unreachable.output
    assert misconfigured.exit_code == 2
    assert "trigger_field" in misconfigured.output
    assert bad_option.exit_code == 2
