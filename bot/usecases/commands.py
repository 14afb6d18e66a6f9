"""Use-case: the slash command. Parsed command → store reads → pure render → one reply.

``CommandService.handle`` never raises: a bad input gets the usage text or a precise line
(from the pure parser), an unknown team or item a line of ours, a failing service a short
"unavailable" line, and anything unexpected is logged (event names, no secrets) and answered
"something went wrong, it is logged". Replies are ephemeral unless ``summary … share``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.config.settings import Settings, TeamSettings
from bot.core.clock import Clock
from bot.core.errors import IntegrationError
from bot.core.logs import event
from bot.core.ports import Messenger
from bot.flow.derive import first_human_review
from bot.flow.model import TeamFlow
from bot.flow.report import calendar_for
from bot.flow.stages import ItemTimeline, StageSegment, stage_segments
from bot.render import commands as r
from bot.render.commands_parse import (
    Command,
    Handoffs,
    Help,
    Item,
    ParseError,
    Prs,
    Releases,
    Review,
    Snooze,
    Summary,
    Teams,
    parse,
)
from bot.render.common import Page
from bot.render.escape import code, esc
from bot.render.review import render_review
from bot.store.lookups import ItemJourney
from bot.usecases.alert_outcomes import ClickedMessage
from bot.usecases.alerts import AlertService, subject_of
from bot.usecases.people import People
from bot.usecases.reporting import team_report, week_of
from bot.usecases.review import default_review
from bot.usecases.stores import CommandStore

log = logging.getLogger(__name__)

RELEASE_WINDOW = timedelta(days=28)  # what "recent releases" means
BUTTON_SNOOZE = timedelta(days=1)  # the *Snooze 1 day* button
SOMETHING_WRONG = "Something went wrong while answering that; it is logged. Please try again."


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """One slash-command invocation as Slack sent it."""

    text: str
    user_id: str
    channel_id: str
    channel_name: str = ""


@dataclass(frozen=True, slots=True)
class CommandReply:
    """What goes back through ``response_url``."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    in_channel: bool = False

    def payload(self) -> dict[str, Any]:
        """The ``response_url`` body."""
        kind = "in_channel" if self.in_channel else "ephemeral"
        return {"response_type": kind, "text": self.text, "blocks": self.blocks}


def team_user_ids(
    people: People, team: TeamSettings, roles: tuple[str, ...] = ("product", "engineering"),
) -> set[str]:
    """Slack ids of ``team``'s people in ``roles`` that Slack knows."""
    emails = [e for role in roles for e in getattr(team.people, role)]
    return {p.user_id for p in people.recipients(emails, team.calendar.timezone)}


class _Refusal(Exception):
    """A user-facing one-line answer raised from deep inside a verb (no team, no item...)."""


def _reply(rendered: tuple[str, list[dict[str, Any]]], *, share: bool = False) -> CommandReply:
    return CommandReply(rendered[0], rendered[1], share)


