"""Claiming a post once across runs and replicas, taking over a claim that went stale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.store.ledgers import DigestEntry


def claim_or_take_over(
    claim: Callable[[], bool],
    entry: Callable[[], DigestEntry | None],
    release: Callable[[str], bool],
    now: datetime,
    stale_after: timedelta,
) -> tuple[bool, str | None]:
    """Claim a post; or, when the claim is another run's, unposted and older than
    ``stale_after`` (its run died or lost Slack's answer), release it by that holder's name
    and claim again, so exactly one of several racing runs wins.

    Returns whether this run holds the claim, and the stale holder released (if one was).
    """
    if claim():
        return True, None
    found = entry()
    if found is None or found.message_ts or now - found.claimed_at < stale_after:
        return False, None
    released = found.claimed_by if release(found.claimed_by) else None
    return claim(), released
