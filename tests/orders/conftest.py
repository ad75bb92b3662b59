"""Helpers for end-to-end tests of the orders flow.

Every test runs the real service in-process (``Runtime`` and ``run_once``)
on folders and a state database under ``tmp_path``, against a Bitrix24
emulator over HTTP on 127.0.0.1. ``Exchange`` drops packages into the inbox,
runs one pass, and reads back receipts and deal values.
"""

from __future__ import annotations

import shutil
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from exchange import jsonio
from exchange.config import Settings
from exchange.contract.enums import PackageKind
from exchange.contract.load import validate_outgoing
from exchange.emulator import Emulator
from exchange.service.run_once import RunReport, run_once
from exchange.service.runtime import Runtime
from tests.fixtures.emulator import DEMO_SEED, EmulatorFactory

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

NUMBER_FIELD = "UF_CRM_1700000001"
STATUS_FIELD = "UF_CRM_1700000002"
DATE_FIELD = "UF_CRM_1700000003"
DEAL_FIELDS = {
    "document_number": NUMBER_FIELD,
    "payment_status": STATUS_FIELD,
    "realization_date": DATE_FIELD,
}

# List item IDs of Статус оплаты in the demo seed.
NOT_PAID = "45"
PARTLY_PAID = "46"
FULLY_PAID = "47"

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"


def ref_of(name: str) -> str:
    """Return a stable order reference (UUID) for a readable test name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"order:{name}"))


def order(
    name: str,
    document_number: str = "",
    *,
    parent: str | None = None,
    status: str = "НеОплачен",
    realization: str = "",
    deletion_mark: bool = False,
    posted: bool = True,
    modified_at: str | None = None,
) -> dict[str, Any]:
    """Build one order record as 1C writes it; ``parent`` is the parent's name."""
    record: dict[str, Any] = {
        "ref": ref_of(name),
        "number": name,
        "date": "2026-11-02T09:00:00",
        "document_number": document_number,
        "parent_ref": ref_of(parent) if parent else EMPTY_REF,
        "payment_status": status,
        "realization_date": f"{realization}T00:00:00" if realization else EMPTY_DATE,
        "deletion_mark": deletion_mark,
        "posted": posted,
    }
    if modified_at is not None:
        record["modified_at"] = modified_at
    return record


def package(
    number: int,
    orders: list[dict[str, Any]],
    *,
    package_id: str | None = None,
    sender: str = "TMS",
) -> dict[str, Any]:
    """Build an ``orders`` package."""
    return {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": "orders",
        "package_id": package_id or str(uuid.uuid4()),
        "sender": sender,
        "number": number,
        "created_at": "2026-11-28T14:05:31",
        "orders": orders,
    }


def deal_seed(
    deals: Mapping[int, str],
    *,
    date_type: str = "date",
    timezone: str = "Europe/Moscow",
) -> dict[str, Any]:
    """Return a seed with the demo deal fields and one deal per (ID, number)."""
    demo = jsonio.loads(DEMO_SEED.read_bytes())
    fields = dict(demo["fields"]["deal"])
    fields[DATE_FIELD] = {**fields[DATE_FIELD], "type": date_type}
    return {
        "portal": {"timezone": timezone},
        "fields": {"deal": fields},
        "deals": [
            {"ID": deal_id, "TITLE": f"deal {deal_id}", NUMBER_FIELD: number}
            for deal_id, number in deals.items()
        ],
    }


def make_settings(root: Path, webhook_url: str, **sections: Any) -> Settings:
    """Return settings with every folder under ``root`` and the demo fields."""
    bitrix24 = {
        "webhook_url": webhook_url,
        "deal_fields": DEAL_FIELDS,
        "max_attempts": 2,
        "max_retry_seconds": 1.0,
        **sections.pop("bitrix24", {}),
    }
    data: dict[str, Any] = {
        "paths": {
            "inbox": str(root / "inbox"),
            "outbox": str(root / "outbox"),
            "archive": str(root / "archive"),
            "errors": str(root / "errors"),
            "state": str(root / "state" / "exchange.sqlite3"),
            "dry_run": str(root / "dry-run"),
        },
        "inbox": {"settle_seconds": 0},
        "bitrix24": bitrix24,
        **sections,
    }
    return Settings.model_validate(data)


