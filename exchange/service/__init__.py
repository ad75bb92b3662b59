"""Running the service: the runtime, file processing, single runs, the daemon."""
