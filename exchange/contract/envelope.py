"""Read and check the envelope before the schema of a kind is chosen."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from exchange.contract.enums import INCOMING_KINDS, PackageKind
from exchange.contract.messages import XDTO_RULE, is_xdto, missing_problem
from exchange.contract.problems import Problem, show_value

FORMAT: Final = "tms-b24-exchange"
VERSION: Final = 1
MAIN_ARRAYS: Final = {
    PackageKind.ORDERS: "orders",
    PackageKind.COUNTERPARTY_CATALOG: "counterparties",
    PackageKind.COUNTERPARTIES_RECEIPT: "results",
}
_UUID: Final = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_INCOMING_LIST: Final = ", ".join(
    kind.value for kind in PackageKind if kind in INCOMING_KINDS
)
_INCOMING_VALUES: Final = frozenset(kind.value for kind in INCOMING_KINDS)
# Envelope fields after format, version and kind, in the contract's order.
_OTHER_ENVELOPE_FIELDS: Final = ("package_id", "sender", "number", "created_at")


@dataclass(frozen=True)
class EnvelopeInfo:
    """Envelope fields as far as they could be read; ``None`` where not."""

    package_id: str | None
    """Lower-case UUID, or ``None`` when missing or not a UUID."""
    kind: str | None
    sender: str | None
    number: int | None


def read_envelope(document: Any) -> EnvelopeInfo | None:
    """Read what can be read of the envelope of any JSON value."""
    if not isinstance(document, dict):
        return None
    package_id = document.get("package_id")
    kind = document.get("kind")
    sender = document.get("sender")
    number = document.get("number")
    return EnvelopeInfo(
        package_id=package_id.lower()
        if isinstance(package_id, str) and _UUID.fullmatch(package_id)
        else None,
        kind=kind if isinstance(kind, str) else None,
        sender=sender if isinstance(sender, str) else None,
        number=number
        if isinstance(number, int) and not isinstance(number, bool)
        else None,
    )


def envelope_problems(document: Any) -> list[Problem]:
    """Check that a document is a package of a known format, version and kind."""
    if not isinstance(document, dict):
        return [
            Problem(
                "",
                show_value(document),
                "file must hold one JSON object: the package envelope with its records",
            )
        ]
    if is_xdto(document):
        return [Problem("", show_value(document), f"the package {XDTO_RULE}")]
    # The envelope is the same in every incoming schema, so when the kind is
    # unknown the orders schema names the fields.
    kind = document.get("kind")
    label_kind = PackageKind.ORDERS
    if isinstance(kind, str) and kind in _INCOMING_VALUES:
        label_kind = PackageKind(kind)
    problems = []
    if "format" not in document:
        problems.append(missing_problem(label_kind, ("format",)))
    elif document["format"] != FORMAT:
        problems.append(
            Problem(
                "/format",
                show_value(document.get("format")),
                f'Формат (format) must be "{FORMAT}"; the file is not an exchange '
                "package of this service",
            )
        )
    version = document.get("version")
    if "version" not in document:
        problems.append(missing_problem(label_kind, ("version",)))
    elif version != VERSION or isinstance(version, bool):
        problems.append(
            Problem(
                "/version",
                show_value(version),
                f"unknown contract version; this service reads version {VERSION} "
                "only, so the 1C processing must write version 1",
            )
        )
    if "kind" not in document:
        problems.append(missing_problem(label_kind, ("kind",)))
    else:
        problems.extend(_kind_problems(document))
    if problems:
        # A file rejected here never reaches the schema check, which would
        # name the other missing fields, so they are listed here.
        problems.extend(
            missing_problem(label_kind, (name,))
            for name in _OTHER_ENVELOPE_FIELDS
            if name not in document
        )
    return problems


def _kind_problems(document: dict[str, Any]) -> list[Problem]:
    kind = document.get("kind")
    shown = show_value(kind)
    # An array or object is not hashable, so it is tested as a string first.
    if not isinstance(kind, str) or kind not in _INCOMING_VALUES:
        if isinstance(kind, str) and kind in {member.value for member in PackageKind}:
            message = (
                f'kind "{kind}" is written by this service for 1C and is not '
                f"accepted from 1C; files from 1C have one of: {_INCOMING_LIST}"
            )
        else:
            message = (
                "unknown package kind (Вид пакета); files from 1C have one of: "
                f"{_INCOMING_LIST}"
            )
        return [Problem("/kind", shown, message)]
    expected = MAIN_ARRAYS[PackageKind(kind)]
    if expected in document:
        return []
    for other_kind, other_array in MAIN_ARRAYS.items():
        if other_array in document:
            message = (
                f'the file has kind "{kind}" but holds "{other_array}", the records '
                f'of a {other_kind.value} package; write kind "{other_kind.value}" '
                f'or put the records in "{expected}"'
            )
            return [Problem("/kind", shown, message)]
    return []
