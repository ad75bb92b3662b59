"""Benchmarks of the orders flow: HTTP requests, wall time, local processing.

Run from the repository root: ``.venv/bin/python bench/bench_orders.py``
(all parts, about two minutes) or name parts: ``requests``, ``wall``,
``naive``, ``local``. Each part runs in its own process so that memory
figures are not mixed.

- ``requests``: 10,000 changed top-level orders against an emulator seeded
  with 10,000 deals and no request limit; HTTP requests of the first
  package and of a second package with the same values, with ``@`` on the
  custom field supported, ignored and rejected. Target: at most 210
  requests for lookups and updates.
- ``wall``: the same first package with the emulator at the default limit
  (burst 50, 2 requests per second). Target: within 10 % of the least time
  the limit allows for the requests sent.
- ``naive``: the same orders, one ``crm.deal.list`` and one
  ``crm.deal.update`` REST call per order (no ``batch``), against an
  emulator without a request limit, and the least time the default limit
  would allow for that many requests.
- ``local``: a 100,000-order package through ``FileProcessor`` (parse,
  validate, state, rollup, planning, receipt, archive) with a deal port that
  answers at once. Targets: at most 4 s, at most 10 times ``orjson.loads``
  of the same bytes, peak memory under 500 MB.
- ``plan``: the same package through the steps the target lists only, with
  nothing sent: parse, validate, store the versions, roll up, plan, and the
  receipt's bytes. ``bench_floor.py`` times a stripped-down version of these
  steps, an estimate of the least time they need.
"""

from __future__ import annotations

import argparse
import gc
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import orjson
from orders_data import DEAL_FIELDS, make_orders_package, make_portal_seed

from exchange.config import Settings
from exchange.contract.models import OrdersPackage
from exchange.emulator import Emulator
from exchange.orders.port import BatchCallback, FoundDeal, PlannedUpdate
from exchange.rules.order_facts import DealValues
from exchange.service.files import FileProcessor
from exchange.service.run_once import run_once
from exchange.service.runtime import Runtime
from exchange.state.orders_records import DealState

DEALS = 10_000
LOCAL_ORDERS = 100_000
DEFAULT_BURST = 50
DEFAULT_RATE = 2.0
TARGET_REQUESTS = 210
TARGET_LOCAL_SECONDS = 4.0
TARGET_LOCAL_RATIO = 10.0
TARGET_PEAK_MB = 500.0
BATCH_SIZE = 50


def least_seconds(
    requests: int, burst: int = DEFAULT_BURST, rate: float = DEFAULT_RATE
) -> float:
    """Return the least wall time a leaky bucket allows for ``requests``.

    The first ``burst`` requests pass at once and every further one waits
    ``1 / rate`` seconds.
    """
    return max(0, requests - burst) / rate


def settings_for(root: Path, webhook_url: str, *, rate: float, burst: int) -> Settings:
    """Return settings with folders under ``root`` and the bench portal's fields."""
    return Settings.model_validate(
        {
            "paths": {
                "inbox": str(root / "inbox"),
                "outbox": str(root / "outbox"),
                "archive": str(root / "archive"),
                "errors": str(root / "errors"),
                "state": str(root / "state" / "exchange.sqlite3"),
                "dry_run": str(root / "dry-run"),
            },
            "inbox": {"settle_seconds": 0},
            "bitrix24": {
                "webhook_url": webhook_url,
                "deal_fields": DEAL_FIELDS,
                "requests_per_second": rate,
                "burst": burst,
            },
        }
    )


def run_package(
    settings: Settings, data: bytes, name: str
) -> tuple[int, float, dict[str, int]]:
    """Drop a package into the inbox and run one pass; return its exit code,
    wall time and receipt counts."""
    inbox = settings.paths.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(data)
    started = time.perf_counter()
    with Runtime(settings) as runtime:
        report = run_once(runtime, export=False)
    elapsed = time.perf_counter() - started
    counts = report.files[0].counts if report.files else {}
    return report.exit_code, elapsed, counts


