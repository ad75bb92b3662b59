"""Turn JSON Schema violations into problems a 1C operator can act on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from jsonschema import ValidationError

from exchange.contract.enums import INCOMING_KINDS, PackageKind
from exchange.contract.problems import Problem, pointer, show_value
from exchange.contract.schemas import common_schema, definition_name, field_schema
from exchange.contract.values import EMPTY_DATE_PREFIX, is_empty_date_time

_REQUIRED_DATE_TIME_RULE: Final = (
    "is not a date-time",
    (
        "must be set and written as YYYY-MM-DDThh:mm:ss, optionally with a "
        "fraction and Z or an offset such as +03:00; the empty date is not "
        "accepted here"
    ),
)

# For each value definition of common.schema.json: what a bad value is not,
# and how the field must be written.
VALUE_RULES: Final[Mapping[str, tuple[str, str]]] = {
    "date": (
        "is not a date",
        (
            "must be written as YYYY-MM-DD (a date-time is accepted, its time is "
            'ignored), or 0001-01-01T00:00:00, "" or null for empty'
        ),
    ),
    "date_time": (
        "is not a date-time",
        (
            "must be written as YYYY-MM-DDThh:mm:ss, optionally with a fraction and "
            'Z or an offset such as +03:00, or 0001-01-01T00:00:00, "" or null for '
            "empty"
        ),
    ),
    "required_date_time": _REQUIRED_DATE_TIME_RULE,
    # The envelope's created_at has its own definition in common.schema.json,
    # and build.py reports the values its parser rejects under that name.
    "created_at": _REQUIRED_DATE_TIME_RULE,
    "local_date_time": (
        "is not a local date-time",
        "must be written as YYYY-MM-DDThh:mm:ss without fraction or offset",
    ),
    "required_local_date_time": (
        "is not a local date-time",
        "must be set and written as YYYY-MM-DDThh:mm:ss without fraction or offset",
    ),
    "reference": (
        "is not a reference",
        (
            "must be a UUID (Ссылка.УникальныйИдентификатор()), or "
            '00000000-0000-0000-0000-000000000000, "" or null for none'
        ),
    ),
    "required_reference": (
        "is not a reference",
        (
            "must be the UUID of the object (Ссылка.УникальныйИдентификатор()) and "
            "must not be the empty reference"
        ),
    ),
    "uuid": (
        "is not a UUID",
        "must be a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e",
    ),
    "lower_uuid": ("is not a lower-case UUID", "must be a UUID in lower case"),
    "enumeration": (
        "is not a known value",
        (
            'must be the value name or its presentation as a string, or "" or null '
            "for empty"
        ),
    ),
    "string_or_null": ("is not a string", 'must be a string, or "" or null for empty'),
    "flag": ("is not a boolean", "must be true or false (without quotes)"),
    "text": ("is not a string", 'must be a string ("" when not known)'),
    "sha256": ("is not a SHA-256 hash", "must be 64 lower-case hex digits"),
}

REQUIRED_DATE_TIMES: Final = frozenset(
    {"required_date_time", "required_local_date_time", "created_at"}
)
DATE_TIMES: Final = REQUIRED_DATE_TIMES | {"date_time", "local_date_time"}

_JSON_TYPE_NAMES: Final = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
    "object": "an object",
    "array": "an array",
}

XDTO_KEYS: Final = frozenset({"#type", "#value"})
XDTO_RULE: Final = (
    'is written in XDTO form ({"#type": ..., "#value": ...}); the contract '
    "expects plain JSON values written with ЗаписатьJSON(), without "
    "СериализаторXDTO: write the value itself"
)


def is_xdto(value: Any) -> bool:
    """Tell whether a value has the shape of 1C's XDTO serialization."""
    return isinstance(value, dict) and bool(XDTO_KEYS & value.keys())


