"""In-memory data of the emulated portal: CRM rows and field definitions.

Tests read and change rows directly (``portal.deals[101]["TITLE"]``); the
REST methods go through :meth:`Portal.update` so values are stored in the
portal's read-back form (see :mod:`exchange.emulator.fields`). All access
from the server's threads holds :attr:`Portal.lock`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from exchange.emulator.fields import (
    IGNORED,
    MULTI_FIELDS,
    STANDARD_FIELDS,
    FieldDef,
    ListItem,
    normalize,
    render_datetime,
)
from exchange.emulator.row_index import FieldIndex, Key

# Read-only fields that a seed or a test may still set when it adds a row.
_SEEDABLE = frozenset(
    {"ID", "DATE_CREATE", "DATE_MODIFY", "CREATED_BY_ID", "MODIFY_BY_ID"}
)
_ID_TABLES = ("deal", "company", "contact", "requisite", "bankdetail", "preset")
# CLOSEDATE of a deal added without one: its creation date plus this many days.
_DEFAULT_DEAL_DAYS = 7


class Portal:
    """Rows of deals, companies, contacts and requisites, with their fields."""

    def __init__(
        self,
        timezone: str = "Europe/Moscow",
        *,
        user_id: int = 1,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.zone = ZoneInfo(timezone)
        self.user_id = user_id
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        self.fields: dict[str, dict[str, FieldDef]] = {
            entity: dict(definitions) for entity, definitions in STANDARD_FIELDS.items()
        }
        self.deals: dict[int, dict[str, Any]] = {}
        self.companies: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.requisites: dict[int, dict[str, Any]] = {}
        self.bank_details: dict[int, dict[str, Any]] = {}
        self.presets: dict[int, dict[str, Any]] = {}
        self.addresses: list[dict[str, Any]] = []
        self._next_userfield_id = 1001
        self._next_multifield_id = 1
        self._indexes: dict[tuple[str, str], FieldIndex] = {}
        # The highest ID each table has held, so that a deleted ID is not reused.
        self._last_ids: dict[str, int] = {}
        self.add_default_presets()

    def table(self, entity: str) -> dict[int, dict[str, Any]]:
        """Return the rows of ``deal``, ``company``, ``contact``, ``requisite``,
        ``bankdetail`` or ``preset`` by ID."""
        tables = {
            "deal": self.deals,
            "company": self.companies,
            "contact": self.contacts,
            "requisite": self.requisites,
            "bankdetail": self.bank_details,
            "preset": self.presets,
        }
        return tables[entity]

    def find_rows(
        self, entity: str, code: str, keys: Iterable[Key]
    ) -> list[dict[str, Any]]:
        """Return the rows of a table whose field ``code`` has one of ``keys``.

        Keys are :func:`~exchange.emulator.fields.comparison_key` values and
        rows come in table order. The lookup reads an index per entity and
        field, which is built on first use. ``code`` must name a single-value
        field of the entity.
        """
        with self.lock:
            definition = self.fields[entity][code]
            if definition.multiple:
                raise ValueError(
                    f"{entity} field {code} is a multiple field, "
                    "which the index does not support"
                )
            index = self._indexes.get((entity, code))
            if index is None:
                index = self._indexes[(entity, code)] = FieldIndex(code)
            return index.lookup(self.table(entity), definition, self.zone, keys)

    def now_text(self) -> str:
        """Return the current time as the portal renders a datetime."""
        return render_datetime(self.clock(), self.zone)

    def add_field(
        self,
        entity: str,
        code: str,
        field_type: str,
        label: str,
        *,
        items: Iterable[ListItem | Mapping[str, Any]] = (),
        multiple: bool = False,
        required: bool = False,
        userfield_id: int | None = None,
    ) -> FieldDef:
        """Define a custom field ``UF_CRM_...`` of ``deal``, ``company`` or
        ``contact``; list items are :class:`ListItem` or seed mappings."""
        if not code.startswith("UF_"):
            raise ValueError(f"custom field code {code!r} must start with UF_")
        if userfield_id is None:
            userfield_id = self._next_userfield_id
        self._next_userfield_id = max(self._next_userfield_id, userfield_id) + 1
        definition = FieldDef(
            code=code,
            type=field_type,
            title=label,
            required=required,
            multiple=multiple,
            custom=True,
            userfield_id=userfield_id,
            items=tuple(_list_item(item) for item in items),
        )
        with self.lock:
            self.fields[entity][code] = definition
        return definition

    def add_default_presets(self) -> None:
        """Add the three Russian default requisite templates, IDs 1 to 3."""
        defaults = [
            (1, "Организация", "#CRM_REQUISITE_PRESET_DEF_RU_COMPANY#"),
            (2, "ИП", "#CRM_REQUISITE_PRESET_DEF_RU_INDIVIDUAL#"),
            (3, "Физ. лицо", "#CRM_REQUISITE_PRESET_DEF_RU_PERSON#"),
        ]
        for preset_id, name, xml_id in defaults:
            self.add_preset(
                ID=preset_id, NAME=name, XML_ID=xml_id, SORT=preset_id * 500
            )

    def add_deal(self, **fields: Any) -> int:
        """Add a deal and return its ID; values are written as by the API."""
        defaults = {
            "TITLE": "",
            "TYPE_ID": "SALE",
            "CATEGORY_ID": "0",
            "STAGE_ID": "NEW",
            "CURRENCY_ID": "RUB",
            "OPPORTUNITY": "0.00",
            "OPENED": "Y",
            "COMPANY_ID": "0",
            "CONTACT_ID": None,
        }
        return self.add_row("deal", {**defaults, **fields})

    def create_deal(self, fields: Mapping[str, Any]) -> int:
        """Add a deal as ``crm.deal.add`` does and return its ID.

        Like :meth:`update`, it ignores unknown and read-only field codes
        (``ID`` and the dates and authors included) and unparsable values.
        As the Bitrix24 REST documentation of crm.deal.add describes, a
        missing or blank TITLE becomes ``Сделка #<ID>``, BEGINDATE defaults
        to today in the portal's time zone and CLOSEDATE to today plus 7 days.
        """
        definitions = self.fields["deal"]
        writable = {
            code: value
            for code, value in fields.items()
            if code in definitions and not definitions[code].read_only
        }
        today = self.clock().astimezone(self.zone).date()
        defaults = {
            "BEGINDATE": today,
            "CLOSEDATE": today + timedelta(days=_DEFAULT_DEAL_DAYS),
        }
        with self.lock:
            deal_id = self.add_deal(**writable)
            row = self.deals[deal_id]
            for code, day in defaults.items():
                if not row.get(code):
                    row[code] = normalize(definitions[code], day.isoformat(), self.zone)
            if not str(row.get("TITLE") or "").strip():
                row["TITLE"] = f"Сделка #{deal_id}"
            return deal_id

    def add_company(self, **fields: Any) -> int:
        """Add a company and return its ID."""
        defaults = {"TITLE": "", "COMPANY_TYPE": "CUSTOMER", "OPENED": "Y"}
        return self.add_row("company", {**defaults, **fields})

    def add_contact(self, **fields: Any) -> int:
        """Add a contact and return its ID."""
        defaults = {"NAME": "", "LAST_NAME": "", "SECOND_NAME": "", "OPENED": "Y"}
        return self.add_row("contact", {**defaults, **fields})

    def add_requisite(self, **fields: Any) -> int:
        """Add a requisite; ENTITY_TYPE_ID 4 hangs it off a company, 3 a contact."""
        defaults = {"ACTIVE": "Y", "SORT": "500", "PRESET_ID": "1", "NAME": ""}
        return self.add_row("requisite", {**defaults, **fields})

    def add_bank_detail(self, **fields: Any) -> int:
        """Add bank details of the requisite named by ENTITY_ID."""
        defaults = {"ACTIVE": "Y", "SORT": "500", "COUNTRY_ID": "1", "NAME": ""}
        return self.add_row("bankdetail", {**defaults, **fields})

    def add_preset(self, **fields: Any) -> int:
        """Add a requisite template."""
        defaults = {"ENTITY_TYPE_ID": "8", "COUNTRY_ID": "1", "ACTIVE": "Y"}
        return self.add_row("preset", {**defaults, **fields})

    def add_address(self, **fields: Any) -> None:
        """Add an address; TYPE_ID 1 actual, 4 registration, 6 legal, 8 postal."""
        row: dict[str, Any] = dict.fromkeys(self.fields["address"])
        with self.lock:
            self._write("address", row, fields, creating=True)
            self.addresses.append(row)

    def add_row(self, entity: str, fields: Mapping[str, Any]) -> int:
        """Add a row to an entity table with ID, dates and authors filled in."""
        with self.lock:
            table = self.table(entity)
            last_id = max(max(table, default=0), self._last_ids.get(entity, 0))
            row_id = int(fields.get("ID") or last_id + 1)
            if row_id in table:
                raise ValueError(f"{entity} {row_id} already exists")
            self._last_ids[entity] = max(last_id, row_id)
            now = self.now_text()
            row: dict[str, Any] = {"ID": str(row_id)}
            if "DATE_CREATE" in self.fields[entity]:
                row.update(DATE_CREATE=now, DATE_MODIFY=now)
            if "ASSIGNED_BY_ID" in self.fields[entity]:
                author = str(self.user_id)
                row.update(ASSIGNED_BY_ID=author, CREATED_BY_ID=author)
                row["MODIFY_BY_ID"] = author
            for definition in self.fields[entity].values():
                if definition.custom:
                    row[definition.code] = "0" if definition.type == "boolean" else None
            self._write(entity, row, {**fields, "ID": str(row_id)}, creating=True)
            self._derive(entity, row)
            table[row_id] = row
            return row_id

    def update(self, entity: str, row_id: int, fields: Mapping[str, Any]) -> bool:
        """Write fields as ``crm.<entity>.update`` does; False if no such row.

        Unknown and read-only field codes and unparsable values are ignored,
        and DATE_MODIFY moves to now even when nothing else changed.
        """
        with self.lock:
            row = self.table(entity).get(row_id)
            if row is None:
                return False
            self._write(entity, row, fields, creating=False)
            self._derive(entity, row)
            if "DATE_MODIFY" in self.fields[entity]:
                row["DATE_MODIFY"] = self.now_text()
                row["MODIFY_BY_ID"] = str(self.user_id)
            return True

    def update_deal(self, deal_id: int, **fields: Any) -> bool:
        """Change a deal as a manager would; False if it does not exist."""
        return self.update("deal", deal_id, fields)

    def update_company(self, company_id: int, **fields: Any) -> bool:
        """Change a company; False if it does not exist."""
        return self.update("company", company_id, fields)

    def update_contact(self, contact_id: int, **fields: Any) -> bool:
        """Change a contact; False if it does not exist."""
        return self.update("contact", contact_id, fields)

    def update_requisite(self, requisite_id: int, **fields: Any) -> bool:
        """Change a requisite; False if it does not exist."""
        return self.update("requisite", requisite_id, fields)

    def _write(
        self,
        entity: str,
        row: dict[str, Any],
        fields: Mapping[str, Any],
        *,
        creating: bool,
    ) -> None:
        definitions = self.fields[entity]
        for code, value in fields.items():
            definition = definitions.get(code)
            if definition is None:
                continue
            if code in MULTI_FIELDS:
                row[code] = self._merge_multifield(code, row.get(code) or [], value)
                continue
            if definition.read_only and not (creating and code in _SEEDABLE):
                continue
            stored = normalize(definition, value, self.zone)
            if stored is not IGNORED:
                row[code] = stored

    def _merge_multifield(
        self, code: str, current: list[dict[str, Any]], changes: Any
    ) -> list[dict[str, Any]]:
        """Apply PHONE/EMAIL changes: no ID adds, ID with VALUE changes, ID with
        ``DELETE: "Y"`` or an empty VALUE removes; untouched items stay."""
        items = [dict(item) for item in current]
        if isinstance(changes, dict):
            changes = list(changes.values())
        if not isinstance(changes, list):
            return items
        for change in changes:
            if not isinstance(change, dict):
                continue
            item_id = str(change.get("ID") or "")
            value = str(change.get("VALUE") or "")
            existing = next((item for item in items if item["ID"] == item_id), None)
            if existing is None:
                if value:
                    items.append(self._new_multifield_item(code, change, value))
                continue
            if str(change.get("DELETE", "")).upper() == "Y" or not value:
                items.remove(existing)
                continue
            existing["VALUE"] = value
            if change.get("VALUE_TYPE"):
                existing["VALUE_TYPE"] = str(change["VALUE_TYPE"])
        return items

    def _new_multifield_item(
        self, code: str, change: Mapping[str, Any], value: str
    ) -> dict[str, Any]:
        item_id = self._next_multifield_id
        self._next_multifield_id += 1
        return {
            "ID": str(item_id),
            "VALUE_TYPE": str(change.get("VALUE_TYPE") or "WORK"),
            "VALUE": value,
            "TYPE_ID": code,
        }

    def _derive(self, entity: str, row: dict[str, Any]) -> None:
        """Recompute the fields a portal derives from others."""
        if entity == "deal":
            stage = str(row.get("STAGE_ID") or "")
            semantic = (
                "S" if stage.endswith("WON") else "F" if stage.endswith("LOSE") else "P"
            )
            row["STAGE_SEMANTIC_ID"] = semantic
            row["CLOSED"] = "N" if semantic == "P" else "Y"
            row.setdefault("IS_NEW", "N")
        if entity in {"company", "contact"}:
            row["HAS_PHONE"] = "Y" if row.get("PHONE") else "N"
            row["HAS_EMAIL"] = "Y" if row.get("EMAIL") else "N"


def _list_item(item: ListItem | Mapping[str, Any]) -> ListItem:
    if isinstance(item, ListItem):
        return item
    return ListItem(
        id=int(item["ID"]),
        value=str(item["VALUE"]),
        xml_id=str(item.get("XML_ID", "")),
        sort=int(item.get("SORT", 100)),
        default=str(item.get("DEF", "N")).upper() == "Y",
    )
