"""An emulator of a Bitrix24 portal's REST webhook for tests and demos.

It serves the CRM methods that the service calls (deals, companies,
contacts, requisites, ``batch``) over real HTTP on 127.0.0.1, with the
portal's answer shapes, rate and operating time limits, and injected faults.
The seed format is described in :mod:`exchange.emulator.seed`.
"""

from exchange.emulator.emulator import Emulator
from exchange.emulator.fields import ListItem
from exchange.emulator.store import Portal

__all__ = ["Emulator", "ListItem", "Portal"]