# Part (a): requests


def bench_requests(mode: str, deals: int = DEALS) -> dict[str, Any]:
    """Count HTTP requests for a first and a repeated package of ``deals`` orders."""
    seed = make_portal_seed(deals)
    first = make_orders_package(deals, number=1, status="ОплаченПолностью")
    again = make_orders_package(deals, number=2, status="ОплаченПолностью")
    with (
        tempfile.TemporaryDirectory() as folder,
        Emulator(
            seed,
            burst=1_000_000,
            requests_per_second=1_000_000.0,
            in_operator_on_uf=mode,
        ) as emulator,
    ):
        settings = settings_for(
            Path(folder), emulator.webhook_url, rate=1_000_000.0, burst=1_000_000
        )
        code, seconds, counts = run_package(settings, first, "orders_TMS_1.json")
        first_requests = emulator.stats.requests
        first_methods = dict(emulator.stats.calls_by_method)
        emulator.stats.reset()
        code2, seconds2, counts2 = run_package(settings, again, "orders_TMS_2.json")
        return {
            "mode": mode,
            "deals": deals,
            "first": {
                "exit": code,
                "seconds": round(seconds, 2),
                "requests": first_requests,
                "commands": first_methods,
                "counts": counts,
            },
            "again": {
                "exit": code2,
                "seconds": round(seconds2, 2),
                "requests": emulator.stats.requests,
                "commands": dict(emulator.stats.calls_by_method),
                "counts": counts2,
            },
        }


# Part (b): wall time at the default limit


def bench_wall() -> dict[str, Any]:
    """Time the first 10,000-order package with the default request limit."""
    seed = make_portal_seed(DEALS)
    first = make_orders_package(DEALS, number=1, status="ОплаченПолностью")
    with (
        tempfile.TemporaryDirectory() as folder,
        Emulator(
            seed, burst=DEFAULT_BURST, requests_per_second=DEFAULT_RATE
        ) as emulator,
    ):
        settings = settings_for(
            Path(folder), emulator.webhook_url, rate=DEFAULT_RATE, burst=DEFAULT_BURST
        )
        code, seconds, counts = run_package(settings, first, "orders_TMS_1.json")
        requests = emulator.stats.requests
        bound = least_seconds(requests)
        return {
            "exit": code,
            "counts": counts,
            "requests": requests,
            "seconds": round(seconds, 2),
            "least_seconds": bound,
            "over_least": round(seconds / bound - 1, 4) if bound else None,
        }


# Comparison: one REST call per order


def bench_naive() -> dict[str, Any]:
    """Look up and update each deal with its own REST call, without ``batch``."""
    from exchange.bitrix24 import Bitrix24Client

    seed = make_portal_seed(DEALS)
    code = DEAL_FIELDS["document_number"]
    with Emulator(seed, burst=1_000_000, requests_per_second=1_000_000.0) as emulator:
        client = Bitrix24Client(
            emulator.webhook_url, requests_per_second=1_000_000.0, burst=1_000_000
        )
        started = time.perf_counter()
        with client:
            for index in range(DEALS):
                number = f"ТЛ-{index:06d}"
                rows = client.call(
                    "crm.deal.list",
                    {"filter": {f"={code}": number}, "select": ["ID", code]},
                ).result
                deal_id = int(rows[0]["ID"])
                client.call(
                    "crm.deal.update",
                    {"id": deal_id, "fields": {DEAL_FIELDS["payment_status"]: "47"}},
                )
        elapsed = time.perf_counter() - started
        requests = emulator.stats.requests
    return {
        "requests": requests,
        "seconds_without_limit": round(elapsed, 2),
        "least_seconds_at_default_limit": least_seconds(requests),
    }


# Part (c): local processing


