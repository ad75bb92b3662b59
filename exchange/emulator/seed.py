"""Loading a portal's data from a seed (a JSON file or a mapping).

A seed is an object with these keys, all optional::

    {
      "portal": {"timezone": "Europe/Moscow"},
      "fields": {
        "deal": {
          "UF_CRM_1700000002": {
            "type": "enumeration", "label": "Статус оплаты", "id": 1002,
            "items": [{"ID": 45, "VALUE": "Не оплачен", "XML_ID": "a3f9", "SORT": 10}]
          }
        },
        "company": {...}, "contact": {...}
      },
      "presets": [{"ID": 4, "NAME": "...", "XML_ID": "..."}],
      "companies": [{"ID": 1, "TITLE": "...", "PHONE": [{"VALUE": "..."}]}],
      "contacts": [...], "deals": [...],
      "requisites": [{"ID": 1, "ENTITY_TYPE_ID": 4, "ENTITY_ID": 1, ...}],
      "bank_details": [{"ENTITY_ID": 1, "RQ_BIK": "..."}],
      "addresses": [{"TYPE_ID": 6, "ENTITY_TYPE_ID": 8, "ENTITY_ID": 1, ...}]
    }

Field ``type`` is a user field type of the portal: ``string``,
``enumeration``, ``date``, ``datetime``, ``boolean``, ``double`` or
``integer``. ``label`` is the name people see. ``id`` is the user field ID,
assigned from 1001 up when absent. ``multiple`` and ``required`` are
booleans. Rows are written as ``crm.*.update`` writes them, so a date field
takes ``"2026-11-20"`` and a list field takes the item ID; read-only ``ID``,
``DATE_CREATE`` and ``DATE_MODIFY`` may be given too. The three Russian
default requisite templates (IDs 1, 2, 3) always exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exchange import jsonio
from exchange.emulator.store import Portal

_TOP_LEVEL_KEYS = frozenset(
    {
        "portal",
        "fields",
        "presets",
        "companies",
        "contacts",
        "deals",
        "requisites",
        "bank_details",
        "addresses",
    }
)
_ENTITIES_WITH_CUSTOM_FIELDS = ("deal", "company", "contact")


def read_seed(source: Mapping[str, Any] | Path | str | None) -> dict[str, Any]:
    """Return the seed as a mapping, reading a JSON file when given a path."""
    if source is None:
        return {}
    if isinstance(source, (str, Path)):
        data = jsonio.loads(Path(source).read_bytes())
        if not isinstance(data, dict):
            raise TypeError(f"seed file {source} must contain a JSON object")
        return data
    return dict(source)


def load_seed(
    source: Mapping[str, Any] | Path | str | None, *, user_id: int = 1
) -> Portal:
    """Build a :class:`Portal` from a seed; raise ValueError for unknown keys
    and TypeError for a file that is not a JSON object."""
    seed = read_seed(source)
    unknown = sorted(set(seed) - _TOP_LEVEL_KEYS)
    if unknown:
        raise ValueError(
            f"unknown seed keys {unknown}; expected some of {sorted(_TOP_LEVEL_KEYS)}"
        )
    settings = seed.get("portal") or {}
    portal = Portal(str(settings.get("timezone", "Europe/Moscow")), user_id=user_id)
    _load_fields(portal, seed.get("fields") or {})

    for preset in seed.get("presets") or []:
        preset_id = int(preset.get("ID", 0))
        if preset_id in portal.presets:
            portal.presets[preset_id].update(
                {key: str(value) for key, value in preset.items()}
            )
        else:
            portal.add_preset(**preset)

    for company in seed.get("companies") or []:
        portal.add_company(**company)
    for contact in seed.get("contacts") or []:
        portal.add_contact(**contact)
    for deal in seed.get("deals") or []:
        portal.add_deal(**deal)

    for requisite in seed.get("requisites") or []:
        portal.add_requisite(**requisite)
    for bank_detail in seed.get("bank_details") or []:
        portal.add_bank_detail(**bank_detail)
    for address in seed.get("addresses") or []:
        portal.add_address(**address)
    return portal


def _load_fields(portal: Portal, fields: Mapping[str, Any]) -> None:
    for entity, definitions in fields.items():
        if entity not in _ENTITIES_WITH_CUSTOM_FIELDS:
            raise ValueError(
                f"custom fields of {entity!r} are not supported; "
                f"use one of {list(_ENTITIES_WITH_CUSTOM_FIELDS)}"
            )
        for code, spec in definitions.items():
            portal.add_field(
                entity,
                code,
                str(spec.get("type", "string")),
                str(spec.get("label", code)),
                items=spec.get("items") or (),
                multiple=bool(spec.get("multiple", False)),
                required=bool(spec.get("required", False)),
                userfield_id=int(spec["id"]) if "id" in spec else None,
            )
