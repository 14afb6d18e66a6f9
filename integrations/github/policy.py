"""The GitHub adapter's failure policy: bounded retries, the rate-limit budget, error translation.

Every request (PyGithub or httpx) goes through :meth:`Policy.call`. Vendor exceptions become
``bot.core.errors`` here, built from the status code and GitHub's ``message`` only — never from
``str(exception)`` or headers — and are raised unchained so no traceback carries them.

Rate limits:
- a primary limit (``x-ratelimit-remaining: 0``) is never waited for: ``RateLimited`` with
  ``retry_after`` = seconds until ``x-ratelimit-reset``, so the sync defers that team;
- before spending, when the last known remaining budget is below ``reserve`` (default 100,
  2 % of the 5000/h a token gets: enough for a poll of ~20 repositories that changed),
  ``RateLimited`` is raised without making the request;
- a secondary limit (403/429 with ``Retry-After``) is waited for when the wait is at most
  ``max_wait`` seconds, a bounded number of times; a longer wait is ``RateLimited`` at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import requests
from github import GithubException

from bot.core.errors import AuthError, IntegrationError, NotFound, RateLimited, Unavailable
from bot.core.logs import event

SERVICE = "GitHub"
CREDENTIAL_VAR = "GITHUB_TOKEN"
SECONDARY_DEFAULT = 60.0  # seconds to wait on a secondary limit without Retry-After
T = TypeVar("T")
log = logging.getLogger(__name__)


class HttpStatusError(Exception):
    """A non-2xx/304 answer to one of our own httpx requests (carries no request data)."""

    def __init__(self, status: int, headers: Mapping[str, str], message: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.headers, self.message = status, dict(headers), message


@dataclass(slots=True)
class Budget:
    """The last rate-limit figures GitHub reported (``remaining`` is -1 until known)."""

    remaining: int = -1
    limit: int = -1
    reset: float = 0.0  # epoch seconds

    def update(self, headers: Mapping[str, Any]) -> None:
        """Take the ``x-ratelimit-*`` figures from response headers (any case)."""
        lower = {str(k).lower(): v for k, v in headers.items()}
        try:
            if "x-ratelimit-remaining" in lower:
                self.remaining = int(lower["x-ratelimit-remaining"])
            if "x-ratelimit-limit" in lower:
                self.limit = int(lower["x-ratelimit-limit"])
            if "x-ratelimit-reset" in lower:
                self.reset = float(lower["x-ratelimit-reset"])
        except (TypeError, ValueError):
            return


@dataclass(slots=True)
class Policy:
    """Bounded retries with backoff, and the budget guard."""

    tries: int = 4  # attempts in all, the first included
    base_delay: float = 0.5  # seconds; doubles per attempt, with jitter
    max_wait: float = 60.0  # longest Retry-After waited for; longer → RateLimited
    reserve: int = 100  # below this remaining budget, defer instead of spending
    clock: Callable[[], float] = field(default=time.time, compare=False)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    budget: Budget = field(default_factory=Budget)

    def guard(self, operation: str) -> None:
        """Raise ``RateLimited`` when the known budget is below the reserve."""
        if 0 <= self.budget.remaining < self.reserve:
            wait = max(self.budget.reset - self.clock(), 0.0)
            event(
                log, "github.budget_low", logging.WARNING, op=operation,
                remaining=self.budget.remaining, reserve=self.reserve, retry_after=wait
            )
            raise RateLimited(
                SERVICE,
                f"rate-limit budget low ({self.budget.remaining} left) before {operation}; "
                f"deferring until the reset in {wait:.0f} s",
                retry_after=wait,
                detail=f"event=github.budget_low op={operation} remaining={self.budget.remaining}",
            )

    def call(self, operation: str, fn: Callable[[], T], *, guard: bool = True) -> T:
        """Run ``fn`` with bounded retries; raise ``bot.core.errors`` on failure."""
        for attempt in range(1, self.tries + 1):
            if guard:
                self.guard(operation)
            try:
                return fn()
            except GithubException as error:
                self.budget.update(error.headers or {})
                failure, wait = self.translate(
                    error.status, error.headers or {}, _message(error.data), operation
                )
            except HttpStatusError as error:
                self.budget.update(error.headers)
                failure, wait = self.translate(
                    error.status, error.headers, error.message, operation
                )
            except (requests.exceptions.RequestException, httpx.TransportError) as error:
                kind = "timed out" if _is_timeout(error) else "could not connect"
                failure = Unavailable(
                    SERVICE,
                    f"{operation}: {kind}",
                    detail=f"event=github.transport_error op={operation} "
                    f"kind={type(error).__name__}",
                )
                wait = None
            if not isinstance(failure, Unavailable | _Secondary) or attempt == self.tries:
                raise _public(failure) from None  # unchained: a cause could carry request data
            delay = wait if wait is not None else self.base_delay * 2.0 ** (attempt - 1)
            delay *= random.uniform(1.0, 1.25)  # jitter so replicas do not retry in step
            event(
                log, "github.retry", logging.WARNING, op=operation, attempt=attempt, delay=delay,
                reason=failure.detail
            )
            self.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def translate(
        self, status: int, headers: Mapping[str, Any], message: str, operation: str
    ) -> tuple[IntegrationError, float | None]:
        """One HTTP failure as a ``bot.core.errors`` value and the wait before a retry (if any)."""
        lower = {str(k).lower(): str(v) for k, v in headers.items()}
        detail = f"event=github.http_error op={operation} status={status}"
        retry_after = _float(lower.get("retry-after"))
        if status == 401:
            return AuthError(
                SERVICE,
                f"credentials rejected (HTTP 401) during {operation}; check {CREDENTIAL_VAR}",
                detail=detail,
            ), None
        if status in (403, 429) and retry_after is not None:
            if retry_after > self.max_wait:
                return RateLimited(
                    SERVICE,
                    f"{operation}: secondary rate limit, retry in {retry_after:.0f} s",
                    retry_after=retry_after,
                    detail=detail,
                ), None
            secondary = _Secondary(
                SERVICE,
                f"{operation}: secondary rate limit",
                retry_after=retry_after,
                detail=detail,
            )
            return secondary, retry_after
        if status in (403, 429) and "secondary rate limit" in message.lower():
            # no Retry-After: GitHub asks for at least a minute, so defer rather than sleep
            return RateLimited(
                SERVICE,
                f"{operation}: secondary rate limit",
                retry_after=SECONDARY_DEFAULT,
                detail=detail,
            ), None
        if status in (403, 429) and (
            lower.get("x-ratelimit-remaining") == "0" or "rate limit" in message.lower()
        ):
            reset = _float(lower.get("x-ratelimit-reset")) or self.clock()
            wait = max(reset - self.clock(), 0.0)
            return RateLimited(
                SERVICE,
                f"{operation}: rate limit exhausted; resets in {wait:.0f} s",
                retry_after=wait,
                detail=detail,
            ), None
        if status == 403:
            return AuthError(
                SERVICE,
                f"access denied (HTTP 403) during {operation}; check that "
                f"{CREDENTIAL_VAR} can read it",
                detail=detail,
            ), None
        if status == 404:
            return NotFound(
                SERVICE, f"{operation}: not found or not visible to {CREDENTIAL_VAR}", detail=detail
            ), None
        if 500 <= status < 600:
            return Unavailable(
                SERVICE, f"{operation}: server error (HTTP {status})", detail=detail
            ), None
        return IntegrationError(
            SERVICE, f"{operation} rejected (HTTP {status}): {message[:200]}", detail=detail
        ), None


class _Secondary(RateLimited):
    """A short secondary-limit wait the policy retries itself."""

    def __init__(self, service: str, message: str, *, retry_after: float, detail: str = "") -> None:
        super().__init__(service, message, retry_after=retry_after, detail=detail)


def _public(failure: IntegrationError) -> IntegrationError:
    if isinstance(failure, _Secondary):  # retries ran out: report it as a plain RateLimited
        return RateLimited(
            SERVICE,
            failure.message.removeprefix(f"{SERVICE}: "),
            retry_after=failure.retry_after,
            detail=failure.detail,
        )
    return failure


def _message(data: Any) -> str:
    if isinstance(data, dict):
        return str(data.get("message", ""))[:300]
    return ""


def _float(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def _is_timeout(error: Exception) -> bool:
    return isinstance(error, requests.exceptions.Timeout | httpx.TimeoutException)
