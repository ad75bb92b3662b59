"""Field definitions of the emulated CRM entities and how values are stored.

Values are stored as a portal returns them from classic ``crm.*`` methods:
IDs and numbers as strings, booleans as ``"1"``/``"0"``, list fields as the
item ID, dates and datetimes as ISO 8601 in the portal's time zone. A date
field stores midnight UTC of its date, so in Moscow ``2024-01-15`` reads back
as ``2024-01-15T03:00:00+03:00``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Final

IGNORED: Final = object()
"""Marker of a value that a portal silently ignores on write."""

MULTI_FIELDS = frozenset({"PHONE", "EMAIL", "WEB", "IM"})


@dataclass(frozen=True)
class ListItem:
    """One item of an enumeration (list) custom field."""

    id: int
    value: str
    xml_id: str = ""
    sort: int = 100
    default: bool = False


@dataclass(frozen=True)
class FieldDef:
    """One field of an entity as ``crm.<entity>.fields`` describes it."""

    code: str
    type: str
    title: str
    read_only: bool = False
    required: bool = False
    multiple: bool = False
    custom: bool = False
    userfield_id: int = 0
    items: tuple[ListItem, ...] = field(default_factory=tuple)

    def item_by_id(self, item_id: int) -> ListItem | None:
        """Return the enumeration item with this ID, if the field has one."""
        return next((item for item in self.items if item.id == item_id), None)


def _standard(
    *specs: tuple[str, str, str] | tuple[str, str, str, bool],
) -> dict[str, FieldDef]:
    fields: dict[str, FieldDef] = {}
    for spec in specs:
        code, field_type, title = spec[0], spec[1], spec[2]
        read_only = len(spec) > 3 and bool(spec[3])
        multiple = field_type == "crm_multifield"
        fields[code] = FieldDef(code, field_type, title, read_only, multiple=multiple)
    return fields


RO = True

STANDARD_FIELDS: Final[dict[str, dict[str, FieldDef]]] = {
    "deal": _standard(
        ("ID", "integer", "ID", RO),
        ("TITLE", "string", "Название"),
        ("TYPE_ID", "crm_status", "Тип"),
        ("CATEGORY_ID", "crm_category", "Воронка"),
        ("STAGE_ID", "crm_status", "Стадия сделки"),
        ("STAGE_SEMANTIC_ID", "string", "Группа стадии", RO),
        ("IS_NEW", "char", "Новая сделка", RO),
        ("CURRENCY_ID", "crm_currency", "Валюта"),
        ("OPPORTUNITY", "double", "Сумма"),
        ("COMPANY_ID", "crm_company", "Компания"),
        ("CONTACT_ID", "crm_contact", "Контакт"),
        ("BEGINDATE", "date", "Дата начала"),
        ("CLOSEDATE", "date", "Дата завершения"),
        ("OPENED", "char", "Доступна для всех"),
        ("CLOSED", "char", "Закрыта"),
        ("COMMENTS", "string", "Комментарий"),
        ("ASSIGNED_BY_ID", "user", "Ответственный"),
        ("CREATED_BY_ID", "user", "Кем создана", RO),
        ("MODIFY_BY_ID", "user", "Кем изменена", RO),
        ("DATE_CREATE", "datetime", "Дата создания", RO),
        ("DATE_MODIFY", "datetime", "Дата изменения", RO),
    ),
    "company": _standard(
        ("ID", "integer", "ID", RO),
        ("TITLE", "string", "Название компании"),
        ("COMPANY_TYPE", "crm_status", "Тип компании"),
        ("INDUSTRY", "crm_status", "Сфера деятельности"),
        ("HAS_PHONE", "char", "Задан телефон", RO),
        ("HAS_EMAIL", "char", "Задан e-mail", RO),
        ("OPENED", "char", "Доступна для всех"),
        ("COMMENTS", "string", "Комментарий"),
        ("ASSIGNED_BY_ID", "user", "Ответственный"),
        ("CREATED_BY_ID", "user", "Кем создана", RO),
        ("MODIFY_BY_ID", "user", "Кем изменена", RO),
        ("DATE_CREATE", "datetime", "Дата создания", RO),
        ("DATE_MODIFY", "datetime", "Дата изменения", RO),
        ("PHONE", "crm_multifield", "Телефон"),
        ("EMAIL", "crm_multifield", "E-mail"),
    ),
    "contact": _standard(
        ("ID", "integer", "ID", RO),
        ("NAME", "string", "Имя"),
        ("SECOND_NAME", "string", "Отчество"),
        ("LAST_NAME", "string", "Фамилия"),
        ("HONORIFIC", "crm_status", "Обращение"),
        ("TYPE_ID", "crm_status", "Тип контакта"),
        ("COMPANY_ID", "crm_company", "Компания"),
        ("BIRTHDATE", "date", "Дата рождения"),
        ("HAS_PHONE", "char", "Задан телефон", RO),
        ("HAS_EMAIL", "char", "Задан e-mail", RO),
        ("OPENED", "char", "Доступен для всех"),
        ("COMMENTS", "string", "Комментарий"),
        ("ASSIGNED_BY_ID", "user", "Ответственный"),
        ("CREATED_BY_ID", "user", "Кем создан", RO),
        ("MODIFY_BY_ID", "user", "Кем изменен", RO),
        ("DATE_CREATE", "datetime", "Дата создания", RO),
        ("DATE_MODIFY", "datetime", "Дата изменения", RO),
        ("PHONE", "crm_multifield", "Телефон"),
        ("EMAIL", "crm_multifield", "E-mail"),
    ),
    "requisite": _standard(
        ("ID", "integer", "ID", RO),
        ("ENTITY_TYPE_ID", "integer", "Тип родительской сущности"),
        ("ENTITY_ID", "integer", "ID родительской сущности"),
        ("PRESET_ID", "integer", "Шаблон"),
        ("NAME", "string", "Название"),
        ("ACTIVE", "char", "Активен"),
        ("SORT", "integer", "Сортировка"),
        ("XML_ID", "string", "Внешний ключ"),
        ("DATE_CREATE", "datetime", "Дата создания", RO),
        ("DATE_MODIFY", "datetime", "Дата изменения", RO),
        ("RQ_INN", "string", "ИНН"),
        ("RQ_KPP", "string", "КПП"),
        ("RQ_OGRN", "string", "ОГРН"),
        ("RQ_OGRNIP", "string", "ОГРНИП"),
        ("RQ_OKPO", "string", "ОКПО"),
        ("RQ_COMPANY_NAME", "string", "Сокращенное наименование организации"),
        ("RQ_COMPANY_FULL_NAME", "string", "Полное наименование организации"),
        ("RQ_LAST_NAME", "string", "Фамилия"),
        ("RQ_FIRST_NAME", "string", "Имя"),
        ("RQ_SECOND_NAME", "string", "Отчество"),
    ),
    "bankdetail": _standard(
        ("ID", "integer", "ID", RO),
        ("ENTITY_ID", "integer", "ID реквизита"),
        ("COUNTRY_ID", "integer", "Страна"),
        ("NAME", "string", "Название"),
        ("ACTIVE", "char", "Активен"),
        ("SORT", "integer", "Сортировка"),
        ("RQ_BANK_NAME", "string", "Наименование банка"),
        ("RQ_BIK", "string", "БИК"),
        ("RQ_ACC_NUM", "string", "Расчётный счёт"),
        ("RQ_COR_ACC_NUM", "string", "Корр. счёт"),
        ("RQ_ACC_CURRENCY", "string", "Валюта счёта"),
    ),
    "address": _standard(
        ("TYPE_ID", "integer", "Тип адреса"),
        ("ENTITY_TYPE_ID", "integer", "Тип родительской сущности"),
        ("ENTITY_ID", "integer", "ID родительской сущности"),
        ("ADDRESS_1", "string", "Улица, дом, корпус, строение"),
        ("ADDRESS_2", "string", "Квартира / офис"),
        ("CITY", "string", "Город"),
        ("POSTAL_CODE", "string", "Почтовый индекс"),
        ("REGION", "string", "Район"),
        ("PROVINCE", "string", "Область"),
        ("COUNTRY", "string", "Страна"),
        ("COUNTRY_CODE", "string", "Код страны"),
        ("ANCHOR_TYPE_ID", "integer", "Тип основной родительской сущности"),
        ("ANCHOR_ID", "integer", "ID основной родительской сущности"),
    ),
    "preset": _standard(
        ("ID", "integer", "ID", RO),
        ("ENTITY_TYPE_ID", "integer", "Тип сущности"),
        ("COUNTRY_ID", "integer", "Страна"),
        ("NAME", "string", "Название"),
        ("XML_ID", "string", "Внешний ключ"),
        ("ACTIVE", "char", "Активен"),
        ("SORT", "integer", "Сортировка"),
    ),
}

_ISO_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?$"
)
_DOTTED_DATE = re.compile(
    r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_datetime(text: str, zone: tzinfo) -> datetime | None:
    """Parse the date forms of PHP ``strtotime`` that the emulator supports.

    ``YYYY-MM-DD`` with an optional time and offset, ``DD.MM.YYYY`` with an
    optional time, and ``MM/DD/YYYY`` (so ``01/02/2024`` is 2 January).
    A value without an offset is read in ``zone``; anything else is None.
    """
    text = text.strip()
    try:
        if match := _ISO_DATETIME.match(text):
            year, month, day, hour, minute, second, offset = match.groups()
            moment = datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                tzinfo=zone,
            )
            if offset is None:
                return moment
            naive_text = moment.replace(tzinfo=None).isoformat()
            return datetime.fromisoformat(naive_text + _offset_text(offset))
        if match := _DOTTED_DATE.match(text):
            day, month, year, hour, minute, second = match.groups()
            return datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                tzinfo=zone,
            )
        if match := _US_DATE.match(text):
            month, day, year = match.groups()
            return datetime(int(year), int(month), int(day), tzinfo=zone)
    except ValueError:
        return None
    return None


def _offset_text(offset: str) -> str:
    if offset == "Z":
        return "+00:00"
    if ":" not in offset:
        return f"{offset[:3]}:{offset[3:]}"
    return offset


def render_date(day: date, zone: tzinfo) -> str:
    """Render a date field's value: midnight UTC shown in the portal's zone."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return midnight.astimezone(zone).isoformat(timespec="seconds")


