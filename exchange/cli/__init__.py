"""The ``exchange`` command, one module per command or command group."""
