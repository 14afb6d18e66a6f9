"""The typed, frozen settings of ``config/crosswalk.yaml`` (docs: config/crosswalk.example.yaml).

``load_settings(path)`` is the only way in; every problem in the file is reported at once
as ``key.path: problem``. Regenerate the JSON schema with
``python -m bot.config.settings --schema > config/crosswalk.schema.json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import (
    Field,
    PrivateAttr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.config.loading import SettingsError, problems_from, read_yaml
from bot.config.outcomes import Frozen, ReviewSettings, TargetSettings
from bot.config.releases import ReleaseSettings, one_shipping_per_repo
from bot.config.types import (
    WEEKDAY_NAMES,
    ClockTime,
    CountryCode,
    Duration,
    Email,
    FrozenDict,
    GitHubLogin,
    ProjectKey,
    RepoName,
    SlackChannel,
    SlackUserId,
    SlashCommand,
    StatusName,
    TeamName,
    Timezone,
    WeekdayName,
    shown,
)
from bot.flow.model import AlertThresholds, CalendarSpec, TeamFlow, Workflow

__all__ = ["Duration", "Settings", "SettingsError", "TeamSettings", "load_settings"]

_WEEKDAYS_DEFAULT = ("mon", "tue", "wed", "thu", "fri")


def _at(key: str, message: str) -> PydanticCustomError:
    """A model-level problem reported at ``<model path>.<key>``."""
    return PydanticCustomError("at_key", message, {"key": key})


_Frozen = Frozen  # every settings model: immutable, unknown keys refused


class WorkingHours(_Frozen):
    """Daily working hours in the team's timezone."""

    # String defaults, validated like input, so the schema shows them as a person writes them.
    start: ClockTime = Field(default="09:00", validate_default=True, description="Day starts.")
    end: ClockTime = Field(default="17:00", validate_default=True, description="Day ends.")

    @model_validator(mode="after")
    def _end_after_start(self) -> WorkingHours:
        if self.end <= self.start:
            raise _at(
                "end", f"expected a time after start ({self.start:%H:%M}), got {self.end:%H:%M}"
            )
        return self


class JiraSource(_Frozen):
    """Which Jira issues belong to the team: a project key or a JQL query (exactly one)."""

    project: ProjectKey | None = Field(default=None, description="Jira project key.")
    jql: str | None = Field(default=None, description="JQL selecting the team's issues.")

    @model_validator(mode="after")
    def _exactly_one(self) -> JiraSource:
        if (self.project is None) == (self.jql is None):
            raise _at("project", "expected exactly one of project or jql")
        if self.jql is not None and not self.jql.strip():
            raise _at("jql", f"expected a JQL query, got {shown(self.jql)}")
        return self


class GitHubSource(_Frozen):
    """The team's GitHub repositories."""

    repos: tuple[RepoName, ...] = Field(min_length=1, description='Repositories "owner/name".')


class SlackTarget(_Frozen):
    """Where the team's digest and channel alerts go."""

    channel: SlackChannel = Field(description="Shared product+engineering channel: id or #name.")


class People(_Frozen):
    """Who gets nudges; resolved to Slack users by email."""

    product: tuple[Email, ...] = ()
    engineering: tuple[Email, ...] = ()
    github: Mapping[GitHubLogin, Email] = Field(
        default_factory=dict,
        validate_default=True,
        description="GitHub login → email: review alerts go to the requested reviewers "
        "found here (to the engineering people when none is).",
    )

    @field_validator("github", mode="after")
    @classmethod
    def _read_only(cls, github: Mapping[str, str]) -> Mapping[str, str]:
        return FrozenDict(github)

    @field_serializer("github")
    def _dump_github(self, github: Mapping[str, str]) -> dict[str, str]:
        return dict(github)

    def email_of_login(self, login: str) -> str | None:
        """The email configured for a GitHub login (logins compare case-insensitively)."""
        wanted = login.lower()
        return next((e for name, e in self.github.items() if name.lower() == wanted), None)


