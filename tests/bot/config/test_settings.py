"""Settings: loading, defaults and overrides, conversion to the flow domain, immutability."""

from __future__ import annotations

import copy
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.config.settings import Duration, Settings, SettingsError, load_settings, parse_settings
from bot.core.errors import ConfigError
from bot.flow.model import Weekday

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "crosswalk.example.yaml"

MINIMAL: dict[str, Any] = {
    "teams": {
        "payments": {
            "jira": {"project": "PAY"},
            "github": {"repos": ["acme/payments-api"]},
            "slack": {"channel": "C0PAYMENTS"},
            "workflow": {
                "handoff": ["Ready for Development"],
                "started": ["In Progress"],
                "done": ["Done"],
            },
        }
    }
}


def minimal(**top: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    data.update(top)
    return data


def test_example_config_loads_with_every_team() -> None:
    settings = load_settings(EXAMPLE)
    assert list(settings.teams) == ["payments", "growth", "storefront"]
    assert settings.poll_interval == Duration(10, "m")
    assert settings.initial_history.calendar_seconds == 90 * 86400


def test_example_team_converts_to_flow_with_working_second_thresholds() -> None:
    flow = load_settings(EXAMPLE).teams["payments"].to_flow()
    assert flow.name == "payments"
    assert flow.projects == ("PAY",)
    assert flow.repos == ("acme/payments-api", "acme/payments-web")
    assert flow.workflow.started == frozenset({"In Progress", "In Review"})
    assert flow.calendar.timezone == "Europe/London"
    assert flow.calendar.holidays == "GB"
    assert flow.failure_window == timedelta(hours=72)
    assert flow.incident_types == ("Incident",)
    # 09:00–17:00 is an 8 h working day: 2d = 16 working hours, 1d = 8, 5d = 40.
    assert flow.alerts.handoff_waiting == 16 * 3600
    assert flow.alerts.review_waiting == 8 * 3600
    assert flow.alerts.unreleased == 40 * 3600


def test_team_calendar_keys_override_the_defaults_and_others_inherit() -> None:
    data = minimal(timezone="Europe/Berlin", holidays="DE", workdays=["mon", "tue"])
    team = data["teams"]["payments"]
    team["working_hours"] = {"start": "10:00", "end": "16:00"}
    team["timezone"] = "Asia/Tokyo"
    team["alerts"] = {"handoff_waiting": "2d", "review_waiting": "4h", "unreleased": "90m"}
    calendar = parse_settings(data).teams["payments"].calendar
    assert calendar.timezone == "Asia/Tokyo"
    assert (calendar.start, calendar.end) == (time(10, 0), time(16, 0))
    assert calendar.workdays == frozenset({Weekday.MON, Weekday.TUE})  # inherited
    assert calendar.holidays == "DE"  # inherited
    alerts = parse_settings(data).teams["payments"].to_flow().alerts
    assert alerts.handoff_waiting == 2 * 6 * 3600  # a working day is 6 h here
    assert alerts.review_waiting == 4 * 3600
    assert alerts.unreleased == 90 * 60


def test_defaults_fill_everything_left_out() -> None:
    settings = parse_settings(minimal())
    team = settings.teams["payments"]
    assert settings.timezone == "UTC"
    assert settings.slash_command == "/crosswalk"
    assert team.calendar.workdays == frozenset(Weekday(i) for i in range(5))
    assert team.calendar.holidays is None
    assert team.digest.day == "mon" and team.digest.time == time(9, 0)
    assert team.releases.source == "github"
    assert team.to_flow().alerts.review_waiting == 8 * 3600


def test_jql_team_has_no_project_keys() -> None:
    data = minimal()
    data["teams"]["payments"]["jira"] = {"jql": "project = PAY AND labels = squad"}
    assert parse_settings(data).teams["payments"].to_flow().projects == ()


def test_github_only_team_needs_no_workflow() -> None:
    data = minimal()
    team = data["teams"]["payments"]
    del team["jira"], team["workflow"]
    settings = parse_settings(data)
    assert not settings.uses_jira and settings.uses_github
    assert settings.teams["payments"].to_flow().workflow.handoff == frozenset()


def test_durations_parse_in_calendar_and_working_time() -> None:
    assert Duration.parse("2d").calendar_seconds == 2 * 86400
    assert Duration.parse("2d").working_seconds(8 * 3600) == 16 * 3600
    assert Duration.parse("72h").working_seconds(8 * 3600) == 72 * 3600
    assert Duration.parse("10m").calendar_seconds == 600
    assert str(Duration.parse("72h")) == "72h"
    for bad in ("", "2", "d", "0d", "1.5h", "2 days", "-1d", "2w"):
        with pytest.raises(ValueError):
            Duration.parse(bad)


def test_yaml_reads_unquoted_times_and_the_norway_code_as_text(tmp_path: Path) -> None:
    # YAML 1.1 would read 17:30 as the number 1050 and NO as false.
    path = tmp_path / "c.yaml"
    path.write_text(
        "holidays: NO\n"
        "working_hours: {start: 08:00, end: 17:30}\n"
        "teams:\n"
        "  web:\n"
        "    github: {repos: [acme/web]}\n"
        "    slack: {channel: C0WEB}\n",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.holidays == "NO"
    assert settings.working_hours.end == time(17, 30)


# ------------------------------------------------------------------ immutability


def test_settings_cannot_be_changed_after_loading() -> None:
    settings = load_settings(EXAMPLE)
    team = settings.teams["payments"]
    with pytest.raises(ValidationError, match="frozen"):
        settings.timezone = "UTC"
    with pytest.raises(ValidationError, match="frozen"):
        team.alerts.handoff_waiting = Duration(1, "d")
    with pytest.raises(ValidationError, match="frozen"):
        team.slack = team.slack
    with pytest.raises(TypeError):
        settings.teams["other"] = team  # type: ignore[index]
    with pytest.raises(TypeError):
        del settings.teams["payments"]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        team.github.repos.append("acme/x")  # type: ignore[union-attr]
    with pytest.raises(AttributeError):
        settings.poll_interval.amount = 1
    with pytest.raises(TypeError):
        team.people.github["someone"] = "someone@acme.example"  # type: ignore[index]
    assert team.people.email_of_login("BOB-SMITH") == "bob@acme.example"
    assert settings == load_settings(EXAMPLE)


def test_settings_round_trip_through_their_dump() -> None:
    settings = load_settings(EXAMPLE)
    assert Settings.model_validate(settings.model_dump(mode="json")) == settings


def test_settings_error_is_a_config_error_listing_problems() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings({"teams": {}})
    assert isinstance(caught.value, SettingsError)
    assert caught.value.problems == ("teams: expected at least 1 item(s), got 0",)


def test_team_selection_for_a_team_option() -> None:
    settings = load_settings(EXAMPLE)
    assert [t.name for t in settings.selected(None)] == ["payments", "growth", "storefront"]
    assert [t.name for t in settings.selected("growth")] == ["growth"]
    with pytest.raises(SettingsError) as caught:
        settings.selected("billing")
    assert caught.value.problems == ("no team 'billing' (teams: payments, growth, storefront)",)


def test_targets_convert_to_hours_the_handoff_delay_in_working_hours() -> None:
    data = minimal()
    data["teams"]["payments"]["targets"] = {
        "lead_time": "10d", "handoff_delay": "1d", "release_interval": "14d",
        "change_failure_rate": "15%", "downtime": "1h",
    }
    data["teams"]["payments"]["review"] = {"every": "quarter"}
    team = parse_settings(data).teams["payments"]
    targets = team.to_flow().targets
    assert targets.lead_time == 240.0
    assert targets.handoff_delay == 8.0  # one working day of 09:00-17:00
    assert targets.release_interval == 14 * 24.0
    assert targets.change_failure_rate == pytest.approx(0.15)
    assert targets.downtime == 1.0
    assert team.review is not None and (team.review.every, team.review.day) == ("quarter", 1)
    assert parse_settings(minimal()).teams["payments"].to_flow().targets.lead_time is None


def test_the_country_codes_accepted_are_exactly_those_the_holidays_package_lists() -> None:
    # Settings read the registry (cheap) instead of importing every country module.
    import holidays

    from bot.config.types import _countries

    assert _countries() == frozenset(holidays.list_supported_countries())
    assert {"GB", "UK", "US", "DE"} <= _countries()