class CommandService:
    """Answers slash commands from the store; snoozes go through ``AlertService.snooze``."""

    def __init__(
        self, store: CommandStore, settings: Settings, alerts: AlertService,
        messenger: Messenger | None, clock: Clock,
    ) -> None:
        self.store = store
        self.settings = settings
        self.alerts = alerts
        self.messenger = messenger
        self.clock = clock
        self.command = settings.slash_command

    def handle(self, request: CommandRequest) -> CommandReply:
        """Parse and answer; never raises."""
        try:
            parsed = parse(request.text)
        except Exception:  # parse never raises; should it, the user still gets an answer
            log.exception("command.parse_failed")
            return _reply(r.render_message(SOMETHING_WRONG))
        if isinstance(parsed, ParseError):
            return _reply(r.render_parse_error(parsed, self.command))
        verb = type(parsed).__name__.lower()
        try:
            return self._answer(parsed, request, self.clock())
        except _Refusal as refusal:
            return _reply(r.render_message(str(refusal)))
        except IntegrationError as exc:
            event(
                log, "command.integration_failed", logging.WARNING, verb=verb, service=exc.service,
                error=type(exc).__name__
            )
            return _reply(r.render_message(
                f"{esc(exc.service)} is not answering right now; please try again shortly."))
        except Exception:
            log.exception("command.failed", extra={"fields": {"verb": verb}})
            return _reply(r.render_message(SOMETHING_WRONG))

    def _answer(self, cmd: Command, req: CommandRequest, now: datetime) -> CommandReply:
        if isinstance(cmd, Help):
            return _reply(r.render_help(self.command))
        if isinstance(cmd, Teams):
            return _reply(r.render_teams([
                r.TeamRow(name, t.slack.channel, t.projects, t.repos, has_jira=t.jira is not None)
                for name, t in self.settings.teams.items()
            ], page=Page(cmd.page, f"{self.command} teams")))
        if isinstance(cmd, Summary):
            return self._summary(cmd, req, now)
        if isinstance(cmd, Handoffs | Prs | Releases):
            team = self._team(cmd.team, req)
            page = Page(cmd.page, f"{self.command} {type(cmd).__name__.lower()} {team.name}")
            if isinstance(cmd, Handoffs):
                return self._handoffs(team, now, page)
            if isinstance(cmd, Prs):
                return self._prs(team, now, page)
            return self._releases(team, now, page)
        if isinstance(cmd, Review):
            return self._review(cmd, req, now)
        if isinstance(cmd, Item):
            return self._item(cmd.key, now, cmd.page)
        return self._snooze(cmd, req, now)

    # ---- teams ---------------------------------------------------------------------------

    def _team(self, name: str | None, req: CommandRequest) -> TeamSettings:
        """The named team, else the one whose channel this is, else the only team."""
        teams = self.settings.teams
        if name is not None:
            if name not in teams:
                known = ", ".join(f"`{esc(t)}`" for t in teams)
                raise _Refusal(f"There is no team {code(name)}; the teams are {known}.")
            return teams[name]
        here = team_of_channel(self.settings, req.channel_id, req.channel_name)
        if here is not None:
            return here
        if len(teams) == 1:
            return next(iter(teams.values()))
        raise _Refusal("This channel belongs to no team: add a team name, e.g. "
                       f"`{esc(self.command)} handoffs {esc(next(iter(teams)))}` "
                       f"(`{esc(self.command)} teams` lists them).")

    # ---- verbs ---------------------------------------------------------------------------

    def _summary(self, cmd: Summary, req: CommandRequest, now: datetime) -> CommandReply:
        team = self._team(cmd.team, req)
        flow = team.to_flow()
        week = week_of(flow, cmd.week, now)
        if week.start > now:
            raise _Refusal(f"{esc(week.label)} has not started yet; try an earlier week.")
        report = team_report(self.store, flow, week, now)
        return _reply(r.render_summary(report, day_hours=_day_hours(flow)), share=cmd.share)

    def _review(self, cmd: Review, req: CommandRequest, now: datetime) -> CommandReply:
        team = self._team(cmd.team, req)
        flow = team.to_flow()
        found = default_review(self.store, flow, now)
        return _reply(render_review(found, day_hours=_day_hours(flow)), share=cmd.share)

    def _handoffs(self, team: TeamSettings, now: datetime, page: Page) -> CommandReply:
        flow = team.to_flow()
        facts = self.store.open_handoffs(team.name)
        items = {i.key: i for i in self.store.work_items([f.item_key for f in facts])}
        calendar = calendar_for(flow.calendar)
        rows = [
            r.HandoffRow(
                f.item_key, items[f.item_key].summary if f.item_key in items else "",
                items[f.item_key].url if f.item_key in items else "",
                calendar.working_seconds(f.started_at, now) / 3600.0,
            )
            for f in facts
        ]
        return _reply(r.render_handoffs(team.name, rows, day_hours=_day_hours(flow), page=page))

    def _prs(self, team: TeamSettings, now: datetime, page: Page) -> CommandReply:
        flow = team.to_flow()
        calendar = calendar_for(flow.calendar)
        rows = [
            r.PrRow(p.repo, p.number, p.title, p.url, "awaiting review",
                    calendar.working_seconds(p.created_at, now) / 3600.0)
            for p in self.store.open_prs_without_review(flow.repos)
        ]
        rows += [
            r.PrRow(p.repo, p.number, p.title, p.url, "merged, unreleased",
                    calendar.working_seconds(p.merged_at, now) / 3600.0 if p.merged_at else None)
            for p in self.store.merged_unreleased_prs(flow.repos)
        ]
        return _reply(r.render_prs(team.name, rows, day_hours=_day_hours(flow), page=page))

    def _releases(self, team: TeamSettings, now: datetime, page: Page) -> CommandReply:
        flow = team.to_flow()
        facts = self.store.releases_published(flow.repos, now - RELEASE_WINDOW, now)
        urls = {(rel.repo, rel.release_id): rel.url
                for repo in {f.repo for f in facts} for rel in self.store.releases_of(repo)}
        rows = [
            r.ReleaseRow(f.repo, f.tag, urls.get((f.repo, f.release_id), ""), f.published_at,
                         f.is_hotfix, f.failed, f.failure_reasons)
            for f in facts
        ]
        return _reply(r.render_releases(team.name, rows, tz=flow.calendar.timezone, page=page,
                                        source=flow.release_source))

    def _item(self, key: str, now: datetime, page: int = 1) -> CommandReply:
        journey = self.store.item_journey(key)
        if journey is None:
            raise _Refusal(f"Crosswalk has no item {code(key)} (yet): check the key, or wait "
                           "for the next sync.")
        team = self.team_of_item(key)
        flow = team.to_flow() if team else None
        spec = flow.calendar if flow else None
        tz = spec.timezone if spec else self.settings.timezone
        calendar = calendar_for(spec) if spec else None

        def working_hours(start: datetime, end: datetime | None) -> float:
            if calendar is None:
                return ((end or now) - start).total_seconds() / 3600.0
            return calendar.working_seconds(start, end or now) / 3600.0

        handoffs = tuple(
            r.JourneyHandoff(h.started_at, h.ended_at, h.end.value if h.end else None,
                             working_hours(h.started_at, h.ended_at))
            for h in journey.handoffs
        )
        prs = []
        for pr in journey.pull_requests:
            reviewed = first_human_review(pr, self.store.reviews_of(pr.repo, [pr.number]))
            prs.append(r.JourneyPr(
                pr.repo, pr.number, pr.title, pr.url, pr.created_at,
                working_hours(pr.created_at, reviewed) if reviewed else None, pr.merged_at,
                (pr.merged_at - pr.created_at).total_seconds() / 3600.0 if pr.merged_at else None,
            ))
        release = journey.releases[-1] if journey.releases else None
        done = flow is not None and journey.item.status in flow.workflow.done
        delivered = release.published_at if release and done else None
        segments = self._stages(journey, flow, delivered or now)
        rendered = r.render_item(r.ItemJourney(
            key=journey.item.key, summary=journey.item.summary, url=journey.item.url,
            status=journey.item.status, handoffs=handoffs, prs=tuple(prs),
            release=r.JourneyRelease(release.repo, release.tag, release.url,
                                     release.published_at) if release and release.published_at
            else None,
            delivered_at=delivered, stages=tuple(segments),
        ), tz=tz, day_hours=_day_hours(flow) if flow else 8.0,
           page=Page(page, f"{self.command} item {key}"))
        return _reply(rendered)

    def _stages(
        self, journey: ItemJourney, flow: TeamFlow | None, until: datetime
    ) -> list[StageSegment]:
        """The item's stages from its first handoff to ``until`` (delivery, or now)."""
        if flow is None or not journey.handoffs:
            return []
        [history] = self.store.item_histories([journey.item.key])
        first = min(h.started_at for h in journey.handoffs)
        item = ItemTimeline(journey.item.key, first, until, history.spans, history.prs)
        return stage_segments(item, flow.workflow.handoff, flow.workflow.returned)

    def _snooze(self, cmd: Snooze, req: CommandRequest, now: datetime) -> CommandReply:
        team = self.team_of_item(cmd.key)
        if team is None:
            raise _Refusal(f"{code(cmd.key)} belongs to no team Crosswalk follows.")
        if not self.may_act(req.user_id, team, now):
            raise _Refusal(f"Only the {esc(team.name)} team's people and Crosswalk admins can "
                           "snooze its alerts.")
        until = now + cmd.duration
        self.alerts.snooze(cmd.key, until, req.user_id, now=now)
        return _reply(r.render_snoozed(cmd.key, cmd.duration, until, tz=team.calendar.timezone))

    # ---- the alert buttons ---------------------------------------------------------------

    def press(
        self, kind: str, alert_key: str, user_id: str, clicked: ClickedMessage | None,
    ) -> CommandReply | None:
        """*Snooze 1 day* (``kind="snooze"``) or *Acknowledge* (``"ack"``) on an alert.

        Returns an ephemeral reply when the press is refused or fails, None when the alert's
        message was updated. Never raises.
        """
        now = self.clock()
        try:
            team = self.team_of_subject(subject_of(alert_key)) if alert_key else None
            if team is None:
                return _reply(r.render_message("That alert is about nothing Crosswalk follows."))
            if not self.may_act(user_id, team, now):
                return _reply(r.render_message(
                    f"Only the {esc(team.name)} team's people and Crosswalk admins can do that."))
            if kind == "snooze":
                self.alerts.snooze(alert_key, now + BUTTON_SNOOZE, user_id, now=now,
                                   clicked=clicked)
            else:
                self.alerts.acknowledge(alert_key, user_id, now=now, clicked=clicked)
        except IntegrationError as exc:
            event(
                log, "button.integration_failed", logging.WARNING, kind=kind, service=exc.service,
                error=type(exc).__name__
            )
            return _reply(r.render_message(SOMETHING_WRONG))
        except Exception:
            log.exception("button.failed", extra={"fields": {"kind": kind}})
            return _reply(r.render_message(SOMETHING_WRONG))
        return None

    # ---- who and which team ----------------------------------------------------------------

    def may_act(self, user_id: str, team: TeamSettings, now: datetime) -> bool:
        """Whether ``user_id`` may snooze ``team``'s alerts: an admin or one of its people."""
        if user_id in self.settings.admins:
            return True
        return user_id in team_user_ids(People(self.store, self.messenger, now), team)

    def team_of_item(self, key: str) -> TeamSettings | None:
        """The team following item ``key``: by project key, else by the team's item list."""
        project = key.partition("-")[0]
        for team in self.settings.teams.values():
            if project in team.projects:
                return team
        for team in self.settings.teams.values():
            if team.jira is not None and key in self.store.team_item_keys(team.name):
                return team
        return None

    def team_of_subject(self, subject: str) -> TeamSettings | None:
        """The team of a snooze subject: an item key, ``owner/repo`` or ``owner/repo#N``."""
        repo = subject.partition("#")[0]
        if "/" in repo:
            return next((t for t in self.settings.teams.values() if repo in t.repos), None)
        return self.team_of_item(subject)


def team_of_channel(
    settings: Settings, channel_id: str, channel_name: str = ""
) -> TeamSettings | None:
    """The team whose configured channel (an id or ``#name``) this is."""
    for team in settings.teams.values():
        configured = team.slack.channel
        by_name = bool(channel_name) and configured.removeprefix("#") == channel_name
        if configured == channel_id or by_name:
            return team
    return None


def _day_hours(flow: TeamFlow) -> float:
    return flow.calendar.working_day_seconds / 3600.0