class WorkflowSettings(_Frozen):
    """Which Jira statuses mean what."""

    handoff: tuple[StatusName, ...] = Field(min_length=1, description="Spec waits for engineering.")
    started: tuple[StatusName, ...] = Field(min_length=1, description="Engineering works on it.")
    returned: tuple[StatusName, ...] = Field(default=(), description="Sent back to product.")
    done: tuple[StatusName, ...] = Field(min_length=1, description="Finished.")

    @model_validator(mode="after")
    def _disjoint(self) -> WorkflowSettings:
        seen: dict[str, str] = {}
        for group in ("handoff", "started", "returned", "done"):
            for status in getattr(self, group):
                if status in seen:
                    raise _at(group, f'status "{status}" is already listed under {seen[status]}')
                seen[status] = group
        return self

    def to_flow(self) -> Workflow:
        """The flow domain's ``Workflow``."""
        return Workflow(
            handoff=frozenset(self.handoff),
            started=frozenset(self.started),
            returned=frozenset(self.returned),
            done=frozenset(self.done),
        )


class IncidentSettings(_Frozen):
    """Jira issues that mark a failure."""

    issue_types: tuple[StatusName, ...] = ()


class DigestSettings(_Frozen):
    """When the weekly digest is posted, in the team's timezone."""

    day: WeekdayName = "mon"
    time: ClockTime = Field(default="09:00", validate_default=True)


class AlertSettings(_Frozen):
    """Alert thresholds in working time (``1d`` is one working day)."""

    handoff_waiting: Duration = Duration(2, "d")
    review_waiting: Duration = Duration(1, "d")
    unreleased: Duration = Duration(5, "d")
    channel_posts: int = Field(
        default=5, ge=1, le=50,
        description="Most channel messages one alert run posts for the team; the rest are"
        " folded into the last one.",
    )


class TeamSettings(_Frozen):
    """One team; calendar keys left out inherit the top-level defaults."""

    jira: JiraSource | None = None
    github: GitHubSource | None = None
    slack: SlackTarget
    people: People = People()
    workflow: WorkflowSettings | None = Field(default=None, description="Required with jira.")
    releases: ReleaseSettings = ReleaseSettings()
    incidents: IncidentSettings = IncidentSettings()
    digest: DigestSettings = DigestSettings()
    alerts: AlertSettings = AlertSettings()
    targets: TargetSettings = TargetSettings()
    review: ReviewSettings | None = None
    timezone: Timezone | None = None
    working_hours: WorkingHours | None = None
    workdays: tuple[WeekdayName, ...] | None = Field(default=None, min_length=1)
    holidays: CountryCode | None = None

    # Filled in by Settings, which knows the team's name and the top-level calendar defaults.
    _name: str = PrivateAttr(default="")
    _calendar: CalendarSpec | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self) -> TeamSettings:
        if self.jira is None and self.github is None:
            raise _at("jira", "a team needs jira, github or both")
        if self.jira is not None and self.workflow is None:
            raise _at("workflow", "required key is missing (the team has jira)")
        if self.releases.source == "jira" and self.jira is None:
            raise _at("releases", 'source "jira" needs the team to have jira')
        return self

    @property
    def name(self) -> str:
        """The team's key under ``teams``."""
        return self._name

    @property
    def calendar(self) -> CalendarSpec:
        """The team's working calendar, defaults applied."""
        if self._calendar is None:
            raise RuntimeError("TeamSettings.calendar is only known inside Settings")
        return self._calendar

    @property
    def projects(self) -> tuple[str, ...]:
        """Jira project keys of the team (empty with a JQL source)."""
        return (self.jira.project,) if self.jira and self.jira.project else ()

    @property
    def repos(self) -> tuple[str, ...]:
        """GitHub repositories of the team."""
        return self.github.repos if self.github else ()

    def to_flow(self) -> TeamFlow:
        """Everything the flow domain needs about this team, thresholds in working seconds."""
        day = self.calendar.working_day_seconds
        workflow = self.workflow.to_flow() if self.workflow else Workflow(*(frozenset[str](),) * 4)
        return TeamFlow(
            name=self.name,
            projects=self.projects,
            repos=self.repos,
            workflow=workflow,
            calendar=self.calendar,
            release_source=self.releases.source,
            shipping=self.releases.shipping(),
            hotfix_pattern=self.releases.hotfix_pattern,
            failure_window=timedelta(seconds=self.releases.failure_window.calendar_seconds),
            incident_types=self.incidents.issue_types,
            alerts=AlertThresholds(
                handoff_waiting=self.alerts.handoff_waiting.working_seconds(day),
                review_waiting=self.alerts.review_waiting.working_seconds(day),
                unreleased=self.alerts.unreleased.working_seconds(day),
                channel_posts=self.alerts.channel_posts,
            ),
            targets=self.targets.to_flow(day),
        )


