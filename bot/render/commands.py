"""Slash-command replies: one renderer per verb, each returning (text, blocks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.flow.sections import Report
from bot.flow.stages import STAGES, StageSegment, stage_shares
from bot.render.commands_parse import ParseError, usage
from bot.render.common import (
    Block,
    Page,
    bullet_list,
    context,
    fmt_hours,
    fmt_pct,
    fmt_when,
    fmt_working_hours,
    header,
    limit_blocks,
    releases_noun,
    section,
    short,
    stat_text,
)
from bot.render.digest import STAGE_LABELS
from bot.render.escape import channel_ref, esc, link

Reply = tuple[str, list[Block]]


@dataclass(frozen=True, slots=True)
class HandoffRow:
    """A waiting handoff in the ``handoffs`` reply."""

    key: str
    summary: str
    url: str
    waiting_working_hours: float


@dataclass(frozen=True, slots=True)
class PrRow:
    """An open or unreleased pull request in the ``prs`` reply."""

    repo: str
    number: int
    title: str
    url: str
    state: str  # "awaiting review" | "in review" | "merged, unreleased"
    waiting_working_hours: float | None = None


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """A release in the ``releases`` reply."""

    repo: str
    tag: str
    url: str
    published_at: datetime
    is_hotfix: bool = False
    failed: bool = False
    failure_reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TeamRow:
    """A team in the ``teams`` reply."""

    name: str
    channel: str  # channel id or #name from config
    projects: tuple[str, ...]
    repos: tuple[str, ...]
    has_jira: bool = True  # False: a GitHub-only team


@dataclass(frozen=True, slots=True)
class JourneyHandoff:
    """One handoff of an item: when, how it ended, how long it waited."""

    started_at: datetime
    ended_at: datetime | None
    end: str | None  # "picked_up" | "returned" | "withdrawn" | None (waiting)
    waited_working_hours: float


@dataclass(frozen=True, slots=True)
class JourneyPr:
    """A pull request linked to an item."""

    repo: str
    number: int
    title: str
    url: str
    opened_at: datetime
    first_review_working_hours: float | None
    merged_at: datetime | None
    cycle_hours: float | None


@dataclass(frozen=True, slots=True)
class JourneyRelease:
    """The release that delivered an item."""

    repo: str
    tag: str
    url: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class ItemJourney:
    """One item's journey: handoffs, linked PRs, the release that delivered it."""

    key: str
    summary: str
    url: str
    status: str
    handoffs: tuple[JourneyHandoff, ...] = ()
    prs: tuple[JourneyPr, ...] = ()
    release: JourneyRelease | None = None
    delivered_at: datetime | None = None
    stages: tuple[StageSegment, ...] = ()  # from the first handoff to delivery (or now)


def render_help(command: str = "/crosswalk") -> Reply:
    """The usage text."""
    text = usage(command)
    return text, [section(text)]


def render_parse_error(error: ParseError, command: str = "/crosswalk") -> Reply:
    """A parse error: its one line and a pointer to help (or the whole usage)."""
    if error.show_usage:
        text = f"{error.message}\n{usage(command)}"
    else:
        text = f"{error.message} Try `{esc(command)} help`."
    return text, [section(text)]


def render_message(text: str) -> Reply:
    """A short reply of our own words (e.g. "No team here: add a team name")."""
    return text, [section(text)]


def render_summary(report: Report, *, day_hours: float = 8.0) -> Reply:
    """The report's numbers, compact."""

    def wh(hours: float | None) -> str:
        return fmt_working_hours(hours, day_hours)

    team, week = esc(report.team), esc(report.week or "")
    h, pr, rel = report.handoffs, report.pull_requests, report.releases
    lines = [
        f"*Delivered:* {report.delivery.items_delivered} items · time to delivery "
        f"{stat_text(report.delivery.lead_time_hours, fmt_hours)}",
        f"*Releases:* {rel.count} · failed {rel.failed} ({fmt_pct(rel.change_failure_rate)})",
        f"*Handoffs:* {h.handed_off} handed off · {h.picked_up} picked up · "
        f"{h.returned} returned · {h.waiting} waiting · delay "
        f"{stat_text(h.delay_working_hours, wh)}",
        f"*Pull requests:* {pr.merged} merged ({pr.merged_without_review} without review) · "
        f"first review {stat_text(pr.first_review_working_hours, wh)}",
        f"*Work in progress:* {report.wip}",
    ]
    text = f"{team} · {week}\n" + "\n".join(lines)
    return text, [header(f"{team} · {week}"), section("\n".join(lines))]


