"""The weekly digest: shared outcomes first, then handoffs, PRs, trend, DORA, chart."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.flow.sections import Report
from bot.flow.stages import STAGE_WORDS, STAGES, largest_stage, stage_shares
from bot.flow.trend import figure
from bot.render.common import (
    Block,
    bullet_list,
    context,
    divider,
    fmt_hours,
    fmt_pct,
    fmt_working_hours,
    header,
    limit_blocks,
    releases_noun,
    section,
    short,
    stat_text,
    target_line,
)
from bot.render.escape import esc, link, mention

# (label, path into the report, lower_is_better, formatter kind)
# (label, figure of bot.flow.trend.FIGURES, whether lower is better, unit)
_TREND_METRICS: tuple[tuple[str, str, bool, str], ...] = (
    ("Items delivered", "items_delivered", False, "count"),
    ("Time to delivery (median)", "lead_time_median_hours", True, "hours"),
    ("Handoff delay (median)", "handoff_delay_median_wh", True, "working hours"),
    ("First review wait (median)", "first_review_median_wh", True, "working hours"),
    ("PR cycle (median)", "cycle_median_hours", True, "hours"),
    ("Change failure rate", "change_failure_rate", True, "fraction"),
)


@dataclass(frozen=True, slots=True)
class WaitingItem:
    """A handoff still waiting for pickup (outside text: summary and url)."""

    key: str
    summary: str
    url: str
    waiting_working_hours: float


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A snooze or acknowledgement of the week, shown in the digest."""

    kind: str  # "snooze" | "ack"
    subject: str  # item key, "owner/repo#N" or "owner/repo"
    user_id: str  # our own resolved Slack user id
    at: datetime
    until: datetime | None = None  # end of a snooze


@dataclass(frozen=True, slots=True)
class Trend:
    """The previous weeks' reports (up to 4) the week is compared against."""

    previous: tuple[Report, ...] = ()

    def baseline(self, name: str) -> float | None:
        """Mean of the previous weeks' figure ``name`` (None when none has a value)."""
        values = [v for r in self.previous if (v := figure(r, name)) is not None]
        return float(statistics.fmean(values)) if values else None


@dataclass(frozen=True, slots=True)
class DoraLevels:
    """DORA performance levels ("elite", "high", "medium", "low"; None: not enough data)."""

    deployment_frequency: str | None = None
    lead_time: str | None = None
    change_failure_rate: str | None = None
    time_to_restore: str | None = None


def trend_arrow(current: float | None, baseline: float | None, lower_is_better: bool) -> str:
    """ "↑ 25% (worse)" style comparison; "→" within ±5%; "" when either side is missing."""
    if current is None or baseline is None:
        return ""
    if baseline == 0:
        return "→" if current == 0 else "↑ new"
    change = (current - baseline) / baseline
    if abs(change) < 0.05:
        return "→ steady"
    arrow = "↑" if change > 0 else "↓"
    better = (change < 0) == lower_is_better
    return f"{arrow} {abs(round(change * 100))}% ({'better' if better else 'worse'})"


