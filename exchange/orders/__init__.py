"""The orders flow: 1C transport orders become Bitrix24 deal updates."""