class Settings(_Frozen):
    """The whole config file."""

    timezone: Timezone = Field(default="UTC", description="Default IANA timezone of teams.")
    working_hours: WorkingHours = WorkingHours()
    workdays: tuple[WeekdayName, ...] = Field(default=_WEEKDAYS_DEFAULT, min_length=1)
    holidays: CountryCode | None = Field(default=None, description="Public holidays country code.")
    slash_command: SlashCommand = "/crosswalk"
    poll_interval: Duration = Field(default=Duration(10, "m"), description="Calendar time.")
    initial_history: Duration = Field(default=Duration(90, "d"), description="Calendar time.")
    admins: tuple[SlackUserId, ...] = Field(default=(), description="Slack user ids.")
    teams: Mapping[TeamName, TeamSettings] = Field(min_length=1)

    @model_validator(mode="after")
    def _resolve_teams(self) -> Settings:
        for name, team in self.teams.items():
            hours = team.working_hours or self.working_hours
            team._name = name
            team._calendar = CalendarSpec(
                timezone=team.timezone or self.timezone,
                start=hours.start,
                end=hours.end,
                workdays=frozenset(WEEKDAY_NAMES[day] for day in team.workdays or self.workdays),
                holidays=team.holidays if team.holidays is not None else self.holidays,
            )
        one_shipping_per_repo(self.teams)
        # A read-only view, so that settings.teams cannot be changed after start-up either.
        object.__setattr__(self, "teams", MappingProxyType(dict(self.teams)))
        return self

    @field_serializer("teams")
    def _dump_teams(self, teams: Mapping[str, TeamSettings]) -> dict[str, TeamSettings]:
        return dict(teams)

    def team(self, name: str) -> TeamSettings:
        """The named team; ``SettingsError`` naming the known teams when there is none."""
        try:
            return self.teams[name]
        except KeyError:
            known = ", ".join(self.teams)
            raise SettingsError("--team", [f"no team {name!r} (teams: {known})"]) from None

    def selected(self, name: str | None) -> tuple[TeamSettings, ...]:
        """The teams a ``--team`` option selects: all of them when ``name`` is None."""
        return tuple(self.teams.values()) if name is None else (self.team(name),)

    @property
    def uses_jira(self) -> bool:
        """Whether any team reads Jira."""
        return any(team.jira is not None for team in self.teams.values())

    @property
    def uses_github(self) -> bool:
        """Whether any team has GitHub repositories."""
        return any(team.github is not None for team in self.teams.values())


def parse_settings(data: object, source: str = "config") -> Settings:
    """Validate already-parsed YAML data; ``SettingsError`` lists every problem."""
    if not isinstance(data, dict):
        raise SettingsError(source, ["(top level): expected a mapping (key: value)"])
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(source, problems_from(exc, Settings)) from None


def load_settings(path: str | Path) -> Settings:
    """Read and validate a YAML config file."""
    return parse_settings(read_yaml(Path(path)), source=str(path))


def config_schema() -> dict[str, Any]:
    """The JSON schema of the config file, generated from the models."""
    schema = Settings.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Crosswalk configuration"
    return schema


def schema_text() -> str:
    """``config_schema()`` as the text stored in config/crosswalk.schema.json."""
    return json.dumps(config_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--schema"]:
        sys.stderr.write(
            "usage: python -m bot.config.settings --schema > config/crosswalk.schema.json\n"
        )
        raise SystemExit(2)
    sys.stdout.write(schema_text())