def render_digest(
    report: Report,
    *,
    trend: Trend,
    dora: DoraLevels | None,
    waiting_oldest: Sequence[WaitingItem],
    acknowledgements: Sequence[Acknowledgement],
    chart_file_id: str | None,
    more_url: str | None = None,
    day_hours: float = 8.0,
    targets: Sequence[Mapping[str, Any]] = (),
    releases_source: str = "github",
) -> tuple[str, list[Block]]:
    """Text fallback and blocks of one team's weekly digest (team-level numbers only).

    A team that ships by deployments or tags sees them called so, and its failed
    deployment attempts."""
    team = esc(report.team)
    week = esc(report.week or "")

    def wh(hours: Any) -> str:
        return fmt_working_hours(hours, day_hours)

    delivered = report.delivery.items_delivered
    releases = report.releases.count
    failed = report.releases.failed
    lead = report.delivery.lead_time_hours
    cfr = report.releases.change_failure_rate
    hotfixes = report.releases.hotfixes

    noun = releases_noun(releases_source)
    attempts = report.releases.deploy_failures
    tried = f" · {_count(attempts, 'failed attempt', 'failed attempts')}" if attempts else ""
    blocks: list[Block] = [header(f"Crosswalk weekly digest · {team} · {week}")]
    outcomes = [
        f"*Items delivered:* {delivered}",
        f"*Time to delivery:* {stat_text(lead, fmt_hours)}",
        f"*{noun}:* {releases} ({_count(hotfixes, 'hotfix', 'hotfixes')}), "
        f"*failed:* {failed} · change failure rate {fmt_pct(cfr)}{tried}",
        f"*Downtime:* {stat_text(report.releases.downtime_hours, fmt_hours)}",
    ]
    blocks.append(section("*Shared outcomes*\n" + "\n".join(outcomes)))
    went = stages_text(report.delivery.stage_hours)
    if went:
        blocks.append(section(went))
    if targets:
        lines = [target_line(t, day_hours) for t in targets]
        blocks.append(section(bullet_list(lines, intro="*Targets (this week)*")))
    blocks.append(divider())

    h = report.handoffs
    handoff_lines = [
        f"*Handed off:* {h.handed_off} · *picked up:* {h.picked_up}"
        f" · *returned to product:* {h.returned} · *withdrawn:* {h.withdrawn}",
        f"*Handoff delay:* {stat_text(h.delay_working_hours, wh)}",
        f"*Still waiting:* {h.waiting}",
    ]
    blocks.append(section("*Handoffs*\n" + "\n".join(handoff_lines)))
    if waiting_oldest:
        lines = [
            f"{link(w.url, w.key)} {short(w.summary)} — waiting {wh(w.waiting_working_hours)}"
            for w in waiting_oldest
        ]
        oldest = bullet_list(lines, intro="_Oldest waiting:_", more_url=more_url, max_items=5)
        blocks.append(section(oldest))
    blocks.append(divider())

    pr = report.pull_requests
    pr_lines = [
        f"*Opened:* {pr.opened} · *merged:* {pr.merged}"
        f" · *merged without review:* {pr.merged_without_review}",
        f"*Cycle (opened → merged):* {stat_text(pr.cycle_hours, fmt_hours)}",
        f"*First review wait:* {stat_text(pr.first_review_working_hours, wh)}",
    ]
    blocks += [section("*Pull requests*\n" + "\n".join(pr_lines)), divider()]

    trend_lines = _trend_lines(report, trend, wh)
    if trend_lines:
        intro = f"*Trend against the previous {len(trend.previous)} weeks*"
        blocks.append(section(bullet_list(trend_lines, intro=intro)))
    if dora is not None:
        blocks.append(section(_dora_text(dora)))
    if acknowledgements:
        ack_lines = [_ack_line(a) for a in acknowledgements]
        intro = "*Snoozed and acknowledged this week*"
        blocks.append(section(bullet_list(ack_lines, intro=intro, max_items=10)))
    if chart_file_id:
        blocks.append(
            {
                "type": "image",
                "slack_file": {"id": chart_file_id},
                "alt_text": "12 weeks of time to delivery and handoff delay, releases, and "
                "where the time to delivery went",
            }
        )
    blocks.append(context("Team-level numbers only · definitions: `crosswalk report`"))

    text = (
        f"Crosswalk weekly digest for {team}, {week}: {delivered} items delivered, "
        f"time to delivery median {fmt_hours(lead.median)}, "
        f"{releases} {noun.lower()} ({failed} failed), {h.waiting} handoffs waiting."
    )
    return text, limit_blocks(blocks)


def stages_text(hours: Mapping[str, float]) -> str:
    """Where the time to delivery went, largest stage in words; "" when nothing was delivered."""
    shares = stage_shares(hours)
    largest = largest_stage(hours)
    if shares is None or largest is None:
        return ""
    parts = " · ".join(f"{STAGE_LABELS[s]} {shares[s]} %" for s in STAGES)
    return (
        f"*Where the time went:* {shares[largest]} % of the time to delivery was "
        f"{STAGE_WORDS[largest]}.\n{parts}"
    )


STAGE_LABELS: dict[str, str] = {
    "pickup": "waiting for pickup",
    "product": "back with product",
    "build": "building",
    "review": "in review",
    "release": "waiting for release",
}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _trend_lines(report: Report, trend: Trend, wh: Callable[[Any], str]) -> list[str]:
    if not trend.previous:
        return []
    lines = []
    for label, name, lower_better, unit in _TREND_METRICS:
        current = figure(report, name)
        base = trend.baseline(name)
        arrow = trend_arrow(current, base, lower_better)
        if not arrow:
            continue
        fmt = _formatter(unit, wh)
        lines.append(f"{label}: {fmt(current)} vs {fmt(base)} {arrow}")
    return lines


def _formatter(unit: str, wh: Callable[[Any], str]) -> Callable[[Any], str]:
    if unit == "fraction":
        return fmt_pct
    if unit == "working hours":
        return wh
    if unit == "hours":
        return fmt_hours
    return lambda v: f"{v:.1f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


def _dora_text(dora: DoraLevels) -> str:
    parts = [
        ("Deployment frequency", dora.deployment_frequency),
        ("Lead time", dora.lead_time),
        ("Change failure rate", dora.change_failure_rate),
        ("Time to restore", dora.time_to_restore),
    ]
    return "*DORA levels*\n" + " · ".join(f"{name}: *{esc(lvl or 'n/a')}*" for name, lvl in parts)


def _ack_line(a: Acknowledgement) -> str:
    who = mention(a.user_id)
    if a.kind == "snooze":
        until = f" until {a.until:%a %d %b %H:%M} UTC" if a.until else ""
        return f"{short(a.subject, 80)} snoozed by {who}{until}"
    return f"{short(a.subject, 80)} acknowledged by {who}"
