"""Run the command-line interface with ``python -m exchange``."""

from exchange.cli.main import main

main()
