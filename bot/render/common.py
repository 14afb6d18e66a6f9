"""Block builders that enforce Block Kit limits, and humane number formatting."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.flow.review import UNITS
from bot.flow.sections import Stat
from bot.render.escape import esc, link

Block = dict[str, Any]
T = TypeVar("T")

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_CONTEXT_ELEMENTS = 10


def clip(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters with an ellipsis, never cutting an entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]  # don't leave half of "&lt;" behind
    lt = cut.rfind("<")
    if lt != -1 and ">" not in cut[lt:]:
        cut = cut[:lt]  # don't leave half of a <url|label> token behind
    return cut + "…"


def header(text: str) -> Block:
    """A header block (plain text, ≤ 150 characters)."""
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": clip(text, MAX_HEADER_TEXT), "emoji": True},
    }


def section(text: str) -> Block:
    """A mrkdwn section (≤ 3000 characters)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT)}}


def context(*texts: str) -> Block:
    """A context block of mrkdwn texts (≤ 10 elements)."""
    elements = [{"type": "mrkdwn", "text": clip(t, MAX_SECTION_TEXT)} for t in texts]
    return {"type": "context", "elements": elements[:MAX_CONTEXT_ELEMENTS]}


def divider() -> Block:
    """A divider block."""
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    """A button element."""
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(text, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style is not None:
        element["style"] = style
    return element


def bullet_list(
    lines: Sequence[str],
    *,
    intro: str = "",
    more_url: str | None = None,
    limit: int = MAX_SECTION_TEXT,
    max_items: int | None = None,
) -> str:
    """Lines as a bulleted mrkdwn list within ``limit`` characters, ending with "and N more"."""
    n = len(lines)
    bullets = [f"• {line}" for line in lines]
    k = n if max_items is None else min(n, max_items)
    while k >= 0:
        parts = ([intro] if intro else []) + bullets[:k]
        if k < n:
            parts.append(_more(n - k, more_url))
        text = "\n".join(parts)
        if len(text) <= limit:
            return text
        k -= 1
    return clip(intro, limit)


def _more(n: int, more_url: str | None) -> str:
    label = f"and {n} more"
    return f"…{link(more_url, label)}" if more_url else f"…{label}"


def limit_blocks(blocks: list[Block], maximum: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """At most ``maximum`` blocks; when cut, the last kept block says how many were left out."""
    if len(blocks) <= maximum:
        return blocks
    kept = blocks[: maximum - 1]
    return [*kept, context(f"…and {len(blocks) - len(kept)} more blocks left out")]


# --------------------------------------------------------------------------- numbers


def fmt_hours(hours: float | None) -> str:
    """Calendar hours, humanely: "45 min", "18 h", "3.5 days"."""
    if hours is None:
        return "–"
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    if hours < 48:
        return f"{_num(hours)} h"
    return f"{_num(hours / 24)} days"


def fmt_working_hours(hours: float | None, day_hours: float = 8.0) -> str:
    """Working hours, humanely: "45 working min", "6 working h", "2.5 working days"."""
    if hours is None:
        return "–"
    if hours < 1:
        return f"{max(1, round(hours * 60))} working min"
    if hours < day_hours or day_hours <= 0:
        return f"{_num(hours)} working h"
    days = _num(hours / day_hours)
    return f"{days} working day{'' if days == '1' else 's'}"


def fmt_seconds_working(seconds: float, day_hours: float = 8.0) -> str:
    """Working seconds, humanely (see :func:`fmt_working_hours`)."""
    return fmt_working_hours(seconds / 3600.0, day_hours)


def fmt_pct(fraction: float | None) -> str:
    """A fraction as a percentage: "25%"."""
    return "–" if fraction is None else f"{round(fraction * 100)}%"


def _num(value: float) -> str:
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


RELEASE_NOUNS = {"deployments": "Deployments", "tags": "Tags"}


def releases_noun(source: str) -> str:
    """What a team's releases are called: deployments or tags where that is what it ships."""
    return RELEASE_NOUNS.get(source, "Releases")


def stat_text(stat: Stat, fmt: Callable[[float | None], str]) -> str:
    """ "median X · p85 Y (n=N)" for a statistic; "no data" without a sample."""
    if not stat.count:
        return "no data"
    return f"median {fmt(stat.median)} · p85 {fmt(stat.p85)} (n={stat.count})"


def fmt_when(instant: datetime | None, tz: str = "UTC") -> str:
    """An instant in a timezone, short: "Mon 16 Nov 09:00"."""
    if instant is None:
        return "–"
    try:
        zone: tzinfo = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return instant.astimezone(zone).strftime("%a %d %b %H:%M")


def short(text: str, limit: int = 120) -> str:
    """Outside text shortened for a list line, then escaped."""
    return esc(clip(" ".join(str(text).split()), limit))


TARGET_LABELS: dict[str, str] = {
    "lead_time": "Time to delivery",
    "handoff_delay": "Handoff delay",
    "release_interval": "Release interval",
    "change_failure_rate": "Change failure rate",
    "downtime": "Downtime per failed release",
}


def fmt_in_unit(unit: str, value: float | None, day_hours: float = 8.0) -> str:
    """A review figure in its unit: ``fraction``, ``working hours`` or (calendar) ``hours``."""
    if unit == "fraction":
        return fmt_pct(value)
    if unit == "working hours":
        return fmt_working_hours(value, day_hours)
    return fmt_hours(value)


def fmt_target_value(name: str, value: float | None, day_hours: float = 8.0) -> str:
    """A target or actual of ``name`` in its unit (working time for the handoff delay)."""
    return fmt_in_unit(UNITS.get(name, "hours"), value, day_hours)


def target_line(entry: Mapping[str, Any], day_hours: float = 8.0) -> str:
    """ "Time to delivery ≤ 10 days: 8.5 days ✅ met" for one target entry; one with no
    actual (no failed release to have downtime, say) says there is nothing to measure."""
    name = str(entry.get("name", ""))
    target = fmt_target_value(name, entry.get("target"), day_hours)
    actual = fmt_target_value(name, entry.get("actual"), day_hours)
    label = TARGET_LABELS.get(name, esc(name))
    if entry.get("actual") is None:  # "met" is false then, but nothing was missed either
        return f"{label} ≤ {target}: {actual} (nothing to measure yet)"
    verdict = "✅ met" if entry.get("met") else "❌ not met"
    return f"{label} ≤ {target}: {actual} {verdict}"


PAGE_SIZE = 15  # list items per reply page: a page always fits one section


@dataclass(frozen=True, slots=True)
class Page:
    """Which page of a long list a reply shows, and the command that shows the others."""

    number: int = 1
    command: str = ""  # e.g. "/crosswalk handoffs payments": "page N" is appended
    size: int = PAGE_SIZE

    def of(self, items: Sequence[T]) -> tuple[list[T], int]:
        """This page's items, and how many pages there are (at least 1)."""
        pages = max(1, -(-len(items) // self.size))
        start = (self.number - 1) * self.size
        return list(items[start:start + self.size]), pages

    def footer(self, pages: int) -> Block | None:
        """ "Page 2 of 4 · `/crosswalk handoffs payments page 3` for the next"; None: one page."""
        if pages <= 1 and self.number == 1:
            return None
        if self.number > pages:
            return context(f"There {'is' if pages == 1 else 'are'} only {pages} "
                           f"page{'' if pages == 1 else 's'}: `{esc(self.command)} page {pages}` "
                           "shows the last")
        nxt = (f" · `{esc(self.command)} page {self.number + 1}` for the next"
               if self.number < pages and self.command else "")
        return context(f"Page {self.number} of {pages}{nxt}")
