"""Time parsing and validation of a 100,000-order package.

Run from the repository root: ``.venv/bin/python bench/bench_parse.py``.
Prints the best of three runs of ``orjson.loads`` alone and of
``load_package`` on the same bytes. ``load_package`` covers decoding, JSON,
schema, typed models and business checks. The targets are at most 1.5 s and
at most four times the ``orjson.loads`` time.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from exchange.contract.load import ContractSettings, load_package

TARGET_SECONDS = 1.5
TARGET_RATIO = 4.0
EMPTY_DATE = "0001-01-01T00:00:00"
STATUSES = ("НеОплачен", "ОплаченЧастично", "ОплаченПолностью", "Не оплачен", "")


def make_package(order_count: int, seed: int = 1) -> bytes:
    """Build an orders package as 1C writes it: CRLF, BOM, no indentation."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 8, 0, 0)  # noqa: DTZ001 (1C local time)
    orders = []
    for index in range(order_count):
        created = start + timedelta(seconds=rng.randrange(0, 400 * 24 * 3600))
        realized = (created + timedelta(days=rng.randrange(1, 60))).date().isoformat()
        orders.append(
            {
                "ref": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "number": f"ТЛ-{index:06d}",
                "date": created.isoformat(),
                "document_number": f"ДН-{index:06d}",
                "parent_ref": "00000000-0000-0000-0000-000000000000",
                "payment_status": rng.choice(STATUSES),
                "realization_date": EMPTY_DATE if index % 2 else realized,
                "deletion_mark": False,
                "posted": True,
                "modified_at": created.isoformat(),
            }
        )
    package = {
        "format": "tms-b24-exchange",
        "version": 1,
        "kind": "orders",
        "package_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "sender": "TMS",
        "number": 1,
        "created_at": "2026-03-01T10:00:00",
        "orders": orders,
    }
    text = orjson.dumps(package).replace(b",", b",\r\n")
    return b"\xef\xbb\xbf" + text


def best_of(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    """Return the shortest wall-clock and CPU time of ``runs`` calls, in seconds.

    The CPU time (``time.process_time``) is reported too because the wall
    clock of a shared machine includes time spent waiting for a core.
    """
    wall_times = []
    cpu_times = []
    for _ in range(runs):
        wall_started = time.perf_counter()
        cpu_started = time.process_time()
        action()
        cpu_times.append(time.process_time() - cpu_started)
        wall_times.append(time.perf_counter() - wall_started)
    return min(wall_times), min(cpu_times)


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or the platform's."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main() -> None:
    """Generate the package, time both steps and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--orders", type=int, default=100_000, help="number of orders (default 100000)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per step (default 3)")
    arguments = parser.parse_args()

    data = make_package(arguments.orders)
    settings = ContractSettings()
    result = load_package(data, "bench.json", settings)
    if result.problems or result.package is None:
        raise SystemExit(f"generated package is invalid: {result.problems[:3]}")

    plain = data.removeprefix(b"\xef\xbb\xbf")
    orjson_wall, orjson_cpu = best_of(arguments.runs, lambda: orjson.loads(plain))
    load_wall, load_cpu = best_of(
        arguments.runs, lambda: load_package(data, "bench.json", settings)
    )
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}")
    print(f"python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}")
    print(f"package: {arguments.orders} orders, {len(data) / 2**20:.1f} MiB")
    print(f"best of {arguments.runs}:        wall s   CPU s")
    print(f"orjson.loads           {orjson_wall:7.3f} {orjson_cpu:7.3f}")
    print(f"load_package           {load_wall:7.3f} {load_cpu:7.3f}")
    wall_ratio = load_wall / orjson_wall
    cpu_ratio = load_cpu / orjson_cpu
    print(f"ratio to orjson.loads  {wall_ratio:7.2f} {cpu_ratio:7.2f}")
    within = load_wall <= TARGET_SECONDS and wall_ratio <= TARGET_RATIO
    print(
        f"targets (<= {TARGET_SECONDS} s and <= {TARGET_RATIO} x, wall clock): "
        f"{'met' if within else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
