"""Bitrix24 REST client: transport, batches, deal fields and deal updates."""

from exchange.bitrix24.client import Bitrix24Client
from exchange.bitrix24.deals import DealSnapshot, DealUpdate, find_deals, update_deals
from exchange.bitrix24.errors import (
    AccessDenied,
    Bitrix24Error,
    CommandError,
    PortalMoved,
    PortalUnavailable,
)
from exchange.bitrix24.fields import (
    DealFieldCodes,
    ResolvedDealFields,
    resolve_deal_fields,
)
from exchange.bitrix24.responses import BatchResult, Response, ResponseTime

__all__ = [
    "AccessDenied",
    "BatchResult",
    "Bitrix24Client",
    "Bitrix24Error",
    "CommandError",
    "DealFieldCodes",
    "DealSnapshot",
    "DealUpdate",
    "PortalMoved",
    "PortalUnavailable",
    "ResolvedDealFields",
    "Response",
    "ResponseTime",
    "find_deals",
    "resolve_deal_fields",
    "update_deals",
]
