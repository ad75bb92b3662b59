"""Handlers of ``crm.deal.*``, ``crm.company.*`` and ``crm.contact.*``.

Only deals have an ``add`` method, ``crm.deal.add``.
"""

from __future__ import annotations

from typing import Any

from exchange.emulator.errors import MethodError
from exchange.emulator.fields import FieldDef
from exchange.emulator.listing import (
    Condition,
    filter_table,
    matches,
    paginate,
    parse_filter,
    project,
    resolve_select,
    sort_rows,
)
from exchange.emulator.registry import CallContext, Handler, MethodResult

# Descriptions of a missing row differ per entity on a portal.
_NOT_FOUND = {
    "deal": "Not found",
    "company": "Company is not found",
    "contact": "Contact is not found",
}


def list_rows(
    context: CallContext,
    entity: str,
    params: dict[str, Any],
    rows: list[dict[str, Any]],
) -> MethodResult:
    """Filter, sort, page and project rows as the ``*.list`` methods do."""
    portal = context.portal
    definitions = portal.fields[entity]
    conditions = _conditions(context, entity, params)
    selected = [
        row for row in rows if matches(row, conditions, definitions, portal.zone)
    ]
    return _page_of(context, entity, params, selected)


def list_table(
    context: CallContext, entity: str, params: dict[str, Any]
) -> MethodResult:
    """Run a ``*.list`` method on a whole entity table; ``=`` and ``@``
    filters read the portal's field index instead of every row."""
    conditions = _conditions(context, entity, params)
    selected = filter_table(context.portal, entity, conditions)
    return _page_of(context, entity, params, selected)


def _conditions(
    context: CallContext, entity: str, params: dict[str, Any]
) -> list[Condition]:
    return parse_filter(
        params.get("filter"),
        context.portal.fields[entity],
        in_operator_on_uf=context.in_operator_on_uf,
    )


def _page_of(
    context: CallContext,
    entity: str,
    params: dict[str, Any],
    selected: list[dict[str, Any]],
) -> MethodResult:
    portal = context.portal
    definitions = portal.fields[entity]
    ordered = sort_rows(selected, params.get("order"), definitions, portal.zone)
    page = paginate(ordered, params.get("start"))
    codes = resolve_select(params.get("select"), definitions)
    result = [project(row, codes) for row in page.rows]
    return MethodResult(result, total=page.total, next=page.next)


def read_id(params: dict[str, Any]) -> int:
    """Return the ``id`` parameter, or raise the portal's 400 error."""
    raw = params.get("id")
    text = str(raw).strip() if isinstance(raw, (str, int)) else ""
    if not text.isdigit() or int(text) <= 0:
        raise MethodError(400, "", "ID is not defined or invalid.")
    return int(text)


def describe_field(definition: FieldDef) -> dict[str, Any]:
    """Describe a field as ``crm.<entity>.fields`` does.

    As on a portal, a custom field's ``title`` is its code and its human
    label sits in ``listLabel``, ``formLabel`` and ``filterLabel``.
    """
    description: dict[str, Any] = {
        "type": definition.type,
        "isRequired": definition.required,
        "isReadOnly": definition.read_only,
        "isImmutable": False,
        "isMultiple": definition.multiple,
        "isDynamic": definition.custom,
        "title": definition.code if definition.custom else definition.title,
    }
    if definition.custom:
        description.update(
            listLabel=definition.title,
            formLabel=definition.title,
            filterLabel=definition.title,
            settings={},
        )
    if definition.type == "enumeration":
        description["items"] = [
            {"ID": str(item.id), "VALUE": item.value} for item in definition.items
        ]
    return description


def describe_userfield(
    entity: str, definition: FieldDef, language: str | None
) -> dict[str, Any]:
    """Describe a custom field as ``crm.<entity>.userfield.list`` does."""
    entry: dict[str, Any] = {
        "ID": str(definition.userfield_id),
        "ENTITY_ID": f"CRM_{entity.upper()}",
        "FIELD_NAME": definition.code,
        "USER_TYPE_ID": definition.type,
        "XML_ID": None,
        "SORT": "100",
        "MULTIPLE": "Y" if definition.multiple else "N",
        "MANDATORY": "Y" if definition.required else "N",
        "SHOW_FILTER": "E",
        "SHOW_IN_LIST": "Y",
        "EDIT_IN_LIST": "Y",
        "IS_SEARCHABLE": "N",
        "SETTINGS": {},
    }
    if language:
        for label in ("EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL"):
            entry[label] = definition.title
    if definition.type == "enumeration":
        entry["LIST"] = [
            {
                "ID": str(item.id),
                "SORT": str(item.sort),
                "VALUE": item.value,
                "DEF": "Y" if item.default else "N",
                "XML_ID": item.xml_id,
            }
            for item in definition.items
        ]
    return entry