def render_datetime(moment: datetime, zone: tzinfo) -> str:
    """Render a datetime in the portal's zone, as ISO 8601 with an offset."""
    return moment.astimezone(zone).isoformat(timespec="seconds")


_TRUE_TEXTS = frozenset({"1", "y", "true", "on"})


def normalize(definition: FieldDef, value: Any, zone: tzinfo) -> Any:
    """Return the stored form of a written value, or ``IGNORED``.

    ``""`` clears a field. A JSON null is ignored for date and datetime
    fields and clears the others. Values that do not parse for their type
    (a date ``strtotime`` would reject, an unknown list item) are ignored,
    as a portal ignores them without an error.
    """
    kind = definition.type
    if value is None:
        return IGNORED if kind in {"date", "datetime"} else None
    if isinstance(value, (list, dict)) and not definition.multiple:
        return IGNORED
    text = str(value)
    if isinstance(value, bool):
        text = "1" if value else "0"
    if kind == "boolean":
        return "1" if text.strip().lower() in _TRUE_TEXTS else "0"
    if text == "":
        return ""
    if kind in {"integer", "user", "crm_company", "crm_contact", "crm_category"}:
        return text.strip() if text.strip().lstrip("-").isdigit() else IGNORED
    if kind == "double":
        try:
            return f"{float(text):.2f}"
        except ValueError:
            return IGNORED
    if kind == "enumeration":
        if not text.strip().isdigit() or definition.item_by_id(int(text)) is None:
            return IGNORED
        return str(int(text))
    if kind == "date":
        moment = parse_datetime(text, zone)
        return IGNORED if moment is None else render_date(moment.date(), zone)
    if kind == "datetime":
        moment = parse_datetime(text, zone)
        return IGNORED if moment is None else render_datetime(moment, zone)
    return text


def comparison_key(
    definition: FieldDef | None, value: Any, zone: tzinfo
) -> tuple[int, Any]:
    """Return a key that orders and compares values of this field's type.

    The key is a (rank, value) pair, so empty values (rank 0) sort before
    numbers (rank 1) and text (rank 2) and mixed types never meet. Dates
    compare by their instant, a bare ``YYYY-MM-DD`` of a date field as midnight
    UTC, as a date field stores it.
    """
    if value is None or value == "":
        return (0, "")
    kind = definition.type if definition is not None else "string"
    text = str(value).strip()
    if kind in {
        "integer",
        "user",
        "crm_company",
        "crm_contact",
        "double",
        "enumeration",
    }:
        try:
            return (1, float(text))
        except ValueError:
            return (2, text)
    if kind in {"date", "datetime"}:
        bare_date = kind == "date" and len(text) == 10
        moment = parse_datetime(text, UTC if bare_date else zone)
        if moment is None:
            return (2, text)
        return (2, moment.astimezone(UTC).isoformat())
    if kind == "boolean":
        return (2, "1" if text.lower() in _TRUE_TEXTS else "0")
    # Text compares as stored, so " ТЛ-1 " does not equal "ТЛ-1".
    return (2, str(value))