def render_handoffs(
    team: str, rows: Sequence[HandoffRow], *, more_url: str | None = None, day_hours: float = 8.0,
    page: Page | None = None,
) -> Reply:
    """Handoffs waiting for pickup, oldest first, a page at a time."""
    title = f"Handoffs waiting · {esc(team)}"
    if not rows:
        return f"{title}: none.", [section(f"*{title}*\nNothing is waiting for pickup.")]
    ordered = sorted(rows, key=lambda r: -r.waiting_working_hours)

    def wait(r: HandoffRow) -> str:
        return fmt_working_hours(r.waiting_working_hours, day_hours)

    lines = [f"{link(r.url, r.key)} {short(r.summary)} — {wait(r)}" for r in ordered]
    return _paged(title, lines, more_url, page)


def render_prs(
    team: str, rows: Sequence[PrRow], *, more_url: str | None = None, day_hours: float = 8.0,
    page: Page | None = None,
) -> Reply:
    """Pull requests waiting for review or release."""
    title = f"Pull requests · {esc(team)}"
    if not rows:
        return f"{title}: none waiting.", [section(f"*{title}*\nNothing is waiting.")]
    lines = []
    for r in rows:
        wait = (
            f" — {fmt_working_hours(r.waiting_working_hours, day_hours)}"
            if r.waiting_working_hours is not None
            else ""
        )
        lines.append(
            f"{link(r.url, f'{r.repo}#{r.number}')} {short(r.title)} · {esc(r.state)}{wait}"
        )
    return _paged(title, lines, more_url, page)


def render_releases(
    team: str, rows: Sequence[ReleaseRow], *, tz: str = "UTC", more_url: str | None = None,
    page: Page | None = None, source: str = "github",
) -> Reply:
    """Recent releases (deployments or tags where the team ships so), newest first, with
    failures and their reasons."""
    noun = releases_noun(source)
    title = f"{noun} · {esc(team)}"
    if not rows:
        return f"{title}: none.", [section(f"*{title}*\nNo {noun.lower()} yet.")]
    lines = []
    for r in sorted(rows, key=lambda r: r.published_at, reverse=True):
        flags = " · hotfix" if r.is_hotfix else ""
        if r.failed:
            flags += " · *failed*"
            if r.failure_reasons:
                flags += f" ({esc(', '.join(r.failure_reasons))})"
        label = f"{r.repo} {r.tag}"
        lines.append(f"{link(r.url, label)} — {fmt_when(r.published_at, tz)}{flags}")
    return _paged(title, lines, more_url, page)


def _paged(title: str, lines: list[str], more_url: str | None, page: Page | None) -> Reply:
    """One page of a list reply, with the page line when there are more."""
    page = page or Page()
    shown, pages = page.of(lines)
    body = bullet_list(shown or ["_(no entries on this page)_"], intro=f"*{title}* ({len(lines)})",
                       more_url=more_url)
    blocks = [section(body)]
    footer = page.footer(pages)
    if footer is not None:
        blocks.append(footer)
    return f"{title}: {len(lines)}", blocks


