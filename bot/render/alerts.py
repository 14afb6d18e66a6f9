"""Alert messages: channel posts and DMs with *Snooze 1 day* / *Acknowledge* buttons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.flow.alerts import Alert, OpenHandoff, PendingReview, UnreleasedWork
from bot.render.common import (
    Block,
    bullet_list,
    button,
    context,
    fmt_seconds_working,
    fmt_when,
    section,
    short,
)
from bot.render.escape import esc, link, mention

SNOOZE_ACTION = "crosswalk_snooze"
ACK_ACTION = "crosswalk_ack"
ACTIONS_BLOCK_ID = "crosswalk_alert_actions"
Reply = tuple[str, list[Block]]


def alert_actions(alert_key: str) -> Block:
    """The *Snooze 1 day* and *Acknowledge* buttons; both carry the alert key."""
    return {
        "type": "actions",
        "block_id": ACTIONS_BLOCK_ID,
        "elements": [
            button("Snooze 1 day", SNOOZE_ACTION, alert_key),
            button("Acknowledge", ACK_ACTION, alert_key, style="primary"),
        ],
    }


def _reminder(alert: Alert) -> str:
    return "" if alert.level <= 1 else f" (reminder {alert.level - 1}: the wait has doubled)"


def _people(user_ids: Sequence[str]) -> str:
    return ", ".join(mention(u) for u in user_ids) if user_ids else "the team"


def handoff_channel_message(
    alert: Alert, handoff: OpenHandoff, *, people: Sequence[str], day_hours: float = 8.0
) -> Reply:
    """Channel post for a handoff waiting past its threshold, naming the people involved."""
    key = handoff.fact.item_key
    waited = fmt_seconds_working(alert.waited_working_seconds, day_hours)
    body = (
        f":hourglass: {link(handoff.url, key)} {esc(handoff.summary)} has waited *{waited}* "
        f"for pickup{_reminder(alert)}.\n{_people(people)}: can someone pick it up, or send it "
        "back with questions?"
    )
    text = f"{esc(key)} has waited {waited} for pickup"
    return text, [section(body), alert_actions(alert.alert_key)]


def handoff_dm(alert: Alert, handoff: OpenHandoff, *, day_hours: float = 8.0) -> Reply:
    """DM to a product or engineering person about a waiting handoff."""
    key = handoff.fact.item_key
    waited = fmt_seconds_working(alert.waited_working_seconds, day_hours)
    body = (
        f"{link(handoff.url, key)} {esc(handoff.summary)} has waited *{waited}* for pickup"
        f"{_reminder(alert)}. Pick it up, ask a question on the ticket, or snooze this."
    )
    text = f"{esc(key)} has waited {waited} for pickup"
    return text, [section(body), alert_actions(alert.alert_key)]


def review_dm(alert: Alert, review: PendingReview, *, day_hours: float = 8.0) -> Reply:
    """DM to a requested reviewer (``people.github`` maps their login to a Slack user) of a
    pull request waiting for its first review."""
    name = f"{review.repo}#{review.number}"
    waited = fmt_seconds_working(alert.waited_working_seconds, day_hours)
    body = (
        f":eyes: {link(review.url, name)} {esc(review.title)} has waited *{waited}* for a first "
        f"review{_reminder(alert)}, and you are a requested reviewer."
    )
    text = f"{esc(name)} has waited {waited} for your review"
    return text, [section(body), alert_actions(alert.alert_key)]


def review_team_dm(
    alert: Alert, review: PendingReview, *, reviewers: Sequence[str], day_hours: float = 8.0
) -> Reply:
    """DM to the team's engineering people about a PR waiting for its first review, when
    no requested reviewer can be reached directly (``people.github`` maps none of them to a
    Slack user).

    ``reviewers`` are the requested reviewers' GitHub logins (outside text, escaped): named,
    never guessed into Slack mentions.
    """
    name = f"{review.repo}#{review.number}"
    waited = fmt_seconds_working(alert.waited_working_seconds, day_hours)
    asked = ", ".join(esc(login) for login in reviewers) if reviewers else "nobody yet"
    body = (
        f":eyes: {link(review.url, name)} {esc(review.title)} has waited *{waited}* for a first "
        f"review{_reminder(alert)}. Requested reviewers: {asked}. Can someone review it, or "
        "nudge them?"
    )
    text = f"{esc(name)} has waited {waited} for a first review"
    return text, [section(body), alert_actions(alert.alert_key)]


def unreleased_channel_message(
    alert: Alert, work: UnreleasedWork, *, tz: str = "UTC", day_hours: float = 8.0
) -> Reply:
    """Channel post for one repository's merged work not released past its threshold."""
    waited = fmt_seconds_working(alert.waited_working_seconds, day_hours)
    repo = esc(work.repo)
    prs = sorted(work.prs, key=lambda p: p.merged_at)
    lines = [
        f"{link(p.url, f'#{p.number}')} {short(p.title)} — merged {fmt_when(p.merged_at, tz)}"
        for p in prs
    ]
    intro = (
        f":package: *{repo}* has {len(prs)} merged pull request{'s' if len(prs) != 1 else ''} "
        f"not yet released; the oldest has waited *{waited}*{_reminder(alert)}."
    )
    text = f"{repo}: {len(prs)} merged, unreleased; oldest waited {waited}"
    return text, [
        section(bullet_list(lines, intro=intro, max_items=10)),
        alert_actions(alert.alert_key),
    ]


