"""The small error tree every integration failure is translated into at the adapter edge.

    CrosswalkError
     ├── ConfigError                 bad config or environment (exit code 2)
     └── IntegrationError            a service failed (exit code 1)
          ├── AuthError              credentials rejected: names the service and variable
          ├── NotFound               a configured project, repository or channel is missing
          ├── RateLimited            the service asked us to wait ``retry_after`` seconds
          └── Unavailable            timeouts, 5xx, connection errors after bounded retries

``str()`` of any of these is safe to show to a person: it never carries a token, a header
or a URL with credentials. Log detail goes in ``detail``, which is equally secret-free.
"""

from __future__ import annotations


class CrosswalkError(Exception):
    """Base of every error Crosswalk raises on purpose."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class ConfigError(CrosswalkError):
    """A bad config value or a missing environment variable; the message names it."""


class IntegrationError(CrosswalkError):
    """A call to Jira, GitHub or Slack failed."""

    def __init__(self, service: str, message: str, *, detail: str = "") -> None:
        super().__init__(f"{service}: {message}", detail=detail)
        self.service = service


class AuthError(IntegrationError):
    """The service rejected our credentials."""


class NotFound(IntegrationError):
    """A configured project, repository, channel or user does not exist or is not visible."""


class RateLimited(IntegrationError):
    """The service asked us to wait; ``retry_after`` is in seconds."""

    def __init__(self, service: str, message: str, *, retry_after: float, detail: str = "") -> None:
        super().__init__(service, message, detail=detail)
        self.retry_after = retry_after


class Unavailable(IntegrationError):
    """Timeouts, server errors and connection failures that outlived their retries."""
