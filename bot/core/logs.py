"""Logging: event names with fields, key=value on a terminal, JSON lines elsewhere, redacted.

Use ``log = logging.getLogger(__name__)`` and either
``log.info("sync.page_committed", extra={"fields": {"team": "payments", "items": 100}})`` or
``event(log, "sync.page_committed", team="payments", items=100)``. The CLI calls
``configure_logging`` once and ``register_secret`` for every token it read; every record then
passes a filter that blanks registered secrets and anything shaped like a credential.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

REDACTED = "[REDACTED]"
# httpx logs every URL at INFO; the others log request details; alembic lists its plugins.
QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "urllib3",
    "requests_oauthlib",
    "github",
    "alembic.runtime.plugins",
)
MIN_SECRET_LENGTH = 4  # shorter values would blank ordinary words; no real token is that short

_PATTERNS = (
    # A header line or dict entry: "Authorization: Basic abc", "'Authorization': 'Bearer x'".
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\n,}]+"),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\b(Basic\s+)[A-Za-z0-9+/=]{16,}"),  # case-sensitive: "basic information" stays
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"\bxapp-[A-Za-z0-9-]+"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"(://[^/:@\s]*:)\S*(?=@[^@\s]*)"),  # a password in a URL, to its last "@"
    re.compile(r"(?i)([?&]password=)[^&#\s]+"),  # libpq's password query parameter
    # A slash command's response_url is a bearer secret (anyone holding it can post as the
    # app for 30 minutes), raw or form-encoded in a logged body.
    re.compile(r"https?(?::|%3A)(?:/|%2F){2}hooks\.slack\.com(?:/|%2F)[^\s&\"']+", re.IGNORECASE),
    re.compile(r"(?i)((?:^|[?&\s\"'])response_url=)[^&\s\"']+"),
    re.compile(r"(?i)(['\"]response_url['\"]\s*:\s*['\"])[^'\"]+"),
    # The legacy verification token in a form body ("token=...&team_id=...").
    re.compile(r"((?:^|[?&\s\"'])token=)[^&\s\"']+"),
)

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Redact ``value`` from every log record from now on."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with registered secrets and credential-shaped strings replaced."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # longest first: one may contain another
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(
            lambda m: (m.group(1) + REDACTED) if m.re.groups else REDACTED,
            text,
        )
    return text


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


class RedactingStream(io.TextIOBase):
    """A text stream that redacts what passes through it: the CLI puts stdout and stderr
    behind one, so an upstream's error text echoed in a message can carry no secret."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner

    def write(self, text: str) -> int:
        """Write ``text`` redacted; the count is of ``text`` as given."""
        self.inner.write(redact(text))
        return len(text)

    def flush(self) -> None:
        """Flush the wrapped stream."""
        self.inner.flush()

    def isatty(self) -> bool:
        """Whether the wrapped stream is a terminal."""
        return self.inner.isatty()

    def fileno(self) -> int:
        """The wrapped stream's descriptor."""
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The wrapped stream's encoding."""
        return str(getattr(self.inner, "encoding", "utf-8"))


def redact_streams() -> None:
    """Put ``sys.stdout`` and ``sys.stderr`` behind a ``RedactingStream`` (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, RedactingStream):
            setattr(sys, name, RedactingStream(stream))


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, args and fields with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            record.fields = {str(key): _redact_value(value) for key, value in fields.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _fields(record: logging.LogRecord) -> Mapping[str, object]:
    fields = getattr(record, "fields", None)
    return fields if isinstance(fields, Mapping) else {}


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class KeyValueFormatter(logging.Formatter):
    """``2026-11-23T09:00:00.000+00:00 INFO sync.page_committed team=payments items=100``."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_timestamp(record), f"{record.levelname:<7}", record.getMessage()]
        for key, value in _fields(record).items():
            text = str(value)
            if not text or any(ch in text for ch in ' "=\n'):
                text = json.dumps(text)
            parts.append(f"{key}={text}")
        line = " ".join(parts)
        if record.exc_text or record.exc_info:
            line += "\n" + (record.exc_text or self.formatException(record.exc_info))  # type: ignore[arg-type]
        return redact(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, then the event's fields."""

    _RESERVED = frozenset({"ts", "level", "logger", "event", "exc"})

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in _fields(record).items():
            name = f"field.{key}" if key in self._RESERVED else key
            data[name] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_text or record.exc_info:
            data["exc"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return redact(json.dumps(data, ensure_ascii=False))


_HANDLER_NAME = "crosswalk"


def configure_logging(
    stream_is_tty: bool, level: int | str = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Install the one root handler (replacing an earlier one of ours) and return it."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(KeyValueFormatter() if stream_is_tty else JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def event(
    logger: logging.Logger, name: str, level: int = logging.INFO, /, **fields: object
) -> None:
    """Log event ``name`` with ``fields`` (positional ``level``: a field may be called so)."""
    logger.log(level, name, extra={"fields": fields}, stacklevel=2)