class InstantPort:
    """A ``DealPort`` whose every number has one deal and every update succeeds."""

    def __init__(self, deal_ids: dict[str, int]) -> None:
        self.deal_ids = deal_ids
        self.sent = 0
        # The deals stand in for Bitrix24's responses, so they are built
        # before the timer starts, as a portal builds responses on its own time.
        empty = DealState(None, None, "read")
        self._deals = {
            n: [FoundDeal(deal_id, empty)] for n, deal_id in deal_ids.items()
        }

    def find(self, numbers: Collection[str]) -> dict[str, list[FoundDeal]]:
        """Return one empty deal per number."""
        return {n: self._deals[n] for n in numbers}

    def state_of(self, values: DealValues) -> DealState:
        """Encode the payment status as its enum value and the date as ISO."""
        status = values.payment_status.value if values.payment_status else None
        day = values.realization_date.isoformat() if values.realization_date else None
        return DealState(status, day, "sent")

    def send(
        self,
        updates: Sequence[PlannedUpdate],
        on_batch: BatchCallback,
        *,
        before_sending: Callable[[], None],
    ) -> None:
        """Report every update as taken, 50 per batch."""
        before_sending()
        for start in range(0, len(updates), BATCH_SIZE):
            chunk = updates[start : start + BATCH_SIZE]
            self.sent += len(chunk)
            on_batch(dict.fromkeys((u.deal_id for u in chunk), None))


LOCAL_RUNS = 5


