"""``exchange emulator``: serve an emulated Bitrix24 webhook for demos and tests."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from exchange.emulator import Emulator

# The demo seed in a source checkout, and where a wheel installs the samples.
DEMO_SEED_CANDIDATES = (
    Path(__file__).resolve().parents[2] / "samples" / "bitrix24" / "portal.json",
    Path(__file__).resolve().parents[1] / "_samples" / "bitrix24" / "portal.json",
)


@click.command("emulator")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="TCP port to listen on; 0 picks a free port.",
)
@click.option(
    "--seed",
    "seed_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Seed file (JSON) with the portal's fields and rows; default is the "
    "demo seed samples/bitrix24/portal.json when it exists, else an empty portal.",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    show_default=True,
    help="Drain rate of the request limiter, in requests per second.",
)
@click.option(
    "--burst",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Burst size of the request limiter, in requests.",
)
@click.option(
    "--operating-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=480.0,
    show_default=True,
    help="Operating time allowed per method in ten minutes, in seconds.",
)
@click.option(
    "--in-operator",
    type=click.Choice(["supported", "ignored", "error"]),
    default="supported",
    show_default=True,
    help="What the '@' (in) filter operator does on custom UF_ fields: filter, "
    "be dropped like an unknown key, or fail with HTTP 400.",
)
@click.option(
    "--webhook-code",
    default="emulatorsecret0123",
    show_default=True,
    help="Secret code in the webhook path /rest/1/<code>/.",
)
def command(
    host: str,
    port: int,
    seed_path: Path | None,
    rate: float,
    burst: int,
    operating_limit: float,
    in_operator: str,
    webhook_code: str,
) -> None:
    """Serve an emulated Bitrix24 inbound webhook until SIGINT or SIGTERM.

    While it runs, the fault switches under http://HOST:PORT/_emulator/
    (faults, outage, clear, stats, stats/reset, limits) accept GET or POST
    with a JSON body. They inject errors, delays, dropped connections and
    outages, and return request counts. docs/emulator.md describes each body
    with curl examples.
    """
    if seed_path is None:
        seed_path = next(
            (path for path in DEMO_SEED_CANDIDATES if path.is_file()), None
        )
    emulator = Emulator(
        seed_path,
        host=host,
        port=port,
        webhook_code=webhook_code,
        requests_per_second=rate,
        burst=burst,
        operating_limit_seconds=operating_limit,
        in_operator_on_uf=in_operator,
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    previous = {
        number: signal.signal(number, request_stop)
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        emulator.start()
        click.echo(f"Webhook URL: {emulator.webhook_url}", nl=True)
        click.echo(f"Fault switches: {emulator.control_url} (see docs/emulator.md)")
        click.echo("Press Ctrl+C to stop.")
        # Short waits let the main thread run the signal handler promptly.
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
    click.echo("Emulator stopped.")
