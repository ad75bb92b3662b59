"""The settings of the service, one pydantic model per TOML section."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

_FIELD_CODE = re.compile(r"^(UF_CRM_[A-Za-z0-9_]+)?$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _check_field_code(value: str) -> str:
    value = value.strip()
    if not _FIELD_CODE.match(value):
        raise ValueError(
            f"{value!r} is not a Bitrix24 custom field code; expected UF_CRM_ "
            "followed by letters, digits or _, as crm.deal.fields, crm.company.fields "
            "or crm.contact.fields lists it"
        )
    return value


class PathsSettings(_Section):
    inbox: Path = Path("inbox")
    outbox: Path = Path("outbox")
    archive: Path = Path("archive")
    errors: Path = Path("errors")
    state: Path = Path("state/exchange.sqlite3")
    dry_run: Path = Path("dry-run")


class InboxSettings(_Section):
    source: Literal["local", "sftp"] = "local"
    observer: Literal["native", "polling"] = "native"
    settle_seconds: float = Field(5.0, ge=0)
    rescan_seconds: float = Field(60.0, gt=0)
    max_file_mib: int = Field(256, ge=1)
    max_errors: int = Field(100, ge=1)


class OutboxSettings(_Section):
    target: Literal["local", "sftp"] = "local"


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name such as "
            "Europe/Moscow or Asia/Yekaterinburg"
        ) from None
    return value


class OnecSettings(_Section):
    timezone: str = "Europe/Moscow"
    node: str = Field("B24", min_length=1, max_length=64)

    _known_zone = field_validator("timezone")(_check_zone)

    @property
    def zone(self) -> ZoneInfo:
        """The 1C base's time zone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)


class DealFieldsSettings(_Section):
    document_number: str = ""
    payment_status: str = ""
    realization_date: str = ""

    _codes = field_validator("document_number", "payment_status", "realization_date")(
        _check_field_code
    )


class Bitrix24Settings(_Section):
    webhook_url: SecretStr = SecretStr("")
    requests_per_second: float = Field(2.0, gt=0)
    burst: int = Field(50, ge=1)
    timeout_seconds: float = Field(60.0, gt=0)
    max_attempts: int = Field(6, ge=1)
    max_retry_seconds: float = Field(120.0, gt=0)
    fields_refresh_seconds: float = Field(3600.0, gt=0)
    deal_fields: DealFieldsSettings = DealFieldsSettings()
    payment_status_items: dict[str, dict[str, int | str]] = {}

    @field_validator("payment_status_items")
    @classmethod
    def _item_specs(
        cls, value: dict[str, dict[str, int | str]]
    ) -> dict[str, dict[str, int | str]]:
        from exchange.contract.enums import PaymentStatus

        names = {status.value for status in PaymentStatus}
        for key, spec in value.items():
            if key not in names:
                raise ValueError(
                    f"{key!r} is not a value of Статус оплаты; "
                    f"use one of {', '.join(sorted(names))}"
                )
            if len(spec) != 1 or next(iter(spec)) not in {"id", "xml_id", "text"}:
                raise ValueError(
                    f"{key}: give exactly one of id, xml_id or text, "
                    'e.g. { id = 1043 } or { text = "Оплачен частично" }'
                )
        return value


class OrdersSettings(_Section):
    retry_pending_seconds: float = Field(300.0, gt=0)


class CounterpartiesSettings(_Section):
    trigger_entity: Literal["deal", "company", "contact"] = "deal"
    trigger_field: str = ""
    ref_field: str = ""
    company_ref_field: str = ""
    contact_ref_field: str = ""
    export_interval_seconds: float = Field(300.0, gt=0)
    resend_after_hours: float = Field(24.0, gt=0)
    phone_region: str = "RU"

    _codes = field_validator(
        "trigger_field", "ref_field", "company_ref_field", "contact_ref_field"
    )(_check_field_code)

    def ref_field_for(self, entity: Literal["company", "contact"]) -> str:
        """The 1C-reference field of ``entity``, the per-entity one first."""
        specific = (
            self.company_ref_field if entity == "company" else self.contact_ref_field
        )
        return specific or self.ref_field


class SftpSettings(_Section):
    host: str = ""
    port: int = Field(22, ge=1, le=65535)
    username: str = ""
    password: SecretStr = SecretStr("")
    key_path: Path | None = None
    key_passphrase: SecretStr = SecretStr("")
    known_hosts: Path | None = None
    fingerprint: str = ""
    inbox: str = "inbox"
    processing: str = "inbox/processing"
    done: str = "inbox/done"
    errors: str = "inbox/errors"
    delete_done: bool = False
    outbox: str = "outbox"
    connect_timeout_seconds: float = Field(15.0, gt=0)
    operation_timeout_seconds: float = Field(60.0, gt=0)
    keepalive_seconds: int = Field(30, ge=0)


class ArchiveSettings(_Section):
    retention_days: int = Field(0, ge=0)


class EventsSettings(_Section):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=1, le=65535)
    application_token: SecretStr = SecretStr("")


class DisplaySettings(_Section):
    timezone: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone_or_empty(cls, value: str) -> str:
        value = value.strip()
        return _check_zone(value) if value else value

    @property
    def zone(self) -> ZoneInfo | None:
        """The zone of times printed for people, or None for UTC."""
        return ZoneInfo(self.timezone) if self.timezone else None


class Settings(_Section):
    """The whole configuration; paths are absolute once loaded."""

    paths: PathsSettings = PathsSettings()
    inbox: InboxSettings = InboxSettings()
    outbox: OutboxSettings = OutboxSettings()
    onec: OnecSettings = OnecSettings()
    bitrix24: Bitrix24Settings = Bitrix24Settings()
    orders: OrdersSettings = OrdersSettings()
    counterparties: CounterpartiesSettings = CounterpartiesSettings()
    sftp: SftpSettings = SftpSettings()
    archive: ArchiveSettings = ArchiveSettings()
    events: EventsSettings = EventsSettings()
    display: DisplaySettings = DisplaySettings()
