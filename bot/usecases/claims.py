"""Claiming a post once across runs and replicas, taking over a claim that went stale, and
finding the post a dead run may have made before posting it again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.errors import IntegrationError
from bot.core.logs import event
from bot.core.ports import Messenger, PostedRef
from bot.store.ledgers import DigestEntry

log = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(minutes=5)  # between the replica that claimed and Slack's clock
STALE_CLAIM = timedelta(minutes=30)  # a claim without a post this old: its run died


# The ledger key a post carries as message metadata (``crosswalk_post``), by which a later run
# finds it in the conversation's history. One place, so that the formats stay apart.

def digest_post_key(team: str, week: str) -> str:
    """``digest:<team>:<ISO week>``."""
    return f"digest:{team}:{week}"


def review_post_key(team: str, period: str) -> str:
    """``review:<team>:<period key>``."""
    return f"review:{team}:{period}"


def alert_post_key(alert_key: str, level: int, recipient: str) -> str:
    """``alert:<alert key>:<level>:<recipient>`` (one post per alert, level and recipient)."""
    return f"alert:{alert_key}:{level}:{recipient}"


def claim_or_take_over(
    claim: Callable[[], bool],
    entry: Callable[[], DigestEntry | None],
    take_over: Callable[[str], bool],
    now: datetime,
    stale_after: timedelta,
) -> tuple[bool, DigestEntry | None]:
    """Claim a post; or, when the claim is another run's, unposted and older than
    ``stale_after`` (its run died or lost Slack's answer), take it over from that holder in
    one statement, so exactly one of several racing runs wins and no run can claim afresh
    in between.

    Returns whether this run holds the claim, and the stale entry it took over (if it did):
    that run may have posted before it died, so look with ``earlier_post`` before posting.
    """
    if claim():
        return True, None
    found = entry()
    if found is None or found.message_ts or now - found.claimed_at < stale_after:
        return False, None
    if take_over(found.claimed_by):
        return True, found
    return False, None


def earlier_post(
    messenger: Messenger, channel: str, key: str, since: datetime | None
) -> PostedRef | None:
    """The post an earlier attempt made before its run died or lost Slack's answer, found
    in the conversation's history since ``since`` (that attempt's claim) by the ledger
    ``key`` it carries as metadata. None when there was no such attempt (``since`` None),
    nothing carries the key, or the history cannot be read (then the post is made again, as
    before the history was asked)."""
    if since is None:
        return None
    try:
        return messenger.find_posted(channel, key, since - CLOCK_SKEW)
    except IntegrationError as exc:
        event(log, "slack.history_unreadable", logging.WARNING, channel=channel, key=key,
              error=exc.message, fix="grant the *:history scopes and im:write (reinstall)")
        return None
