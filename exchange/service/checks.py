"""The checks of ``exchange check``: configuration, folders, portal, fields."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from exchange.bitrix24.errors import (
    AccessDenied,
    Bitrix24Error,
    PortalMoved,
    PortalUnavailable,
)
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
    # A check retries a request once at most: an operator waits for the
    # result, and a run's six attempts with backoff take up to two minutes.
    quick = settings.model_copy(
        update={
            "bitrix24": settings.bitrix24.model_copy(
                update={"max_attempts": min(2, settings.bitrix24.max_attempts)}
            )
        }
    )
    runtime = Runtime(quick, lock=False)
    try:
        if "sftp" in (settings.inbox.source, settings.outbox.target):
            try:
                for result in check_sftp(runtime.sftp_settings):
                    yield _with_sftp_fix(result, runtime.settings.sftp.username)
            except ExchangeError as exc:
                yield CheckResult("sftp", ok=False, message=str(exc))
        yield from _check_portal(runtime)
    finally:
        runtime.close()


def _with_sftp_fix(result: CheckResult, username: str) -> CheckResult:
    # The SFTP checks name what failed; the fix depends on which check it is.
    if result.ok:
        return result
    if result.name.startswith("sftp folder"):
        fix = (
            "Create the folder on the server, give the SFTP user "
            f"{username!r} read and write access to it, or correct its path in "
            "[sftp]."
        )
    elif result.name == "sftp connection":
        fix = (
            "Check that the server runs SSH with the SFTP subsystem on that host "
            "and port, and the firewall between them."
        )
    else:
        return result
    message = result.message.rstrip()
    if not message.endswith("."):
        message += "."
    return CheckResult(result.name, ok=False, message=f"{message} {fix}")


def _check_folder(name: str, folder: Path) -> CheckResult:
    # A check changes nothing: a missing folder passes when the first run can
    # create it, that is when its nearest existing parent is writable.
    try:
        exists = folder.exists()
        parent = next((p for p in folder.parents if p.exists()), None)
    except OSError as exc:
        return CheckResult(
            name,
            ok=False,
            message=f"{folder} cannot be read ({exc.strerror or exc}). Give the "
            "service's user access to it and its parent folders.",
        )
    if not exists:
        if parent is not None and os.access(parent, os.W_OK | os.X_OK):
            return CheckResult(
                name, ok=True, message=f"{folder} (missing; created on first run)"
            )
        return CheckResult(
            name,
            ok=False,
            message=f"{folder} is missing and cannot be created because "
            f"{parent} is not writable. Create the folder, or give the service's "
            "user write access to its parent.",
        )
    if not folder.is_dir():
        return CheckResult(
            name,
            ok=False,
            message=f"{folder} is not a folder. Move the file away or set [paths] "
            "to a folder.",
        )
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        return CheckResult(
            name,
            ok=False,
            message=f"{folder} is not readable and writable by the service's user. "
            "Give that user read and write access to it.",
        )
    return CheckResult(name, ok=True, message=str(folder))


def _check_portal(runtime: Runtime) -> Iterator[CheckResult]:
    try:
        client = runtime.client
        described = client.call("crm.deal.fields").result
    except Bitrix24Error as exc:
        message = portal_failure(exc, runtime.client.webhook.masked)
        yield CheckResult("bitrix24 webhook", ok=False, message=message)
        return
    except ExchangeError as exc:
        yield CheckResult("bitrix24 webhook", ok=False, message=str(exc))
        return
    yield CheckResult(
        "bitrix24 webhook", ok=True, message="crm.deal.fields returned the deal fields"
    )
    try:
        fields = runtime.deal_fields
    except Bitrix24Error as exc:
        message = portal_failure(exc, client.webhook.masked)
        yield CheckResult("deal fields", ok=False, message=message)
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
            message = portal_failure(exc, runtime.client.webhook.masked)
            yield CheckResult(f"{entity} fields", ok=False, message=message)
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
            name,
            ok=False,
            message=f"{code} does not exist on {entity} in Bitrix24. Create the "
            f"custom field on the {entity}, or correct the code in [counterparties].",
        )
    kind = str(field.get("type", ""))
    if kind not in types:
        expected = " or ".join(sorted(types))
        return CheckResult(
            name,
            ok=False,
            message=f"{code} on {entity} is {kind}, expected {expected}. Name a "
            f"field of type {expected} in [counterparties].",
        )
    return CheckResult(name, ok=True, message=f"{code} on {entity} ({kind})")


def portal_failure(exc: Bitrix24Error, webhook: str) -> str:
    """Describe a failed portal request and its fix, for a check line.

    The client's own messages are written for runs ("The run stopped."). A
    check runs nothing, so the text is rebuilt from the error's code, HTTP
    status and method. ``webhook`` is the masked URL.
    """
    request = f"Bitrix24 {exc.method or 'request'}"
    summary = _summary(exc)
    if isinstance(exc, AccessDenied):
        if exc.code.upper() == "OVERLOAD_LIMIT":
            return (
                f"{request} was rejected ({summary}): the portal's administrators "
                "blocked this integration. Ask them to lift the block, then run "
                "exchange check again."
            )
        return (
            f"{request} was rejected ({summary}): the portal does not accept the "
            f"webhook {webhook}. Check that the webhook still exists in Bitrix24 "
            "and has the crm permission, or set a new URL in "
            "EXCHANGE_BITRIX24__WEBHOOK_URL."
        )
    if isinstance(exc, PortalMoved):
        return str(exc)
    if isinstance(exc, PortalUnavailable):
        return (
            f"{request} failed ({summary}): the portal could not be reached through "
            f"{webhook}. Check the portal address in the webhook URL, the network "
            "and the firewall, then run exchange check again."
        )
    return (
        f"{request} failed ({summary}). Check that the webhook {webhook} has the crm "
        "permission and that the portal's CRM is enabled."
    )


def _summary(exc: Bitrix24Error) -> str:
    head = " ".join(
        part
        for part in (
            f"HTTP {exc.http_status}" if exc.http_status is not None else "",
            exc.code,
        )
        if part
    )
    if head and exc.description:
        return f"{head}: {exc.description}"
    return head or exc.description or "no error details"
