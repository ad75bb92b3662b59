"""Generated exchange files for the fault tests, reproducible from a seed."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from exchange import jsonio

# Deals of the demo portal with one deal per Номер документа.
DOCUMENT_NUMBERS = ["ТЛ-000101", "ТЛ-000102", "ТЛ-000103", "ТЛ-000104", "ТЛ-000108"]
PAYMENT_STATUSES = ["НеОплачен", "ОплаченЧастично", "ОплаченПолностью", ""]
EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
# 1C writes local times of its base without an offset.
START = datetime(2026, 12, 1, 9, 0, 0)  # noqa: DTZ001


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _order(
    rng: random.Random, ref: str, number: str, document_number: str, modified: datetime
) -> dict[str, Any]:
    day = rng.randint(1, 28)
    realization = f"2026-11-{day:02d}T00:00:00" if rng.random() < 0.7 else EMPTY_DATE
    return {
        "ref": ref,
        "number": number,
        "date": "2026-11-02T09:41:17",
        "document_number": document_number,
        "parent_ref": EMPTY_REF,
        "payment_status": rng.choice(PAYMENT_STATUSES),
        "realization_date": realization,
        "deletion_mark": False,
        "posted": True,
        "modified_at": modified.isoformat(),
    }


def orders_packages(seed: int, count: int) -> list[tuple[str, bytes]]:
    """Return ``count`` orders packages of sender TMS, numbered from 1.

    Each package holds new versions of two to five of the same five orders,
    so later packages overwrite what earlier ones set, and the final deal
    values depend on every package being applied once, in order.
    """
    rng = random.Random(seed)
    refs = {number: _uuid(rng) for number in DOCUMENT_NUMBERS}
    packages: list[tuple[str, bytes]] = []
    for index in range(1, count + 1):
        modified = START + timedelta(minutes=index)
        chosen = rng.sample(DOCUMENT_NUMBERS, rng.randint(2, len(DOCUMENT_NUMBERS)))
        orders = [
            _order(rng, refs[doc], f"ТЛ00-{900 + i:06d}", doc, modified)
            for i, doc in enumerate(DOCUMENT_NUMBERS)
            if doc in chosen
        ]
        package = {
            "format": "tms-b24-exchange",
            "version": 1,
            "kind": "orders",
            "package_id": _uuid(rng),
            "sender": "TMS",
            "number": index,
            "created_at": modified.isoformat(),
            "orders": orders,
        }
        name = f"orders_TMS_{index}.json"
        packages.append((name, jsonio.dumps(package, indent=True)))
    return packages


def _valid_package(rng: random.Random, number: int) -> dict[str, Any]:
    ref = _uuid(rng)
    modified = START + timedelta(seconds=number)
    return {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": "orders",
        "package_id": _uuid(rng),
        "sender": "TMS",
        "number": number,
        "created_at": modified.isoformat(),
        "orders": [_order(rng, ref, "ТЛ00-000001", "ТЛ-000101", modified)],
    }


def _random_bytes(rng: random.Random, number: int) -> bytes:
    del number
    return rng.randbytes(rng.randint(0, 4096))


def _truncated(rng: random.Random, number: int) -> bytes:
    data = jsonio.dumps(_valid_package(rng, number), indent=True)
    return data[: rng.randint(0, len(data) - 1)]


# Each replacement breaks the schema of an envelope or order field.
_WRONG_TYPES: list[tuple[str, Any]] = [
    ("number", "1"),
    ("number", 0),
    ("number", 1.5),
    ("version", "1"),
    ("version", 2),
    ("format", 1),
    ("kind", ["orders"]),
    ("package_id", 12345),
    ("sender", None),
    ("orders", {}),
    ("orders", "none"),
    ("created_at", True),
    ("order.ref", 12345),
    ("order.posted", "Да"),
    ("order.deletion_mark", 0),
    ("order.realization_date", "31.12.2026"),
    ("order.payment_status", 3),
    ("order.parent_ref", []),
]


def _wrong_type(rng: random.Random, number: int) -> bytes:
    package = _valid_package(rng, number)
    field, value = rng.choice(_WRONG_TYPES)
    if field.startswith("order."):
        package["orders"][0][field.removeprefix("order.")] = value
    else:
        package[field] = value
    return jsonio.dumps(package)


def _deep_nesting(rng: random.Random, number: int) -> bytes:
    depth = rng.randint(200, 5000)
    package = _valid_package(rng, number)
    package["orders"] = "@"
    if rng.random() < 0.5:
        # Deeper than the parser's nesting limit, or an array for an object.
        return b"[" * depth + b"]" * depth
    text = jsonio.dumps(package).decode()
    return text.replace('"@"', "[" * depth + "]" * depth).encode()


def _huge_string(rng: random.Random, number: int) -> bytes:
    package = _valid_package(rng, number)
    if rng.random() < 0.1:
        # Larger than the fault tests' [inbox] max_file_mib of 1.
        package["orders"][0]["document_number"] = "Я" * (600 * 1024)
    else:
        field = rng.choice(["sender", "package_id", "created_at"])
        package[field] = "x" * rng.randint(100_000, 400_000)
    return jsonio.dumps(package)


_KINDS = [_random_bytes, _truncated, _wrong_type, _deep_nesting, _huge_string]


def malformed_files(seed: int, count: int) -> list[tuple[str, bytes]]:
    """Return ``count`` files that must each be rejected, of five kinds in turn.

    Kinds: random bytes, a valid package cut short, a field of the wrong type
    or value, nesting hundreds to thousands of levels deep, and a string of
    100 000 characters or more in a field with a length or format rule (or
    a file over 1 MiB, for a service configured with ``max_file_mib = 1``).
    """
    rng = random.Random(seed)
    files: list[tuple[str, bytes]] = []
    for index in range(count):
        make = _KINDS[index % len(_KINDS)]
        data = make(rng, index + 1)
        files.append((f"bad_{index:04d}_{make.__name__.strip('_')}.json", data))
    return files
