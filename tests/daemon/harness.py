"""Running ``exchange run`` as a real subprocess against a work folder.

Shared by the daemon tests and the fault tests. A ``Workspace`` is a work
folder with its configuration file; ``DaemonProcess`` starts
``python -m exchange --config ... run`` in it, with its log in a file.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exchange import jsonio

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"

DOCUMENT_NUMBER = "UF_CRM_1700000001"
PAYMENT_STATUS = "UF_CRM_1700000002"
REALIZATION_DATE = "UF_CRM_1700000003"

# Short times so that tests run in seconds; the defaults are minutes.
FAST_SETTINGS: dict[str, dict[str, Any]] = {
    "inbox": {"settle_seconds": 0.3, "rescan_seconds": 1.0},
    "orders": {"retry_pending_seconds": 1.0},
    "bitrix24.deal_fields": {
        "document_number": DOCUMENT_NUMBER,
        "payment_status": PAYMENT_STATUS,
        "realization_date": REALIZATION_DATE,
    },
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return jsonio.dumps_text(str(value))


@dataclass
class Workspace:
    """A work folder with ``exchange.toml``, its folders and a webhook URL."""

    root: Path
    webhook_url: str

    @property
    def config(self) -> Path:
        """The configuration file."""
        return self.root / "exchange.toml"

    @property
    def inbox(self) -> Path:
        """The inbox folder."""
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        """The outbox folder."""
        return self.root / "outbox"

    @property
    def archive(self) -> Path:
        """The archive folder."""
        return self.root / "archive"

    @property
    def errors(self) -> Path:
        """The folder of rejected files."""
        return self.root / "errors"

    @property
    def state(self) -> Path:
        """The state database."""
        return self.root / "state" / "exchange.sqlite3"

    def write_config(
        self, overrides: Mapping[str, Mapping[str, Any]] | None = None
    ) -> None:
        """Write ``exchange.toml`` from ``FAST_SETTINGS`` and ``overrides``."""
        sections: dict[str, dict[str, Any]] = {
            name: dict(values) for name, values in FAST_SETTINGS.items()
        }
        for name, values in (overrides or {}).items():
            sections.setdefault(name, {}).update(values)
        lines: list[str] = []
        for name, values in sections.items():
            lines.append(f"[{name}]")
            lines.extend(f"{key} = {_toml_value(v)}" for key, v in values.items())
            lines.append("")
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.config.write_text("\n".join(lines), encoding="utf-8")

    def env(self) -> dict[str, str]:
        """Return the environment of the service: no inherited EXCHANGE_ vars."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")}
        env["EXCHANGE_BITRIX24__WEBHOOK_URL"] = self.webhook_url
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def drop(self, name: str, data: bytes) -> None:
        """Put a complete file into the inbox: write a temporary name, rename."""
        temporary = self.inbox / f"{name}.part"
        temporary.write_bytes(data)
        temporary.rename(self.inbox / name)

    def outbox_names(self, prefix: str = "") -> list[str]:
        """Return the sorted names of final files in the outbox."""
        if not self.outbox.is_dir():
            return []
        return sorted(
            path.name
            for path in self.outbox.iterdir()
            if path.name.startswith(prefix) and path.name.endswith(".json")
        )

    def inbox_names(self) -> list[str]:
        """Return the sorted names of every file left in the inbox."""
        return sorted(path.name for path in self.inbox.iterdir())

    def run_once(
        self, *args: str, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run ``exchange run --once`` in this workspace and wait for it."""
        command = [sys.executable, "-m", "exchange", "--config", str(self.config)]
        return subprocess.run(
            [*command, *args, "run", "--once"],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def journal_rows(self) -> list[sqlite3.Row]:
        """Return every journal entry of the state database, oldest first."""
        conn = sqlite3.connect(self.state)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute("SELECT * FROM journal_entries ORDER BY id").fetchall()
        finally:
            conn.close()


class DaemonProcess:
    """``exchange run`` started in a workspace, logging to ``log_path``."""

    def __init__(
        self,
        workspace: Workspace,
        *global_args: str,
        name: str = "daemon",
        python_args: tuple[str, ...] = ("-m", "exchange"),
    ) -> None:
        self.workspace = workspace
        self.global_args = global_args
        self.python_args = python_args
        self.log_path = workspace.root / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> DaemonProcess:
        """Start the process; its standard error is appended to the log file."""
        command = [sys.executable, *self.python_args, "--config"]
        command += [str(self.workspace.config), *self.global_args, "run"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.workspace.root,
                env=self.workspace.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        return self

    @property
    def pid(self) -> int:
        """The process id."""
        return self._process().pid

    def _process(self) -> subprocess.Popen[bytes]:
        if self.process is None:
            raise RuntimeError("the daemon was not started")
        return self.process

    def alive(self) -> bool:
        """Tell whether the process is still running."""
        return self._process().poll() is None

    def log_text(self) -> str:
        """Return the whole log so far."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = 10.0) -> None:
        """Wait until ``text`` appears in the log."""
        wait_until(lambda: text in self.log_text(), timeout, f"log line {text!r}")

    def signal(self, number: int, timeout: float = 10.0) -> int:
        """Send signal ``number`` and return the exit code."""
        process = self._process()
        process.send_signal(number)
        return process.wait(timeout=timeout)

    def kill(self) -> None:
        """Kill the process with SIGKILL and reap it."""
        process = self._process()
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the process if it still runs: SIGTERM, then SIGKILL."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05
) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def deal_values(deals: Mapping[int, Mapping[str, Any]]) -> dict[int, tuple[Any, ...]]:
    """Return the three exchange fields of every deal, by deal ID."""
    return {
        deal_id: (
            deal.get(DOCUMENT_NUMBER),
            deal.get(PAYMENT_STATUS),
            deal.get(REALIZATION_DATE),
        )
        for deal_id, deal in deals.items()
    }


def read_json(path: Path) -> Any:
    """Parse one JSON file; a leading UTF-8 byte order mark is skipped."""
    return jsonio.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
