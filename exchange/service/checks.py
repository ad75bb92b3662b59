"""The checks of ``exchange check``: configuration, folders, portal, fields."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from exchange.bitrix24.errors import (
    AccessDenied,
    Bitrix24Error,
    PortalMoved,
    PortalUnavailable,
)
from exchange.bitrix24.items import PaymentItemError
from exchange.config import Settings
from exchange.config.loader import SECRETS_FILE_VARIABLE
from exchange.contract.enums import PaymentStatus
from exchange.errors import ConfigError, ExchangeError
from exchange.service.runtime import Runtime
from exchange.transport import CheckResult, check_sftp

ENTITIES: tuple[Literal["company", "contact"], ...] = ("company", "contact")
BOOLEAN_TYPES = {"boolean"}
STRING_TYPES = {"string"}
WEBHOOK_VARIABLE = "EXCHANGE_BITRIX24__WEBHOOK_URL"
NEEDS_WEBHOOK = "needs a working webhook"


@dataclass(frozen=True)
class SkippedCheck:
    """A check that did not run because an earlier check failed."""

    name: str
    reason: str


def run_checks(settings: Settings) -> Iterator[CheckResult | SkippedCheck]:
    """Yield one result per check, in the order an operator would fix them."""
    yield _check_folder("state folder", settings.paths.state.parent, "[paths] state")
    if settings.inbox.source == "local":
        yield _check_folder("inbox folder", settings.paths.inbox, "[paths] inbox")
    if settings.outbox.target == "local":
        yield _check_folder("outbox folder", settings.paths.outbox, "[paths] outbox")
    yield _check_folder("archive folder", settings.paths.archive, "[paths] archive")
    yield _check_folder("error folder", settings.paths.errors, "[paths] errors")
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


def secrets_file_problem() -> str | None:
    """Describe a secrets file that users other than its owner can access.

    Returns None when no secrets file is named, or when it is private.
    """
    name = os.environ.get(SECRETS_FILE_VARIABLE, "").strip()
    if not name or os.name != "posix":
        return None
    path = Path(name).expanduser()
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        # Loading the settings already reported a missing or unreadable file.
        return None
    if not mode & 0o077:
        return None
    return (
        f"the secrets file {path} can be read by other users (mode {mode:o}). "
        f"Run chmod 600 {path}"
    )


def _check_folder(name: str, folder: Path, setting: str) -> CheckResult:
    # A check changes nothing: a missing folder passes when the first run can
    # create it, that is when its nearest existing parent is writable.
    # ``setting`` names the configuration key that sets the folder. When its
    # environment variable is set, that is where the value came from.
    target = "a file in another folder" if setting == "[paths] state" else None
    section, key = setting.strip("[").split("] ")
    variable = f"EXCHANGE_{section.upper()}__{key.upper()}"
    if os.environ.get(variable):
        setting = variable
    elsewhere = f"set {setting} to {target or 'another folder'}"
    try:
        exists = folder.exists()
        parent = next((p for p in folder.parents if p.exists()), None)
    except OSError as exc:
        return CheckResult(
            name,
            ok=False,
            message=f"{folder} cannot be read ({exc.strerror or exc}). Give the "
            f"service's user access to it and its parent folders, or {elsewhere}.",
        )
    if not exists:
        if parent is not None and os.access(parent, os.W_OK | os.X_OK):
            return CheckResult(
                name,
                ok=True,
                message=f"{folder} (missing; created by the first exchange run)",
            )
        return CheckResult(
            name,
            ok=False,
            message=f"{folder} is missing and cannot be created because "
            f"{parent} is not writable. Create the folder, give the service's "
            f"user write access to its parent, or {elsewhere}.",
        )
    if not folder.is_dir():
        return CheckResult(
            name,
            ok=False,
            message=f"{folder} is not a folder. Move the file away or {elsewhere}.",
        )
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        return CheckResult(
            name,
            ok=False,
            message=f"{folder} is not readable and writable by the service's user. "
            f"Give that user read and write access to it, or {elsewhere}.",
        )
    return CheckResult(name, ok=True, message=str(folder))


def _check_portal(runtime: Runtime) -> Iterator[CheckResult | SkippedCheck]:
    try:
        client = runtime.client
        described = client.call("crm.deal.fields").result
    except Bitrix24Error as exc:
        message = portal_failure(exc, runtime.client.webhook.masked)
        yield CheckResult("bitrix24 webhook", ok=False, message=message)
        yield from _skipped_portal_checks(runtime.settings)
        return
    except ConfigError as exc:
        message = _webhook_config_failure(exc, runtime.settings)
        yield CheckResult("bitrix24 webhook", ok=False, message=message)
        yield from _skipped_portal_checks(runtime.settings)
        return
    except ExchangeError as exc:
        yield CheckResult("bitrix24 webhook", ok=False, message=str(exc))
        yield from _skipped_portal_checks(runtime.settings)
        return
    yield CheckResult(
        "bitrix24 webhook", ok=True, message="crm.deal.fields returned the deal fields"
    )
    try:
        fields = runtime.deal_fields
    except Bitrix24Error as exc:
        message = portal_failure(exc, client.webhook.masked)
        yield CheckResult("deal fields", ok=False, message=message)
    except PaymentItemError as exc:
        # The items are resolved after the fields passed their checks.
        configured = runtime.settings.bitrix24.deal_fields
        yield CheckResult(
            "deal fields",
            ok=True,
            message=f"{configured.document_number}, {configured.payment_status}"
            f" and {configured.realization_date} exist with the expected types",
        )
        yield CheckResult("payment status items", ok=False, message=str(exc))
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


def _skipped_portal_checks(settings: Settings) -> Iterator[SkippedCheck]:
    # The checks after the webhook's need responses from the portal, so they
    # are listed as skipped rather than left out of the output.
    names = ["deal fields", "payment status items"]
    counterparties = settings.counterparties
    if counterparties.trigger_field:
        names.append("trigger field")
        names.extend(
            f"{entity} 1C reference field"
            for entity in ENTITIES
            if counterparties.ref_field_for(entity)
        )
    for name in names:
        yield SkippedCheck(name, NEEDS_WEBHOOK)


def _webhook_config_failure(exc: ConfigError, settings: Settings) -> str:
    # The URL's own error never quotes the URL, because its path contains
    # the secret code. The message names where the URL was set instead.
    if not settings.bitrix24.webhook_url.get_secret_value().strip():
        return str(exc)
    message = str(exc).rstrip()
    if not message.endswith("."):
        message += "."
    return (
        f"{message} The URL is set in {_webhook_source()}; correct it there to "
        "the form https://<portal>/rest/<user>/<code>/."
    )


def _webhook_source() -> str:
    # Precedence of the settings loader: environment over secrets file over
    # configuration file.
    if os.environ.get(WEBHOOK_VARIABLE, "").strip():
        return WEBHOOK_VARIABLE
    secrets_file = os.environ.get(SECRETS_FILE_VARIABLE, "").strip()
    if secrets_file:
        return (
            f"the secrets file {secrets_file} ([bitrix24] webhook_url) or the "
            "configuration file"
        )
    return "the configuration file ([bitrix24] webhook_url)"


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
    head = exc.status_text
    if head and exc.description:
        return f"{head}: {exc.description}"
    return head or exc.description or "no error details"
