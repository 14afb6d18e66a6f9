"""What one sync pass did, per team and source: the summary the CLI prints and serve logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Status = Literal["ok", "unchanged", "deferred", "failed", "skipped"]


class ProgressFn(Protocol):
    """Told as a source goes: team, source, items or PRs processed so far, requests so far,
    rate-limit remaining (or None), and how many there are in all where a source says."""

    def __call__(
        self, team: str, source: str, items: int, requests: int, remaining: int | None,
        total: int | None = None,
    ) -> None: ...


def no_progress(
    team: str, source: str, items: int, requests: int, remaining: int | None,
    total: int | None = None,
) -> None:
    """The default progress callback: nothing."""


def wants_totals(progress: ProgressFn) -> bool:
    """Whether ``progress`` shows totals (worth a request: Jira Cloud's approximate count)."""
    return bool(getattr(progress, "wants_totals", False))


@dataclass(slots=True)
class SourceReport:
    """One team's pass over one source (``jira``, or ``github <repo>``)."""

    team: str
    source: str
    status: Status = "ok"
    changed: dict[str, int] = field(default_factory=dict)  # "items" -> 3, "prs" -> 1, ...
    requests: int = 0
    message: str = ""  # safe to show: errors of bot.core.errors only
    retry_after: float | None = None

    def count(self, what: str, n: int) -> None:
        """Add ``n`` changed records of kind ``what``."""
        if n:
            self.changed[what] = self.changed.get(what, 0) + n

    def line(self) -> str:
        """``payments   jira                      ok        items=3 transitions=4  requests=2``."""
        what = " ".join(f"{k}={v}" for k, v in self.changed.items()) or "no changes"
        if self.status in ("deferred", "failed", "skipped"):
            what = self.message
        head = f"{self.team:<14} {self.source:<30} {self.status:<9}"
        return f"{head} {what}  requests={self.requests}"


@dataclass(slots=True)
class SyncSummary:
    """Every ``SourceReport`` of one pass."""

    reports: list[SourceReport] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Requests the pass spent in all."""
        return sum(r.requests for r in self.reports)

    @property
    def deferred(self) -> list[SourceReport]:
        """Sources put off by a rate limit (completed by a later pass)."""
        return [r for r in self.reports if r.status == "deferred"]

    @property
    def failed(self) -> list[SourceReport]:
        """Sources that failed (their data is left as it was)."""
        return [r for r in self.reports if r.status == "failed"]

    def lines(self) -> list[str]:
        """One line per team and source, then a total."""
        out = [r.line() for r in self.reports]
        out.append(
            f"total: {self.requests} requests, {len(self.deferred)} deferred, "
            f"{len(self.failed)} failed"
        )
        return out
