"""Entry point of the ``exchange`` command."""

from __future__ import annotations

import importlib

import click

from exchange import __version__
from exchange.errors import ExchangeError

# Each module defines one click command or group under the name ``command``.
COMMAND_MODULES = [
    "exchange.cli.config_cmd",
    "exchange.cli.audit_cmd",
    "exchange.cli.emulator_cmd",
    "exchange.cli.run_cmd",
    "exchange.cli.validate_cmd",
    "exchange.cli.demo_cmd",
    "exchange.cli.status_cmd",
    "exchange.cli.check_cmd",
    "exchange.cli.counterparties_cmd",
]


class ExchangeGroup(click.Group):
    """A group that turns the service's errors into a message and an exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ExchangeError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(
    cls=ExchangeGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="exchange")
@click.option(
    "--config",
    "config_path",
    envvar="EXCHANGE_CONFIG",
    type=click.Path(dir_okay=False),
    default=None,
    help="Configuration file (TOML); default exchange.toml in the current folder "
    "when it exists. Also set by EXCHANGE_CONFIG.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    default="info",
    show_default=True,
    help="Lowest level of log messages written to standard error.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"], case_sensitive=False),
    default="text",
    show_default=True,
    help="Log lines for people (text) or one JSON object per line (json).",
)
@click.pass_context
def cli(
    ctx: click.Context, config_path: str | None, log_level: str, log_format: str
) -> None:
    """Exchange JSON packages between 1C:Transport Logistics and Bitrix24."""
    from exchange.cli.context import AppContext
    from exchange.logs import configure_logging

    configure_logging(level=log_level, fmt=log_format)
    ctx.obj = AppContext(config_path=config_path)


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        cli.add_command(module.command)
        for extra in getattr(module, "EXTRA_COMMANDS", ()):
            cli.add_command(getattr(module, extra))


_register()


def main() -> None:
    """Run the command line; click turns usage errors into exit code 2."""
    cli(prog_name="exchange")
