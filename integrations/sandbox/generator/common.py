"""Shared pieces of the scenario generator: people, statuses, working-time snapping, words."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

BACKLOG = "Backlog"
READY = "Ready for Development"
IN_PROGRESS = "In Progress"
IN_REVIEW = "In Review"
CLARIFY = "Needs Clarification"
DONE = "Done"
STATUSES = (BACKLOG, READY, IN_PROGRESS, IN_REVIEW, CLARIFY, DONE)
STARTED = frozenset({IN_PROGRESS, IN_REVIEW})
HANDOFF = frozenset({READY})

DEPENDABOT = "dependabot[bot]"
REVIEW_BOTS = ("sonarcloud[bot]", "copilot-pull-request-reviewer[bot]")
BOTS = (DEPENDABOT, *REVIEW_BOTS)

_FIRST = (
    "alice", "bob", "carol", "dan", "erin", "farah", "gita", "hugo", "ines", "jon", "kemi",
    "lars", "mona", "nils", "olga", "pavel", "quinn", "rosa", "sami", "tara", "umar", "vera",
    "wei", "xena", "yusuf", "zoe",
)
_LAST = (
    "adams", "brown", "chen", "diaz", "evans", "fischer", "garcia", "hughes", "ito", "jones",
    "khan", "lopez", "meyer", "novak", "okafor", "patel", "quist", "rossi", "silva", "tanaka",
)
_VERBS = ("Add", "Show", "Fix", "Support", "Validate", "Export", "Retry", "Cache", "Allow")
_NOUNS = (
    "refund reason", "card expiry", "invoice PDF", "payout report", "basket total",
    "address lookup", "coupon code", "VAT number", "receipt email", "order history",
    "3-D Secure step", "currency rounding", "saved cards", "webhook signature",
)
_TAILS = ("for EU customers", "in the admin", "on mobile", "after timeout", "in exports", "")


@dataclass(frozen=True, slots=True)
class Person:
    """One human across the three services."""

    name: str  # "Alice Adams"
    email: str
    login: str  # GitHub
    jira_id: str
    slack_id: str
    tz: str
    role: str  # "product" | "engineering"


def log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    """A duration spread evenly on a log scale (many short waits, a long tail)."""
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def working(at: datetime, tz: ZoneInfo) -> datetime:
    """``at`` moved forward into the next working hour (09:00–17:30 weekdays, local time).

    People act in working hours; snapping keeps generated transitions believable.
    """
    local = at.astimezone(tz)
    spread = timedelta(minutes=(local.minute * 7 + local.hour * 13) % 90)
    if local.weekday() < 5 and 9 <= local.hour < 17:
        return at
    day = local.date() if local.hour < 9 else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 9, tzinfo=tz) + spread
    return start.astimezone(at.tzinfo)


def later(rng: random.Random, at: datetime, span: tuple[float, float], tz: ZoneInfo) -> datetime:
    """A working-time moment a log-uniform number of hours after ``at``."""
    return working(at + hours_(log_uniform(rng, *span)), tz)


def hours(value: float) -> timedelta:
    """A timedelta of ``value`` hours, in whole seconds (the services' precision)."""
    return timedelta(seconds=round(value * 3600))


hours_ = hours  # for functions whose parameter is called ``hours``


def summary(rng: random.Random) -> str:
    """A believable issue summary."""
    text = f"{rng.choice(_VERBS)} {rng.choice(_NOUNS)} {rng.choice(_TAILS)}"
    return text.strip()


def slug(text: str) -> str:
    """A branch-name slug of a summary."""
    words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
    return "-".join(words[:5])


def person_name(index: int) -> tuple[str, str]:
    """The ``index``-th distinct (first, last) name pair."""
    first = _FIRST[index % len(_FIRST)]
    last = _LAST[(index + index // len(_FIRST)) % len(_LAST)]  # injective below 520
    round_ = index // (len(_FIRST) * len(_LAST))
    return first, last if round_ == 0 else f"{last}{round_ + 1}"
