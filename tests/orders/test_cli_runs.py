"""``exchange run --once`` and ``exchange process`` via the CLI: dry runs, exits."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from exchange import jsonio
from exchange.cli.main import cli
from exchange.emulator import Emulator
from tests.orders.conftest import (
    DEAL_FIELDS,
    FULLY_PAID,
    NUMBER_FIELD,
    STATUS_FIELD,
    Exchange,
    ExchangeFactory,
    order,
    package,
)

PortalFactory = Callable[..., Emulator]


def _config(service: Exchange, **fields: str) -> Path:
    """Write a TOML configuration for ``service``; ``fields`` override deal fields."""
    paths = service.settings.paths
    codes = {**DEAL_FIELDS, **fields}
    lines = [
        "[paths]",
        *(
            f'{name} = "{getattr(paths, name)}"'
            for name in ("inbox", "outbox", "archive", "errors", "state", "dry_run")
        ),
        "[inbox]",
        "settle_seconds = 0",
        "[bitrix24]",
        "max_attempts = 1",
        "[bitrix24.deal_fields]",
        *(f'{name} = "{code}"' for name, code in codes.items()),
    ]
    path = service.root / "exchange.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _invoke(service: Exchange, config: Path, *arguments: str) -> Result:
    env = {"EXCHANGE_BITRIX24__WEBHOOK_URL": service.emulator.webhook_url}
    return CliRunner().invoke(cli, ["--config", str(config), *arguments], env=env)


def _state_digest(service: Exchange) -> str:
    return hashlib.sha256(service.settings.paths.state.read_bytes()).hexdigest()


def test_dry_run_once_changes_nothing(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """run --once --dry-run plans batch calls, reads only and changes no state."""
    emulator = small_portal({201: "ТЛ-201", 202: "ТЛ-202"})
    service = exchange_factory(emulator)
    config = _config(service)
    service.put(package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")]))
    assert _invoke(service, config, "run", "--once").exit_code == 0
    digest = _state_digest(service)
    emulator.stats.reset()
    name = service.put(package(2, [order("B", "ТЛ-202", status="ОплаченПолностью")]))

    result = _invoke(service, config, "run", "--once", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "crm.deal.update" not in emulator.stats.by_method
    assert emulator.stats.calls_by_method["crm.deal.update"] == 0
    assert service.deal(202) == (None, None)
    assert _state_digest(service) == digest
    assert (service.inbox / name).exists()
    assert len(list(service.outbox.glob("*.json"))) == 1
    plans = list(service.settings.paths.dry_run.rglob(f"{name}.plan.json"))
    assert len(plans) == 1
    plan = jsonio.loads(plans[0].read_bytes())
    (batch,) = plan["batches"]
    assert batch["method"] == "batch"
    (command,) = batch["params"]["cmd"].values()
    assert command.startswith("crm.deal.update?")
    assert "id=202" in command
    # Beside the encoded command, the plan lists the update decoded.
    (update,) = batch["updates"]
    assert update["deal_id"] == 202
    assert STATUS_FIELD in update["fields"]
    assert "%5B" not in jsonio.dumps_text(update)

    # The real run afterwards takes the next outgoing number: none was used.
    assert _invoke(service, config, "run", "--once").exit_code == 0
    assert [r["number"] for r in service.receipts()] == [1, 2]


def test_dry_run_once_plans_pending_retry(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """run --once --dry-run plans the retry of pending orders, as the real run does."""
    emulator = small_portal({202: ""})
    service = exchange_factory(emulator)
    config = _config(service)
    service.put(package(1, [order("A", "ТЛ-202", status="ОплаченПолностью")]))
    assert _invoke(service, config, "run", "--once").exit_code == 0
    service.edit_deal(202, **{NUMBER_FIELD: "ТЛ-202"})
    digest = _state_digest(service)

    result = _invoke(service, config, "run", "--once", "--dry-run")

    assert result.exit_code == 0, result.output
    assert emulator.stats.calls_by_method["crm.deal.update"] == 0
    assert _state_digest(service) == digest
    (plan_path,) = service.settings.paths.dry_run.rglob("pending-retry.plan.json")
    plan = jsonio.loads(plan_path.read_bytes())
    assert plan["followups"] == 1
    (batch,) = plan["batches"]
    (command,) = batch["params"]["cmd"].values()
    assert command.startswith("crm.deal.update?")
    assert "id=202" in command
    (followup,) = plan_path.parent.glob("outbox/orders_receipt_*.json")
    assert jsonio.loads(followup.read_bytes())["results"][0]["status"] == "updated"
    assert len(list(service.outbox.glob("*.json"))) == 1


def test_dry_run_empty_inbox_writes_no_plan(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """run --once --dry-run with nothing to plan says so and makes no folder."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    config = _config(service)

    result = _invoke(service, config, "run", "--once", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "dry run: the inbox has no complete file" in result.output
    assert "nothing would be sent" in result.output
    dry_run = service.settings.paths.dry_run
    assert not dry_run.exists() or list(dry_run.iterdir()) == []


def test_dry_run_before_first_run_has_no_inbox(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A dry run before any real run finds no inbox folder and creates none."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    config = _config(service)
    service.inbox.rmdir()

    result = _invoke(service, config, "run", "--once", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "dry run: the inbox has no complete file" in result.output
    assert not service.inbox.exists()


def test_dry_run_process_changes_nothing(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """process FILE --dry-run leaves the file, the state and the outbox as they were."""
    emulator = small_portal({201: "ТЛ-201"})
    service = exchange_factory(emulator)
    config = _config(service)
    name = service.put(package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")]))

    result = _invoke(service, config, "process", str(service.inbox / name), "--dry-run")

    assert result.exit_code == 0, result.output
    assert emulator.stats.calls_by_method["crm.deal.update"] == 0
    assert (service.inbox / name).exists()
    assert list(service.outbox.glob("*.json")) == []
    assert not service.settings.paths.state.exists()
    assert service.deal(201) == (None, None)
    assert list(service.settings.paths.dry_run.rglob(f"{name}.plan.json"))


def test_exit_code_0_applied(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A run that applies everything, pending orders included, exits 0."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    config = _config(service)
    service.put(
        package(
            1, [order("A", "ТЛ-201", status="ОплаченПолностью"), order("B", "ТЛ-299")]
        )
    )

    result = _invoke(service, config, "run", "--once")

    assert result.exit_code == 0, result.output
    assert service.deal(201) == (FULLY_PAID, None)


def test_exit_code_1_rejection(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A run that writes a rejection exits 1."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    config = _config(service)
    service.put_sample("invalid/bad_date.json")

    result = _invoke(service, config, "run", "--once")

    assert result.exit_code == 1, result.output


def test_exit_code_2_missing_field(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A deal field missing in the portal exits 2 with a message naming it."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    config = _config(service, realization_date="UF_CRM_MISSING")
    service.put(package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")]))

    result = _invoke(service, config, "run", "--once")

    assert result.exit_code == 2, result.output
    assert "UF_CRM_MISSING" in result.output
    assert service.deal(201) == (None, None)


def test_exit_code_3_unreachable(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A portal that cannot be reached exits 3 and leaves the order pending."""
    emulator = small_portal({201: "ТЛ-201"})
    service = exchange_factory(emulator)
    config = _config(service)
    service.put(package(1, [order("A", "ТЛ-201", status="ОплаченПолностью")]))
    emulator.faults.outage(on=True, drop=True)

    result = _invoke(service, config, "run", "--once")

    assert result.exit_code == 3, result.output
    emulator.faults.clear()
    assert service.deal(201) == (None, None)


def test_large_file_lists_problems_only(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A file of more than 50 orders lists its pending ones; the rest are counted."""
    deals = {201 + index: f"ТЛ-{201 + index}" for index in range(55)}
    service = exchange_factory(small_portal(deals))
    orders = [order(f"O{deal_id}", number) for deal_id, number in deals.items()]
    orders.append(order("LOST", "ТЛ-999"))
    service.put(package(1, orders))
    config = _config(service)

    result = _invoke(service, config, "run", "--once")

    assert result.exit_code == 0, result.output
    assert "LOST" in result.output
    assert "O201" not in result.output
    assert "55 more orders not listed here; the receipt" in result.output


def test_large_file_without_problems_lists_none(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A file of more than 50 orders, all applied, counts them without "more"."""
    deals = {201 + index: f"ТЛ-{201 + index}" for index in range(51)}
    service = exchange_factory(small_portal(deals))
    service.put(
        package(1, [order(f"O{deal_id}", number) for deal_id, number in deals.items()])
    )
    config = _config(service)

    result = _invoke(service, config, "run", "--once")

    assert result.exit_code == 0, result.output
    assert "O201" not in result.output
    assert "51 orders not listed here; the receipt" in result.output
    assert "more order" not in result.output


def test_run_names_followups_of_a_file(
    small_portal: PortalFactory, exchange_factory: ExchangeFactory
) -> None:
    """A file that settles an earlier package's order prints its follow-up."""
    service = exchange_factory(small_portal({201: "ТЛ-201"}))
    config = _config(service)
    service.put(package(1, [order("SUB", parent="TOP", status="ОплаченПолностью")]))
    first = _invoke(service, config, "run", "--once")
    assert first.exit_code == 0, first.output
    assert "follow-up" not in first.output

    service.put(package(2, [order("TOP", "ТЛ-201")]))
    result = _invoke(service, config, "run", "--once")

    assert result.exit_code == 0, result.output
    assert "wrote 1 follow-up receipt for earlier packages" in result.output
