"""``exchange demo``: the orders samples against the embedded emulator."""

from __future__ import annotations

from pathlib import Path

import click

from exchange.cli.output import console, print_outcomes


@click.command("demo")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Work folder of the demo; it is emptied and filled anew on each run.",
)
def command(workdir: Path) -> None:
    """Run the orders samples against an emulated Bitrix24 and show the result.

    Starts the emulator with the demo deals on 127.0.0.1, copies the valid
    orders samples into a fresh inbox, runs the pipeline once and prints what
    happened to each order. Nothing outside the work folder is touched.
    """
    from exchange.service.demo import run_demo

    report, settings = run_demo(workdir.resolve())
    print_outcomes(report.files)
    out = console()
    out.print()
    out.print(f"receipts for 1C: {settings.paths.outbox}")
    out.print(f"archive: {settings.paths.archive}")
    out.print(
        "pending and error orders are expected here: the demo portal has no "
        "deal with ТЛ-000199 and two deals with ТЛ-000106"
    )