def json_type_name(value: Any) -> str:
    """Name the JSON type of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def field_label(schema: Mapping[str, Any], path: tuple[str | int, ...]) -> str:
    """Name a field by its 1C attribute (the schema title) and its JSON name."""
    title = schema.get("title")
    name = next((step for step in reversed(path) if isinstance(step, str)), "")
    if title and name:
        return f"{title} ({name})"
    return str(title or name or "the value")


def value_problem(
    kind: PackageKind,
    path: tuple[str | int, ...],
    value: Any,
    detail: str = "",
    definition: str | None = None,
) -> Problem:
    """Describe a value that breaks the rule of its field.

    ``definition`` names the common definition that the value broke; by
    default it is the one the field's schema refers to.
    """
    schema = field_schema(kind, path)
    label = field_label(schema, path)
    if is_xdto(value):
        return Problem(pointer(path), show_value(value), f"{label} {XDTO_RULE}")
    definition = definition or definition_name(schema) or ""
    if (
        definition in DATE_TIMES
        and isinstance(value, str)
        and value.startswith(EMPTY_DATE_PREFIX)
    ):
        message = empty_day_message(label, value, definition in REQUIRED_DATE_TIMES)
        return Problem(pointer(path), show_value(value), message)
    rule = VALUE_RULES.get(definition)
    if rule is not None:
        noun, how = rule
        message = f"{noun}; {label} {how}"
    else:
        message = f"{label} is invalid"
    if detail:
        message = f"{message} ({detail})"
    return Problem(pointer(path), show_value(value), message)


def empty_day_message(label: str, value: str, required: bool) -> str:
    """Explain a date-time on 0001-01-01, the day of 1C's empty date."""
    if is_empty_date_time(value):
        # Only a field that must be set rejects the empty date itself.
        return (
            f"is 1C's empty date; {label} must be set: write the date and time "
            "as YYYY-MM-DDThh:mm:ss"
        )
    reason = (
        "is not a date-time: only 0001-01-01T00:00:00 exactly is 1C's empty "
        "date, and another time on that day most likely comes from converting "
        "the empty date to another time zone"
    )
    if required:
        return (
            f"{reason}; {label} must be set: write the date and time as "
            "YYYY-MM-DDThh:mm:ss"
        )
    return (
        f'{reason}; {label} must be a date-time, or 0001-01-01T00:00:00, "" or '
        "null when empty: write the empty date without converting it"
    )


