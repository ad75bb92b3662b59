"""The checks of ``exchange check``: configuration, folders, portal, fields."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from exchange.bitrix24.errors import Bitrix24Error
from exchange.config import Settings
from exchange.contract.enums import PaymentStatus
from exchange.errors import ExchangeError
from exchange.service.runtime import Runtime
from exchange.transport import CheckResult, check_sftp

ENTITIES: tuple[Literal["company", "contact"], ...] = ("company", "contact")
BOOLEAN_TYPES = {"boolean"}
STRING_TYPES = {"string"}


def run_checks(settings: Settings) -> Iterator[CheckResult]:
    """Yield one result per check, in the order an operator would fix them."""
    yield _check_folder("state folder", settings.paths.state.parent)
    if settings.inbox.source == "local":
        yield _check_folder("inbox folder", settings.paths.inbox)
    if settings.outbox.target == "local":
        yield _check_folder("outbox folder", settings.paths.outbox)
    yield _check_folder("archive folder", settings.paths.archive)
    yield _check_folder("error folder", settings.paths.errors)
    runtime = Runtime(settings, lock=False)
    try:
        if "sftp" in (settings.inbox.source, settings.outbox.target):
            try:
                yield from check_sftp(runtime.sftp_settings)
            except ExchangeError as exc:
                yield CheckResult("sftp", ok=False, message=str(exc))
        yield from _check_portal(runtime)
    finally:
        runtime.close()


def _check_folder(name: str, folder: Path) -> CheckResult:
    # A check changes nothing: a missing folder passes when the first run can
    # create it, that is when its nearest existing parent is writable.
    if not folder.exists():
        parent = next((p for p in folder.parents if p.exists()), None)
        if parent is not None and os.access(parent, os.W_OK | os.X_OK):
            return CheckResult(
                name, ok=True, message=f"{folder} (missing; created on first run)"
            )
        return CheckResult(
            name, ok=False, message=f"{folder} is missing and cannot be created"
        )
    if not folder.is_dir():
        return CheckResult(name, ok=False, message=f"{folder} is not a folder")
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        return CheckResult(
            name, ok=False, message=f"{folder} is not readable and writable"
        )
    return CheckResult(name, ok=True, message=str(folder))


def _check_portal(runtime: Runtime) -> Iterator[CheckResult]:
    try:
        client = runtime.client
        described = client.call("crm.deal.fields").result
    except (ExchangeError, Bitrix24Error) as exc:
        yield CheckResult("bitrix24 webhook", ok=False, message=str(exc))
        return
    yield CheckResult(
        "bitrix24 webhook", ok=True, message="crm.deal.fields returned the deal fields"
    )
    try:
        fields = runtime.deal_fields
    except ExchangeError as exc:
        yield CheckResult("deal fields", ok=False, message=str(exc))
    else:
        codes = fields.codes
        yield CheckResult(
            "deal fields",
            ok=True,
            message=f"{codes.document_number} (string), {codes.payment_status} "
            f"(list), {codes.realization_date} ({fields.realization_date_type})",
        )
        items = ", ".join(
            f"{status.presentation} → item {fields.payment_status_items[status]}"
            for status in PaymentStatus
        )
        yield CheckResult("payment status items", ok=True, message=items)
    yield from _check_counterparty_fields(runtime, described)


def _check_counterparty_fields(
    runtime: Runtime, deal_fields: object
) -> Iterator[CheckResult]:
    settings = runtime.settings.counterparties
    if not settings.trigger_field:
        return
    described = {"deal": deal_fields}
    for entity in ("company", "contact"):
        try:
            described[entity] = runtime.client.call(f"crm.{entity}.fields").result
        except Bitrix24Error as exc:
            yield CheckResult(f"{entity} fields", ok=False, message=str(exc))
            return
    yield _field_check(
        "trigger field",
        described[settings.trigger_entity],
        settings.trigger_field,
        settings.trigger_entity,
        BOOLEAN_TYPES,
    )
    for entity in ENTITIES:
        code = settings.ref_field_for(entity)
        if code:
            yield _field_check(
                f"{entity} 1C reference field",
                described[entity],
                code,
                entity,
                STRING_TYPES,
            )


def _field_check(
    name: str, described: object, code: str, entity: str, types: set[str]
) -> CheckResult:
    field = described.get(code) if isinstance(described, dict) else None
    if not isinstance(field, dict):
        return CheckResult(
            name, ok=False, message=f"{code} does not exist on {entity} in Bitrix24"
        )
    kind = str(field.get("type", ""))
    if kind not in types:
        expected = " or ".join(sorted(types))
        return CheckResult(
            name, ok=False, message=f"{code} on {entity} is {kind}, expected {expected}"
        )
    return CheckResult(name, ok=True, message=f"{code} on {entity} ({kind})")
