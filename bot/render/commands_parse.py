"""Slash-command parsing: command text in, a command value or a one-line error out (pure).

Parsing never raises: hostile text (``<!channel>``, markup, SQL, huge or control-laden
input) gets the usage text or a precise line. Error lines quote user text only through
:func:`bot.render.escape.code`, so they are safe to post.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.flow.weeks import MAX_YEAR, MIN_YEAR
from bot.render.escape import code, esc

MAX_INPUT = 1000
MAX_SNOOZE = timedelta(days=30)
MAX_PAGE = 999
_KEY = re.compile(r"^[A-Z][A-Z0-9]+-\d{1,10}$", re.ASCII)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.ASCII)
_DURATION = re.compile(r"^(\d{1,6})([dhm])$", re.ASCII)
_TEAM = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


def usage(command: str = "/crosswalk") -> str:
    """The usage text for the configured slash command."""
    c = esc(command)
    return "\n".join(
        [
            f"*Usage:* `{c} &lt;command&gt;`",
            f"• `{c} summary [team] [week] [share]` — the week's numbers (week like 2026-W46)",
            f"• `{c} handoffs [team] [page N]` — handoffs waiting for pickup",
            f"• `{c} prs [team] [page N]` — pull requests waiting for review or release",
            f"• `{c} releases [team] [page N]` — recent releases",
            f"• `{c} review [team] [share]` — the last 13 weeks against the 13 before, "
            "with the team's targets",
            f"• `{c} item KEY [page N]` — one item's journey, e.g. `{c} item PAY-12`",
            f"• `{c} snooze KEY DURATION` — quiet an item's alerts, e.g. `{c} snooze PAY-12 1d`",
            f"• `{c} teams [page N]` — the teams Crosswalk follows",
            f"• `{c} help` — this text",
            "The team defaults to the one whose channel you are in; replies are only visible "
            "to you unless you add `share`.",
        ]
    )


USAGE = usage()


@dataclass(frozen=True, slots=True)
class Help:
    """``help``."""


@dataclass(frozen=True, slots=True)
class Summary:
    """``summary [team] [week] [share]``."""

    team: str | None = None
    week: str | None = None  # "2026-W46"
    share: bool = False


@dataclass(frozen=True, slots=True)
class Handoffs:
    """``handoffs [team] [page N]``."""

    team: str | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class Prs:
    """``prs [team] [page N]``."""

    team: str | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class Releases:
    """``releases [team] [page N]``."""

    team: str | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class Review:
    """``review [team] [share]``."""

    team: str | None = None
    share: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """``item KEY [page N]`` (its handoffs and pull requests page)."""

    key: str
    page: int = 1


@dataclass(frozen=True, slots=True)
class Snooze:
    """``snooze KEY DURATION`` (calendar time)."""

    key: str
    duration: timedelta


@dataclass(frozen=True, slots=True)
class Teams:
    """``teams [page N]``."""

    page: int = 1


Command = Help | Summary | Handoffs | Prs | Releases | Review | Item | Snooze | Teams


@dataclass(frozen=True, slots=True)
class ParseError:
    """A safe one-line mrkdwn message; ``show_usage`` asks for the full usage text."""

    message: str
    show_usage: bool = False


def parse(text: str) -> Command | ParseError:
    """Parse the text after the slash command."""
    if len(text) > MAX_INPUT:
        return ParseError(f"That is too long ({len(text)} characters); commands are short.")
    # Control and other non-printable characters only ever separate words here.
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    words = cleaned.split()
    if not words:
        return Help()
    verb, args = words[0].lower(), words[1:]
    if verb in ("help", "?"):
        return Help()
    if verb == "teams":
        page, rest = _page(args)
        if isinstance(page, ParseError):
            return page
        return _no_args(Teams(page), verb, rest)
    if verb == "summary":
        return _summary(args)
    if verb == "review":
        return _review(args)
    if verb in ("handoffs", "prs", "releases"):
        return _team_only(verb, args)
    if verb == "item":
        page, rest = _page(args)
        if isinstance(page, ParseError):
            return page
        if len(rest) != 1:
            return ParseError("`item` takes one Jira key, like `item PAY-12` (or "
                              "`item PAY-12 page 2`).")
        return key if isinstance(key := _key(rest[0]), ParseError) else Item(key, page)
    if verb == "snooze":
        return _snooze(args)
    return ParseError(f"Unknown command {code(words[0], 30)}.", show_usage=True)


def _no_args(cmd: Command, verb: str, args: list[str]) -> Command | ParseError:
    if args:
        return ParseError(f"`{verb}` takes no arguments (got {code(' '.join(args))}).")
    return cmd


def _page(args: list[str]) -> tuple[int | ParseError, list[str]]:
    """A trailing ``page N`` (1 to 999), and the words before it."""
    if len(args) >= 2 and args[-2].lower() == "page":
        if not args[-1].isdigit() or not 1 <= int(args[-1]) <= MAX_PAGE:
            return ParseError(f"{code(args[-1])} is not a page; write it like `page 2`."), args
        return int(args[-1]), args[:-2]
    if args and args[-1].lower() == "page":
        return ParseError("`page` needs a number, like `page 2`."), args
    return 1, args


def _team_only(verb: str, args: list[str]) -> Command | ParseError:
    page, args = _page(args)
    if isinstance(page, ParseError):
        return page
    if len(args) > 1:
        return ParseError(f"`{verb}` takes at most one team name (got {code(' '.join(args))}).")
    team = None
    if args:
        team_or_error = _team(args[0])
        if isinstance(team_or_error, ParseError):
            return team_or_error
        team = team_or_error
    if verb == "handoffs":
        return Handoffs(team, page)
    return Prs(team, page) if verb == "prs" else Releases(team, page)


def _summary(args: list[str]) -> Command | ParseError:
    team: str | None = None
    week: str | None = None
    share = False
    for arg in args:
        low = arg.lower()
        if low == "share":
            share = True
        elif re.match(r"^\d{4}-w", low, re.ASCII):
            parsed = _week(arg)
            if isinstance(parsed, ParseError):
                return parsed
            week = parsed
        elif team is None:
            parsed = _team(arg)
            if isinstance(parsed, ParseError):
                return parsed
            team = parsed
        else:
            return ParseError(
                f"`summary` got an extra word {code(arg)}: use `[team] [week] [share]`."
            )
    return Summary(team, week, share)


def _review(args: list[str]) -> Command | ParseError:
    words = [a for a in args if a.lower() != "share"]
    if len(words) > 1:
        return ParseError(f"`review` takes at most one team name (got {code(' '.join(words))}).")
    team = _team(words[0]) if words else None
    if isinstance(team, ParseError):
        return team
    return Review(team, share=len(words) != len(args))


def _team(word: str) -> str | ParseError:
    low = word.lower()
    if not _TEAM.match(low):
        return ParseError(f"{code(word)} is not a team name; `teams` lists them.")
    return low


def _week(word: str) -> str | ParseError:
    m = _WEEK.match(word.upper())
    if not m:
        return ParseError(f"{code(word)} is not a week; write it like `2026-W46`.")
    year, week = int(m.group(1)), int(m.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        return ParseError(f"{code(word)} is outside the years {MIN_YEAR}-{MAX_YEAR}.")
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        last = date(year, 12, 28).isocalendar().week
        return ParseError(f"{year} has weeks W01 to W{last:02d}; {code(word)} is not one of them.")
    return f"{year:04d}-W{week:02d}"


def _key(word: str) -> str | ParseError:
    up = word.upper()
    if not _KEY.match(up):
        return ParseError(f"{code(word)} is not a Jira key; write it like `PAY-12`.")
    return up


def _snooze(args: list[str]) -> Command | ParseError:
    if len(args) != 2:
        return ParseError("`snooze` takes a Jira key and a duration, like `snooze PAY-12 1d`.")
    key = _key(args[0])
    if isinstance(key, ParseError):
        return key
    m = _DURATION.match(args[1].lower())
    if not m:
        return ParseError(f"{code(args[1])} is not a duration; use `Nd`, `Nh` or `Nm`, like `2d`.")
    amount, unit = int(m.group(1)), m.group(2)
    duration = timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: amount})
    if duration <= timedelta(0) or duration > MAX_SNOOZE:
        return ParseError(f"A snooze lasts from 1m to 30d; {code(args[1])} is outside that.")
    return Snooze(key, duration)
