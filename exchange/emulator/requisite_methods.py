"""Handlers of requisites, their templates, bank details and addresses."""

from __future__ import annotations

from typing import Any

from exchange.emulator.crm_methods import list_rows, list_table
from exchange.emulator.registry import CallContext, Handler, MethodResult


def _make_table_list(entity: str) -> Handler:
    def handle(context: CallContext, params: dict[str, Any]) -> MethodResult:
        return list_table(context, entity, params)

    return handle


def _address_list(context: CallContext, params: dict[str, Any]) -> MethodResult:
    """List addresses; ``total`` counts every address, as a portal miscounts
    it, unless ``start=-1`` turns counting off."""
    page = list_rows(context, "address", params, list(context.portal.addresses))
    if page.total in (None, 0):
        return page
    return MethodResult(
        page.result, total=len(context.portal.addresses), next=page.next
    )


def requisite_methods() -> dict[str, Handler]:
    """Return the handlers of the requisite family by method name."""
    return {
        "crm.requisite.list": _make_table_list("requisite"),
        "crm.requisite.preset.list": _make_table_list("preset"),
        "crm.requisite.bankdetail.list": _make_table_list("bankdetail"),
        "crm.address.list": _address_list,
    }