class Exchange:
    """The service on temporary folders, with a spy on the emulator's deal updates."""

    def __init__(self, root: Path, emulator: Emulator, **sections: Any) -> None:
        self.root = root
        self.emulator = emulator
        self.settings = make_settings(root, emulator.webhook_url, **sections)
        self.inbox = self.settings.paths.inbox
        self.outbox = self.settings.paths.outbox
        self.errors = self.settings.paths.errors
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.updates: Counter[int] = Counter()
        self.sent: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self._seen_receipts: set[str] = set()
        portal = emulator.portal
        self._portal_update = portal.update

        def counting_update(
            entity: str, row_id: int, fields: Mapping[str, Any]
        ) -> bool:
            if entity == "deal":
                self.updates[row_id] += 1
                self.sent[row_id].append(dict(fields))
            return self._portal_update(entity, row_id, fields)

        portal.update = counting_update  # type: ignore[method-assign]

    # Input

    def put(self, document: Mapping[str, Any], name: str | None = None) -> str:
        """Write a package into the inbox; return the file name."""
        name = name or f"orders_{document['sender']}_{document['number']}.json"
        (self.inbox / name).write_bytes(jsonio.dumps(document))
        return name

    def put_bytes(self, name: str, data: bytes) -> str:
        """Write raw bytes into the inbox under ``name``."""
        (self.inbox / name).write_bytes(data)
        return name

    def put_sample(self, name: str) -> str:
        """Copy a file of ``samples/`` into the inbox."""
        shutil.copy(SAMPLES / name, self.inbox / Path(name).name)
        return Path(name).name

    # Running

    def run(self) -> RunReport:
        """Run one pass of the service (``exchange run --once``)."""
        with Runtime(self.settings) as runtime:
            return run_once(runtime)

    def runtime(self) -> Runtime:
        """Open a runtime on the same settings (close it after use)."""
        return Runtime(self.settings)

    # Output

    def receipts(self) -> list[dict[str, Any]]:
        """Return every package in the outbox, in number order, schema-checked."""
        documents = [
            jsonio.loads(path.read_bytes()) for path in self.outbox.glob("*.json")
        ]
        documents.sort(key=lambda document: int(document["number"]))
        for document in documents:
            problems = validate_outgoing(PackageKind(document["kind"]), document)
            assert problems == [], (
                f"{document['kind']} no. {document['number']}: {problems}"
            )
        return documents

    def new_receipts(self) -> list[dict[str, Any]]:
        """Return the outbox packages written since the last call."""
        fresh = [
            r for r in self.receipts() if r["package_id"] not in self._seen_receipts
        ]
        self._seen_receipts.update(r["package_id"] for r in fresh)
        return fresh

    def deal(self, deal_id: int) -> tuple[str | None, str | None]:
        """Return a deal's payment status item ID and realization date (ISO)."""
        row = self.emulator.portal.deals[deal_id]
        item = row.get(STATUS_FIELD)
        return (str(item) if item else None, portal_date(row.get(DATE_FIELD)))

    def edit_deal(self, deal_id: int, **fields: Any) -> None:
        """Change a deal as a manager would in Bitrix24 (not counted as an update)."""
        assert self._portal_update("deal", deal_id, fields)

    def update_calls(self) -> int:
        """Return the number of ``crm.deal.update`` commands the portal received."""
        return self.emulator.stats.calls_by_method["crm.deal.update"]


def portal_date(value: object) -> str | None:
    """Return the calendar date of a date field as the portal reads it back.

    The portal renders a date as midnight UTC in its own zone, so the value
    is converted to UTC before the date is taken.
    """
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone(UTC).date().isoformat()


def stored_copies(folder: Path, name: str) -> list[bytes]:
    """Return the files stored for an incoming ``name`` in the archive or error folder.

    Both folders keep a file as ``YYYY/MM/DD/<stem>.<sha256 prefix>.json``.
    """
    stem = Path(name).stem
    return [
        path.read_bytes()
        for path in sorted(folder.rglob(f"{stem}.*.json"))
        if ".reply." not in path.name and path.name.count(".") == 2
    ]


def rows_by_number(receipt: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the receipt's rows keyed by the order's 1C number."""
    rows: dict[str, dict[str, Any]] = {}
    for row in receipt["results"]:
        assert row["number"] not in rows, f"{row['number']} appears twice"
        rows[row["number"]] = row
    return rows


ExchangeFactory = Callable[..., Exchange]


@pytest.fixture
def exchange_factory(tmp_path: Path) -> ExchangeFactory:
    """Build ``Exchange`` objects on an emulator; each gets its own folder."""
    count = 0

    def make(emulator: Emulator, **sections: Any) -> Exchange:
        nonlocal count
        count += 1
        return Exchange(tmp_path / f"service{count}", emulator, **sections)

    return make


@pytest.fixture
def exchange(exchange_factory: ExchangeFactory, emulator: Emulator) -> Exchange:
    """The service on the demo portal."""
    return exchange_factory(emulator)


@pytest.fixture
def small_portal(emulator_factory: EmulatorFactory) -> Callable[..., Emulator]:
    """Start an emulator with the demo fields and the given deals (ID → number)."""

    def make(deals: Mapping[int, str], **seed_options: Any) -> Emulator:
        emulator_options = {
            key: seed_options.pop(key)
            for key in ("in_operator_on_uf", "requests_per_second", "burst")
            if key in seed_options
        }
        return emulator_factory(
            seed=deal_seed(deals, **seed_options), **emulator_options
        )

    return make