def mark_acknowledged(blocks: Sequence[dict[str, Any]], user_id: str) -> list[dict[str, Any]]:
    """The posted blocks with the buttons replaced by "Acknowledged by <@U…>"."""
    kept = [
        b
        for b in blocks
        if b.get("block_id") != ACTIONS_BLOCK_ID and b.get("block_id") != "crosswalk_ack_note"
    ]
    note = context(f":white_check_mark: Acknowledged by {mention(user_id)}")
    note["block_id"] = "crosswalk_ack_note"
    return [*kept, note]


def mark_snoozed(
    blocks: Sequence[dict[str, Any]], user_id: str, until_text: str
) -> list[dict[str, Any]]:
    """The posted blocks with a "Snoozed by <@U…> until …" note (buttons kept)."""
    kept = [b for b in blocks if b.get("block_id") != "crosswalk_snooze_note"]
    note = context(f":zzz: Snoozed by {mention(user_id)} until {esc(until_text)}")
    note["block_id"] = "crosswalk_snooze_note"
    return [*kept, note]


_FOLDED = {
    "handoff": ("Handoffs waiting for pickup", "`/crosswalk handoffs`"),
    "review": ("Pull requests waiting for a first review", "`/crosswalk prs`"),
    "unreleased": ("Repositories with merged work not released", "`/crosswalk prs`"),
}


def folded_channel_message(
    team: str, alerts: Sequence[Alert], *, day_hours: float = 8.0
) -> Reply:
    """One channel post for the alerts past a run's per-team cap: what each waits for, and
    where the whole list is, so an old backlog does not flood the channel."""
    lines: list[str] = []
    for kind, (label, where) in _FOLDED.items():
        mine = sorted((a for a in alerts if a.kind == kind),
                      key=lambda a: -a.waited_working_seconds)
        if not mine:
            continue
        names = [f"{esc(a.subject)} ({fmt_seconds_working(a.waited_working_seconds, day_hours)})"
                 for a in mine[:10]]
        more = f" and {len(mine) - 10} more" if len(mine) > 10 else ""
        lines.append(f"*{label}* ({len(mine)}): {', '.join(names)}{more} — {where} lists them")
    n = len(alerts)
    intro = (f":card_index_dividers: *{n} more alert{'s' if n != 1 else ''}* for "
             f"{esc(team)}, folded into this one message so that a backlog does not flood "
             "the channel:")
    text = f"{n} more alerts for {team}, folded into one message"
    return text, [section(bullet_list(lines, intro=intro)),
                  context("Each is posted on its own when it next escalates (its wait doubles).")]