def make_list(entity: str) -> Handler:
    """Build the handler of ``crm.<entity>.list``."""

    def handle(context: CallContext, params: dict[str, Any]) -> MethodResult:
        return list_table(context, entity, params)

    return handle


def make_get(entity: str) -> Handler:
    """Build the handler of ``crm.<entity>.get``: every field of one row."""

    def handle(context: CallContext, params: dict[str, Any]) -> MethodResult:
        row_id = read_id(params)
        row = context.portal.table(entity).get(row_id)
        if row is None:
            raise MethodError(400, "", _NOT_FOUND[entity])
        codes = resolve_select(
            ["*", "UF_*", "PHONE", "EMAIL"], context.portal.fields[entity]
        )
        return MethodResult(project(row, codes))

    return handle


def make_update(entity: str) -> Handler:
    """Build the handler of ``crm.<entity>.update``; ``params`` is accepted."""

    def handle(context: CallContext, params: dict[str, Any]) -> MethodResult:
        row_id = read_id(params)
        fields = params.get("fields")
        if not isinstance(fields, dict):
            # NOTE: the wording of this error on a real portal is not known.
            raise MethodError(400, "", "Parameter 'fields' is not defined or invalid.")
        if not context.portal.update(entity, row_id, fields):
            raise MethodError(400, "", _NOT_FOUND[entity])
        return MethodResult(result=True)

    return handle


def add_deal(context: CallContext, params: dict[str, Any]) -> MethodResult:
    """Create a deal for ``crm.deal.add`` and return its ID as ``result``.

    The error descriptions are those that the Bitrix24 REST documentation of
    crm.deal.add lists (bitrix-tools/b24-rest-docs on GitHub).
    """
    fields = params.get("fields")
    if not isinstance(fields, dict):
        raise MethodError(400, "", "Parameter 'fields' must be array.")
    if "params" in params and not isinstance(params["params"], dict):
        raise MethodError(400, "", "Parameter 'params' must be array.")
    # NOTE: a portal also rejects a deal that lacks a required field, but the
    # emulator checks required fields neither on add nor on update.
    return MethodResult(context.portal.create_deal(fields))


def make_fields(entity: str) -> Handler:
    """Build the handler of ``crm.<entity>.fields``."""

    def handle(context: CallContext, params: dict[str, Any]) -> MethodResult:
        del params
        definitions = context.portal.fields[entity]
        return MethodResult(
            {
                code: describe_field(definition)
                for code, definition in definitions.items()
            }
        )

    return handle


def make_userfield_list(entity: str) -> Handler:
    """Build ``crm.<entity>.userfield.list``, filtered by FIELD_NAME, ID or
    USER_TYPE_ID; a ``LANG`` filter adds the labels."""

    def handle(context: CallContext, params: dict[str, Any]) -> MethodResult:
        raw_filter = params.get("filter")
        wanted = raw_filter if isinstance(raw_filter, dict) else {}
        language = wanted.get("LANG")
        entries = []
        for definition in context.portal.fields[entity].values():
            if not definition.custom:
                continue
            entry = describe_userfield(entity, definition, language)
            if all(
                str(entry.get(key)) == str(value)
                for key, value in wanted.items()
                if key in {"FIELD_NAME", "ID", "USER_TYPE_ID"}
            ):
                entries.append(entry)
        return MethodResult(entries, total=len(entries))

    return handle


def entity_methods() -> dict[str, Handler]:
    """Return the handlers of the deal, company and contact methods by name."""
    methods: dict[str, Handler] = {}
    for entity in ("deal", "company", "contact"):
        prefix = f"crm.{entity}."
        methods[prefix + "list"] = make_list(entity)
        methods[prefix + "get"] = make_get(entity)
        methods[prefix + "update"] = make_update(entity)
        methods[prefix + "fields"] = make_fields(entity)
        methods[prefix + "userfield.list"] = make_userfield_list(entity)
    methods["crm.deal.add"] = add_deal
    return methods
