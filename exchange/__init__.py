"""Exchange of JSON packages between 1C:Transport Logistics and Bitrix24 CRM."""

__version__ = "0.1.0"