class StepTimes:
    """Wall time spent in named functions, wrapped for the length of a run.

    Only functions called a few times per file are wrapped, so the timers
    themselves cost nothing measurable.
    """

    STEPS = (
        ("parse and validate", "exchange.service.files", "load_package"),
        (
            "store, roll up, plan, send, record",
            "exchange.service.files",
            "apply_orders",
        ),
        ("compose the receipt", "exchange.outbox.delivery", "Outbox.compose"),
        (
            "write the receipt, archive and journal it",
            "exchange.outbox.delivery",
            "Outbox.deliver",
        ),
        (
            "archive and journal the incoming file",
            "exchange.service.files",
            "archive_file",
        ),
    )

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(
            (name for name, _, _ in self.STEPS), 0.0
        )
        self._restore: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> StepTimes:
        import importlib

        for name, module_name, path in self.STEPS:
            owner: Any = importlib.import_module(module_name)
            *parents, attribute = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            original = getattr(owner, attribute)
            setattr(owner, attribute, self._timer(name, original))
            self._restore.append((owner, attribute, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, attribute, original in reversed(self._restore):
            setattr(owner, attribute, original)

    def _timer(self, name: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return timed


def local_package() -> tuple[bytes, dict[str, int]]:
    """Return the 100,000-order package and the deal id of each number."""
    data, numbers = make_orders_package(
        LOCAL_ORDERS, number=1, families=10_000, with_numbers=True
    )
    return data, {number: index + 1 for index, number in enumerate(numbers)}


def process_once(
    data: bytes, deal_ids: dict[str, int], *, trace: bool = False
) -> dict[str, Any]:
    """Process the package once in a fresh work folder; return its figures."""
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(
            Path(folder), "http://127.0.0.1:9/rest/1/x/", rate=2, burst=50
        )
        port = InstantPort(deal_ids)
        if trace:
            tracemalloc.start()
        # The state database is opened and migrated once per service start,
        # so the timing covers the processing of the file only.
        with Runtime(settings) as runtime, StepTimes() as steps:
            processor = FileProcessor(runtime, lambda: port)
            started = time.perf_counter()
            outcome = processor.process("orders_TMS_1.json", data)
            elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
    return {
        "seconds": elapsed,
        "steps": steps.seconds,
        "counts": outcome.counts,
        "updates_sent": port.sent,
        "peak": peak,
    }


def state_floor(data: bytes) -> float:
    """Time storing the package's order versions alone, in a fresh database.

    The rule "every order version is stored before anything is sent" costs
    at least this: the transaction of ``OrdersStore.save_versions``,
    committed, with nothing else done and nothing to overlap it with.
    """
    from exchange.contract.load import load_package
    from exchange.orders.version_rows import version_rows
    from exchange.state.db import connect
    from exchange.state.orders_records import PackageRecord
    from exchange.state.orders_store import OrdersStore

    loaded = load_package(data, "orders_TMS_1.json")
    package = loaded.package
    orders = getattr(package, "orders", ())
    record = PackageRecord("p", "0" * 64, "orders", "TMS", 1, "orders_TMS_1.json", "")
    rows = version_rows({order.ref: order for order in orders})
    with tempfile.TemporaryDirectory() as folder:
        store = OrdersStore(connect(Path(folder) / "state.sqlite3"))
        started = time.perf_counter()
        store.save_versions(record, "", rows)
        store.wait_for_writes()
        elapsed = time.perf_counter() - started
        store.conn.close()
    return elapsed


def bench_local(trace: bool) -> dict[str, Any]:
    """Process a 100,000-order package locally and compare with orjson.loads.

    Without ``trace`` the package is processed ``LOCAL_RUNS`` times, each in
    a fresh folder; the median and the best run are reported, with the time
    of each step in the median run. With ``trace`` it runs once under
    tracemalloc for the peak memory (and takes several times longer).
    """
    data, deal_ids = local_package()
    # orjson rejects the byte order mark that 1C writes, so it is cut off here.
    body = data.removeprefix(b"\xef\xbb\xbf")
    loads_best = min(_timed(lambda: orjson.loads(body)) for _ in range(5))
    import resource

    if trace:
        run = process_once(data, deal_ids, trace=True)
        return {
            "tracemalloc_peak_mb": round(run["peak"] / 2**20, 1),
            "max_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
        }
    runs = []
    for _ in range(LOCAL_RUNS):
        # Each run starts with the garbage of the one before collected.
        gc.collect()
        runs.append(process_once(data, deal_ids))
    runs.sort(key=lambda run: run["seconds"])
    median = runs[len(runs) // 2]
    archive = median["steps"]["archive and journal the incoming file"]
    return {
        "orders": LOCAL_ORDERS,
        "bytes": len(data),
        "counts": median["counts"],
        "updates_sent": median["updates_sent"],
        "orjson_loads_seconds": round(loads_best, 4),
        "runs_seconds": [round(run["seconds"], 3) for run in runs],
        "median_seconds": round(median["seconds"], 3),
        "median_ratio": round(median["seconds"] / loads_best, 1),
        "best_seconds": round(runs[0]["seconds"], 3),
        "best_ratio": round(runs[0]["seconds"] / loads_best, 1),
        "median_steps": {
            name: round(seconds, 3) for name, seconds in median["steps"].items()
        },
        "median_without_incoming_archive": round(median["seconds"] - archive, 3),
        "state_floor_seconds": round(state_floor(data), 3),
        "max_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }


class PlanOnlyPort(InstantPort):
    """An ``InstantPort`` that sends nothing: the updates stay planned."""

    def send(
        self,
        updates: Sequence[PlannedUpdate],
        on_batch: BatchCallback,
        *,
        before_sending: Callable[[], None],
    ) -> None:
        """Send nothing and report no batch, so nothing waits for the state."""


def plan_once(data: bytes, deal_ids: dict[str, int]) -> dict[str, float]:
    """Time the steps that target (c) names, with nothing sent.

    Parse and validate, store the versions and read the state, roll up and
    plan every update, and compose the receipt's bytes; no batch is sent,
    so no outcome is recorded and the planned orders stay pending, and
    nothing is archived or journaled.
    """
    from exchange import jsonio
    from exchange.contract.load import load_package
    from exchange.orders.apply import apply_orders
    from exchange.outbox.documents import orders_receipt_body
    from exchange.state.db import paused_gc
    from exchange.state.orders_records import PackageRecord

    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(
            Path(folder), "http://127.0.0.1:9/rest/1/x/", rate=2, burst=50
        )
        port = PlanOnlyPort(deal_ids)
        with Runtime(settings) as runtime, paused_gc():
            started = time.perf_counter()
            loaded = load_package(data, "orders_TMS_1.json", runtime.contract)
            parsed = time.perf_counter()
            package = loaded.package
            if not isinstance(package, OrdersPackage):
                raise TypeError("the benchmark package must be an orders package")
            record = PackageRecord(
                package.package_id,
                loaded.sha256,
                "orders",
                package.sender,
                package.number,
                "orders_TMS_1.json",
                "applying",
            )
            result = apply_orders(
                runtime.orders,
                port,
                package,
                loaded.order_problems,
                record,
                "2026-12-04T00:00:00+00:00",
            )
            applied = time.perf_counter()
            body = orders_receipt_body(
                in_reply_to=record.package_id,
                source_file=record.source_file,
                sha256=record.sha256,
                outcome="applied",
                rows=result.rows,
            )
            # As FileProcessor does: the results while the last writes run,
            # the document with its envelope once they are committed.
            body_json = jsonio.dumps(body, indent=True)
            runtime.orders.wait_for_writes()
            envelope = {"format": "tms-b24-exchange", "version": 1, "number": 1}
            jsonio.merged_objects(jsonio.dumps(envelope, indent=True), body_json)
            done = time.perf_counter()
    return {
        "seconds": done - started,
        "parse and validate": parsed - started,
        "store, roll up, plan": applied - parsed,
        "receipt bytes": done - applied,
    }


def bench_plan() -> dict[str, Any]:
    """Time the steps of target (c) without sending, five times; report the median."""
    return median_of_runs(plan_once)


def median_of_runs(
    once: Callable[[bytes, dict[str, int]], dict[str, float]],
) -> dict[str, Any]:
    """Run ``once`` on the local package ``LOCAL_RUNS`` times; report the median.

    ``once`` returns its total as ``seconds`` and the time of each step
    under the step's name. The ratio is to the best of five
    ``orjson.loads`` of the same bytes.
    """
    data, deal_ids = local_package()
    body = data.removeprefix(b"\xef\xbb\xbf")
    loads_best = min(_timed(lambda: orjson.loads(body)) for _ in range(5))
    runs = []
    for _ in range(LOCAL_RUNS):
        gc.collect()
        runs.append(once(data, deal_ids))
    runs.sort(key=lambda run: run["seconds"])
    median = runs[len(runs) // 2]
    return {
        "orjson_loads_seconds": round(loads_best, 4),
        "runs_seconds": [round(run["seconds"], 3) for run in runs],
        "median_seconds": round(median["seconds"], 3),
        "median_ratio": round(median["seconds"] / loads_best, 1),
        "median_steps": {
            name: round(value, 3) for name, value in median.items() if name != "seconds"
        },
    }


def _timed(function: Any) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


PARTS = ("requests", "wall", "naive", "local", "plan")


def run_part(part: str) -> dict[str, Any]:
    """Run one part in this process and return its results."""
    if part == "requests":
        return {
            "supported": bench_requests("supported"),
            "ignored": bench_requests("ignored"),
            "error": bench_requests("error"),
        }
    if part == "wall":
        return bench_wall()
    if part == "naive":
        return bench_naive()
    if part == "plan":
        return bench_plan()
    if part == "local":
        return {"timed": bench_local(trace=False), "traced": bench_local(trace=True)}
    raise ValueError(f"unknown part {part!r}; use one of {', '.join(PARTS)}")


def main() -> None:
    """Run the named parts, each in a child process, and print their results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", help=f"some of {', '.join(PARTS)}")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    arguments.parts = arguments.parts or list(PARTS)
    unknown = sorted(set(arguments.parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown parts {unknown}; use some of {', '.join(PARTS)}")
    if arguments.in_process:
        for part in arguments.parts:
            sys.stdout.buffer.write(orjson.dumps({part: run_part(part)}) + b"\n")
        return
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    for part in arguments.parts:
        output = subprocess.run(
            [sys.executable, __file__, "--in-process", part],
            check=True,
            capture_output=True,
        ).stdout
        result = orjson.loads(output.splitlines()[-1])
        print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