def translate(
    kind: PackageKind, error: ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[Problem]:
    """Translate one jsonschema error into one or more problems.

    ``prefix`` is the path of the validated value within the package, for
    errors of a record validated on its own.
    """
    path = (*prefix, *error.absolute_path)
    keyword = error.validator
    instance = error.instance
    # jsonschema types these attributes as possibly unset; errors from
    # iter_errors always carry them.
    expected: Any = error.validator_value
    error_schema: Any = error.schema
    if keyword in {"type", "pattern", "not"}:
        return [_type_or_pattern(kind, path, instance, error)]
    if keyword == "required":
        return _missing(kind, path, instance, expected)
    if keyword == "additionalProperties":
        return _unknown_fields(path, instance, error_schema)
    if is_xdto(instance):
        return [value_problem(kind, path, instance)]
    schema = field_schema(kind, path)
    label = field_label(schema, path)
    shown = show_value(instance)
    if keyword == "const":
        message = f"{label} must be {show_value(expected)}"
    elif keyword == "enum":
        choices = ", ".join(str(choice) for choice in expected)
        message = f"is not one of the allowed values; {label} must be one of: {choices}"
    elif keyword in {"minLength", "maxLength"}:
        incoming = kind in INCOMING_KINDS
        message = _length_message(label, instance, error_schema, incoming)
    elif keyword == "minimum":
        message = f"{label} must be at least {expected}"
    elif keyword == "maximum":
        message = f"{label} must be at most {expected}"
    else:
        message = f"{label}: {error.message}"
    return [Problem(pointer(path), shown, message)]


def _type_or_pattern(
    kind: PackageKind,
    path: tuple[str | int, ...],
    instance: Any,
    error: ValidationError,
) -> Problem:
    schema = field_schema(kind, path)
    # A conditional branch (if/else) may apply another definition than the
    # field's own, so the definition comes from the failing schema itself.
    definition = _common_definition(error.schema) or definition_name(schema)
    if error.validator in {"pattern", "not"} or is_xdto(instance):
        return value_problem(kind, path, instance, definition=definition)
    if definition in VALUE_RULES:
        return value_problem(kind, path, instance, definition=definition)
    expected: Any = error.validator_value
    expected_list = [expected] if isinstance(expected, str) else list(expected)
    names = " or ".join(_JSON_TYPE_NAMES.get(name, name) for name in expected_list)
    label = field_label(schema, path)
    message = f"is {json_type_name(instance)}; {label} must be {names}"
    return Problem(pointer(path), show_value(instance), message)


def _common_definition(schema: Any) -> str | None:
    for name, definition in common_schema()["$defs"].items():
        if definition is schema:
            return str(name)
    return None


def _missing(
    kind: PackageKind, path: tuple[str | int, ...], instance: Any, required: Any
) -> list[Problem]:
    if not isinstance(instance, dict):
        return []
    if is_xdto(instance):
        return [value_problem(kind, path, instance)]
    return [
        missing_problem(kind, (*path, name))
        for name in required
        if name not in instance
    ]


def missing_problem(kind: PackageKind, path: tuple[str | int, ...]) -> Problem:
    """Describe a required field missing at ``path``, with how to write it."""
    schema = field_schema(kind, path)
    label = field_label(schema, path)
    message = f"required field is missing; {label} must be present"
    definition = definition_name(schema)
    envelope_fix = _ENVELOPE_FIXES.get(path[0]) if len(path) == 1 else None
    if envelope_fix is not None and kind in INCOMING_KINDS:
        message += f"; {envelope_fix}"
    elif definition in {"date", "date_time"}:
        message += "; write 0001-01-01T00:00:00 or null when it is empty"
    elif definition == "reference":
        message += "; write 00000000-0000-0000-0000-000000000000 or null for none"
    elif definition in {"string_or_null", "enumeration"}:
        message += '; write "" or null when it is empty'
    return Problem(pointer(path), "", message)


# The fix for each envelope field that the 1C processing left out.
_ENVELOPE_FIXES: Final[Mapping[str | int, str]] = {
    "format": 'write "tms-b24-exchange"',
    "version": "write 1",
    "kind": "write one of: "
    + ", ".join(kind.value for kind in PackageKind if kind in INCOMING_KINDS),
    "package_id": (
        "write a new UUID for each package: Строка(Новый УникальныйИдентификатор)"
    ),
    "sender": "write the code of the 1C exchange node, such as TMS",
    "number": (
        "write the message number: 1, 2, 3 and so on for this sender, as in 1C "
        "exchange plans"
    ),
    "created_at": (
        "write the time the package was written, ТекущаяДатаСеанса(), as "
        "YYYY-MM-DDThh:mm:ss"
    ),
}


def _unknown_fields(
    path: tuple[str | int, ...],
    instance: Any,
    schema: Mapping[str, Any],
) -> list[Problem]:
    if not isinstance(instance, dict):
        return []
    allowed = list(schema.get("properties", {}))
    where = "top-level field" if not path else "field"
    problems = []
    for name in instance:
        if name in allowed:
            continue
        message = (
            f'unknown {where} "{name}"; version 1 of the contract allows only: '
            f"{', '.join(allowed)}. Check the field name in the 1C processing"
        )
        problems.append(
            Problem(pointer((*path, name)), show_value(instance[name]), message)
        )
    return problems


def _length_message(
    label: str, instance: Any, schema: Mapping[str, Any], incoming: bool
) -> str:
    # JSON Schema counts characters (code points), as len() does.
    length = f"is {len(instance)} characters long; " if instance else "is empty; "
    low = schema.get("minLength")
    high = schema.get("maxLength")
    if low is not None and high is not None:
        rule = f"{label} must be {low} to {high} characters long"
    elif low is not None:
        rule = f"{label} must be at least {low} characters long"
    else:
        rule = f"{label} must be at most {high} characters long"
    if incoming and high is not None and len(instance) > high:
        rule += ": check which 1C attribute the processing writes into it"
    return length + rule
