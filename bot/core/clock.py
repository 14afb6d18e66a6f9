"""The one clock type of the services, and the one name format of lease and claim holders.

Services take a ``Clock`` (``utc_now`` in production, a fixed or stepping one in tests).
Every lease and ledger claim is held by ``new_holder(kind)``: ``kind:host:pid:random``, so
a log line or a ledger row says what held it and where, and a rerun on the same host can
tell that a holder's process is gone (``dead_local_holder``).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, aware UTC (the default clock of the services)."""
    return datetime.now(UTC)


def new_holder(kind: str) -> str:
    """A unique holder name: ``kind:host:pid:random``."""
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_host_pid(holder: str) -> tuple[str, int] | None:
    """The host and process id in a holder name (also the older ``host:pid:random``)."""
    parts = holder.split(":")
    if len(parts) == 4:
        parts = parts[1:]
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def dead_local_holder(holder: str) -> bool:
    """Whether ``holder`` ran on this host in a process that no longer exists."""
    found = holder_host_pid(holder)
    if found is None or found[0] != socket.gethostname():
        return False
    try:
        os.kill(found[1], 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
