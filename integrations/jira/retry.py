"""The adapter's failure policy: bounded retries with backoff, and the error translation.

Every call to Jira goes through :meth:`RetryPolicy.call`. ``JIRAError`` and ``requests``
exceptions become ``bot.core.errors`` here. Messages and logs are built from the status code
and Jira's ``errorMessages`` only: ``str(JIRAError)`` carries the request headers
(``Authorization``), so it is never formatted, logged or chained into a message.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import requests
from jira import JIRAError

from bot.core.errors import AuthError, IntegrationError, NotFound, RateLimited, Unavailable
from bot.core.logs import event

SERVICE = "Jira"
T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry 429/503, other 5xx, timeouts and connection errors."""

    tries: int = 5  # attempts in all, the first included
    base_delay: float = 0.5  # seconds; doubles per attempt, with jitter
    max_delay: float = 30.0  # a longer Retry-After is not waited for: RateLimited at once
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: Retry-After plus jitter, or 2^n."""
        if retry_after is not None:
            return float(retry_after) + random.uniform(0.0, self.base_delay)
        exponential = min(self.max_delay, self.base_delay * 2.0**attempt)
        return exponential * random.uniform(0.5, 1.0)

    def call(self, operation: str, credential_var: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` with bounded retries; raise ``bot.core.errors`` on failure."""
        for attempt in range(1, self.tries + 1):
            retry_after: float | None = None
            try:
                return fn()
            except JIRAError as error:
                failure = translate(error, operation, credential_var)
                retry_after = _retry_after(error)
            except requests.exceptions.RequestException as error:
                failure = Unavailable(
                    SERVICE, f"{operation} failed: {_transport(error)}",
                    detail=f"event=jira.transport_error op={operation} kind={type(error).__name__}",
                )
            if not _retryable(failure) or attempt == self.tries:
                raise failure from None  # not chained: the cause's str() carries headers
            if retry_after is not None and retry_after > self.max_delay:
                raise failure from None
            delay = self.backoff(attempt, retry_after)
            event(
                log, "jira.retry", logging.WARNING, op=operation, attempt=attempt, delay=delay,
                reason=failure.detail
            )
            self.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")


def _transport(error: requests.exceptions.RequestException) -> str:
    if isinstance(error, requests.exceptions.Timeout):
        return "timed out"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "could not connect"
    return "request failed"


def _retryable(failure: IntegrationError) -> bool:
    return isinstance(failure, RateLimited | Unavailable)


def error_messages(error: JIRAError) -> str:
    """Jira's ``errorMessages``/``errors`` from the response body, never the headers."""
    response = error.response
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    messages = [str(m) for m in body.get("errorMessages") or []]
    errors = body.get("errors")
    if isinstance(errors, dict):
        messages += [f"{k}: {v}" for k, v in errors.items()]
    return "; ".join(messages)[:500]


def translate(error: JIRAError, operation: str, credential_var: str) -> IntegrationError:
    """One ``JIRAError`` as the matching ``bot.core.errors`` type (safe to show and log)."""
    status = error.status_code
    text = error_messages(error)
    detail = f"event=jira.http_error op={operation} status={status}"
    suffix = f": {text}" if text else ""
    if status in (401, 403):
        return AuthError(
            SERVICE, f"credentials rejected (HTTP {status}) during {operation}; "
            f"check {credential_var}", detail=detail,
        )
    if status == 404:
        return NotFound(SERVICE, f"{operation}: not found (HTTP 404){suffix}", detail=detail)
    if status == 429:
        return RateLimited(SERVICE, f"{operation}: rate limited (HTTP 429)",
                           retry_after=_retry_after(error) or 0.0, detail=detail)
    if status is not None and 500 <= status < 600:
        return Unavailable(SERVICE, f"{operation}: server error (HTTP {status})", detail=detail)
    if status is None:
        return Unavailable(SERVICE, f"{operation}: no usable response", detail=detail)
    return IntegrationError(SERVICE, f"{operation} rejected (HTTP {status}){suffix}",
                            detail=detail)


def _retry_after(error: JIRAError) -> float | None:
    response = error.response
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
