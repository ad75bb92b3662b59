"""Moving exchange files: local and SFTP inboxes and outboxes, and a watcher."""

from exchange.transport.atomic import write_atomic
from exchange.transport.check import CheckResult, check_sftp
from exchange.transport.hostkeys import HostKeyError, fingerprint_sha256
from exchange.transport.local import LocalInbox, LocalOutbox
from exchange.transport.sftp import SftpInbox
from exchange.transport.sftp_connection import (
    SftpConnection,
    SftpLoginError,
    SftpSettings,
)
from exchange.transport.sftp_outbox import SftpOutbox
from exchange.transport.source import (
    IncomingFile,
    PollResult,
    Source,
    Target,
    wait_settled,
)
from exchange.transport.watcher import InboxWatcher

__all__ = [
    "CheckResult",
    "HostKeyError",
    "InboxWatcher",
    "IncomingFile",
    "LocalInbox",
    "LocalOutbox",
    "PollResult",
    "SftpConnection",
    "SftpInbox",
    "SftpLoginError",
    "SftpOutbox",
    "SftpSettings",
    "Source",
    "Target",
    "check_sftp",
    "fingerprint_sha256",
    "wait_settled",
    "write_atomic",
]
