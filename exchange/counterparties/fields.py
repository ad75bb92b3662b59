"""The custom fields of the counterparty flow, read from settings and checked.

The portal silently drops unknown filter keys and ignores unknown field
codes on update, so a misspelt code would export every deal or write no
reference without any error. ``resolve_fields`` therefore checks the codes
against ``crm.<entity>.fields`` once per run, in one ``batch`` request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from exchange.errors import ConfigError

if TYPE_CHECKING:
    from exchange.bitrix24 import Bitrix24Client
    from exchange.bitrix24.client import Command
    from exchange.config.settings import CounterpartiesSettings

Entity = Literal["company", "contact"]
TriggerEntity = Literal["deal", "company", "contact"]

# Values in which classic crm.* methods and crm.item return a set boolean.
_SET_FLAG_VALUES = frozenset({"1", "y", "true"})


@dataclass(frozen=True, slots=True)
class FlowFields:
    """Field codes of the flow: the trigger flag and the 1C-reference fields."""

    trigger_entity: TriggerEntity
    trigger_field: str
    company_ref_field: str
    contact_ref_field: str

    def ref_field(self, entity: Entity) -> str:
        """Return the 1C-reference field code of ``entity``."""
        return self.company_ref_field if entity == "company" else self.contact_ref_field


def fields_from_settings(settings: CounterpartiesSettings) -> FlowFields:
    """Read the field codes; raise ``ConfigError`` for one that is not set."""
    if not settings.trigger_field:
        raise ConfigError(
            "[counterparties] trigger_field is not set; give the UF_CRM_ code of "
            f"the {settings.trigger_entity} field «Подлежит загрузке в 1С»"
        )
    refs = {entity: settings.ref_field_for(entity) for entity in ("company", "contact")}
    for entity, code in refs.items():
        if not code:
            raise ConfigError(
                f"[counterparties] ref_field (or {entity}_ref_field) is not set; "
                f"give the UF_CRM_ code of the {entity} field that stores the 1C "
                "reference"
            )
    return FlowFields(
        trigger_entity=settings.trigger_entity,
        trigger_field=settings.trigger_field,
        company_ref_field=refs["company"],
        contact_ref_field=refs["contact"],
    )


def check_fields(client: Bitrix24Client, fields: FlowFields) -> None:
    """Check that every configured field exists on the portal.

    Raises ``ConfigError`` naming the missing field and setting.
    """
    wanted: dict[str, list[tuple[str, str]]] = {
        fields.trigger_entity: [("trigger_field", fields.trigger_field)],
    }
    wanted.setdefault("company", []).append(("ref_field", fields.company_ref_field))
    wanted.setdefault("contact", []).append(("ref_field", fields.contact_ref_field))
    commands: dict[str, Command] = {
        entity: (f"crm.{entity}.fields", {}) for entity in wanted
    }
    outcome = client.batch(commands)
    for entity, checks in wanted.items():
        error = outcome.errors.get(entity)
        if error is not None:
            raise ConfigError(
                f"cannot read the {entity} fields of the portal to check "
                f"[counterparties] settings: {error}"
            )
        described: Any = outcome.results.get(entity) or {}
        for setting, code in checks:
            if code not in described:
                raise ConfigError(
                    f"[counterparties] {setting} names {code}, but the portal has "
                    f"no {entity} field {code}; copy the code from crm.{entity}.fields"
                )


def flag_is_set(value: object) -> bool:
    """Tell whether a boolean field value read from the portal is set.

    Classic methods return "1"/"0", crm.item returns "Y"/"N", and some
    answers carry JSON booleans or numbers.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in _SET_FLAG_VALUES
    return False