def render_item(
    journey: ItemJourney, *, tz: str = "UTC", day_hours: float = 8.0, page: Page | None = None
) -> Reply:
    """One item's journey: handoffs with waits, PRs with review and merge, the release."""
    j = journey
    blocks: list[Block] = [
        header(f"{esc(j.key)} · {esc(j.summary)}"),
        section(f"{link(j.url, j.key)} {esc(j.summary)}\n*Status:* {esc(j.status)}"),
    ]
    ends = {"picked_up": "picked up", "returned": "returned to product", "withdrawn": "withdrawn"}
    h_lines = [
        f"{fmt_when(h.started_at, tz)} → "
        + (
            f"{ends.get(h.end or '', esc(h.end or ''))} {fmt_when(h.ended_at, tz)}"
            if h.ended_at
            else "still waiting"
        )
        + f" · waited {fmt_working_hours(h.waited_working_hours, day_hours)}"
        for h in j.handoffs
    ]
    page = page or Page()
    h_shown, h_pages = page.of(h_lines)
    blocks.append(section(
        bullet_list(h_shown or ["_(none on this page)_"], intro=f"*Handoffs* ({len(h_lines)})")
        if h_lines else "*Handoffs:* none"
    ))
    p_lines = []
    for p in j.prs:
        review = (
            f"first review after {fmt_working_hours(p.first_review_working_hours, day_hours)}"
            if p.first_review_working_hours is not None
            else "no review yet"
            if p.merged_at is None
            else "merged without review"
        )
        merged = (
            f"merged {fmt_when(p.merged_at, tz)} (cycle {fmt_hours(p.cycle_hours)})"
            if p.merged_at
            else "open"
        )
        p_lines.append(
            f"{link(p.url, f'{p.repo}#{p.number}')} {short(p.title)} · {review} · {merged}"
        )
    p_shown, p_pages = page.of(p_lines)
    blocks.append(section(
        bullet_list(p_shown or ["_(none on this page)_"], intro=f"*Pull requests* ({len(p_lines)})")
        if p_lines else "*Pull requests:* none linked"
    ))
    if j.release:
        r = j.release
        delivered = f" · delivered {fmt_when(j.delivered_at, tz)}" if j.delivered_at else ""
        label = link(r.url, f"{r.repo} {r.tag}")
        rel = f"*Release:* {label} {fmt_when(r.published_at, tz)}{delivered}"
    else:
        rel = "*Release:* not released yet"
    blocks.append(section(rel))
    if j.stages:
        blocks.append(section(_stage_timeline(j, tz)))
    footer = page.footer(max(h_pages, p_pages))
    if footer is not None:
        blocks.append(footer)
    text = f"{j.key}: {j.summary} ({j.status})"
    return esc(text), limit_blocks(blocks)


def _stage_timeline(j: ItemJourney, tz: str) -> str:
    lines = [
        f"{STAGE_LABELS[g.stage]} · {fmt_when(g.start, tz)} → {fmt_when(g.end, tz)}"
        f" ({fmt_hours(g.hours)})"
        for g in j.stages
    ]
    hours = {stage: 0.0 for stage in STAGES}
    for g in j.stages:
        hours[g.stage] += g.hours
    intro = "*Where its time went*" if j.delivered_at else "*Where its time went so far*"
    shares = stage_shares(hours)
    total = " · ".join(f"{STAGE_LABELS[s]} {shares[s]} %" for s in STAGES if shares and hours[s])
    return bullet_list(lines, intro=intro, max_items=12) + (f"\n_{total}_" if total else "")


SHOWN_REPOS = 3  # per team in the teams list; the rest are counted


def render_teams(rows: Sequence[TeamRow], *, page: Page | None = None) -> Reply:
    """The teams Crosswalk follows, a page at a time, each with a few of its repositories."""
    if not rows:
        return "No teams configured.", [section("No teams are configured.")]

    def jira(t: TeamRow) -> str:
        if not t.has_jira:
            return "no Jira"
        return f"Jira {esc(', '.join(t.projects) or 'custom JQL')}"

    def repos(t: TeamRow) -> str:
        if not t.repos:
            return "no repos"
        more = len(t.repos) - SHOWN_REPOS
        named = esc(", ".join(t.repos[:SHOWN_REPOS]))
        return f"{named} (+{more} more)" if more > 0 else named

    lines = [f"*{esc(t.name)}* — {channel_ref(t.channel)} · {jira(t)} · {repos(t)}"
             for t in rows]
    _, blocks = _paged("Teams", lines, None, page)
    return f"{len(rows)} teams", blocks


def render_snoozed(key: str, duration: timedelta, until: datetime, *, tz: str = "UTC") -> Reply:
    """Confirmation of a snooze."""
    text = f"Alerts for {esc(key)} are snoozed until {fmt_when(until, tz)}."
    return text, [section(text), context(f"Snoozed for {_fmt_delta(duration)}.")]


def _fmt_delta(d: timedelta) -> str:
    seconds = int(d.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"
