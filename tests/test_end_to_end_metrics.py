"""End to end: sandbox scenario → sync → ``crosswalk report --format json`` = the intent.

For every team and every ISO week a generated scenario covers, the report printed by the
real CLI (over a store filled by one sync against the loopback sandbox) must equal the
figures computed by hand (``tests/support/e2e_expect.py``) from what the generator meant.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.config.env import DESCRIPTIONS, Env
from bot.config.settings import load_settings
from bot.store import Store, make_engine
from bot.store.migrate import upgrade
from bot.sync.clients import clients_for
from bot.sync.engine import SyncEngine
from integrations.sandbox.generator.intent import Intent
from integrations.sandbox.generator.organisation import generate_with_intent
from integrations.sandbox.runner import Sandbox
from integrations.sandbox.world import World
from tests.support.e2e_expect import TeamExpect, Week, differences, weeks_covering

FIXED_NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
GROUPS = ("bounds", "handoffs", "delivery", "pull_requests", "releases", "incidents", "wip")


def working_now(real: datetime) -> datetime:
    """The latest weekday 11:00 London at or before ``real`` (a stable clock for a day)."""
    london = ZoneInfo("Europe/London")
    day = real.astimezone(london).date()
    while True:
        candidate = datetime.combine(day, time(11, 0), london)
        if candidate.weekday() < 5 and candidate <= real:
            return candidate.astimezone(UTC)
        day -= timedelta(days=1)


@dataclass
class Synced:
    """A scenario synced into a store, with its reports and expectations per team-week."""

    world: World
    intent: Intent
    actual: dict[tuple[str, str], dict[str, Any]]
    expected: dict[tuple[str, str], dict[str, Any]]
    lead_totals: dict[tuple[str, str], float]
    env: dict[str, str | None]


def cli_env(box: Sandbox, tmp: Path) -> tuple[Path, dict[str, str | None]]:
    """The config path and the full environment a CLI run needs (nothing inherited)."""
    config = box.write_config(tmp / "crosswalk.yaml")
    env: dict[str, str | None] = {name: None for name in DESCRIPTIONS}
    env.update({**box.env(), "DATABASE_URL": f"sqlite:///{tmp / 'cw.db'}",
                "CROSSWALK_CONFIG": str(config)})
    return config, env


def sync_through_engine(box: Sandbox, env: dict[str, str | None], config: Path,
                        now: datetime) -> None:
    """One sync through the SyncEngine with a fixed clock."""
    url = env["DATABASE_URL"]
    assert url is not None
    upgrade(url)
    settings = load_settings(config)
    issues, code = clients_for(settings, Env.from_mapping(
        {k: v for k, v in env.items() if v is not None}), throttle=0.0)
    summary = SyncEngine(Store(make_engine(url)), settings, issues, code,
                         clock=lambda: now).sync_all(now)
    assert not summary.failed, summary.lines()


def sync_through_cli(env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch) -> None:
    """One ``crosswalk sync`` (PyGithub's pause between requests off: loopback)."""
    with monkeypatch.context() as m:
        m.setattr("bot.cli.sync.clients_for", functools.partial(clients_for, throttle=0))
        result = CliRunner().invoke(main, ["sync"], env=env)
    assert result.exit_code == 0, result.output


def weeks_of(world: World, intent: Intent, timezone: str) -> list[Week]:
    """The weeks from the scenario's first event to its now."""
    events = [h.start for h in intent.handoffs] + [p.opened for p in intent.pulls]
    events += [r.published for r in intent.releases if r.published is not None]
    return weeks_covering(min(events), world.now, timezone)


def synced(scenario: str, size: int | None, now: datetime, via_cli: bool, tmp: Path,
           monkeypatch: pytest.MonkeyPatch) -> Synced:
    """Generate, serve, sync, then report every team-week through the CLI."""
    world, intent = generate_with_intent(scenario, seed=7, size=size, now=now)
    actual: dict[tuple[str, str], dict[str, Any]] = {}
    expected: dict[tuple[str, str], dict[str, Any]] = {}
    totals: dict[tuple[str, str], float] = {}
    env: dict[str, str | None] = {}
    with Sandbox(world) as box:
        config, env = cli_env(box, tmp)
        if via_cli:
            sync_through_cli(env, monkeypatch)
        else:
            sync_through_engine(box, env, config, now)
        runner = CliRunner()
        for team in world.teams:
            expect = TeamExpect(world, intent, team)
            for week in weeks_of(world, intent, team.timezone):
                result = runner.invoke(main, ["report", "--team", team.name, "--week",
                                              week.label, "--format", "json"], env=env)
                assert result.exit_code == 0, result.output
                actual[(team.name, week.label)] = json.loads(result.stdout)
                expected[(team.name, week.label)] = expect.report(week)
                totals[(team.name, week.label)] = expect.lead_total(week)
    return Synced(world, intent, actual, expected, totals, env)


@pytest.fixture(scope="module")
def default_scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    with pytest.MonkeyPatch.context() as mp:
        yield synced("default", 500, FIXED_NOW, False, tmp_path_factory.mktemp("default"), mp)


@pytest.fixture(scope="module")
def demo_scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    # The real CLI reads the wall clock; the world is generated at a recent working
    # moment, so the sync's "now" is just after the world's and nothing lies between.
    now = working_now(datetime.now(UTC))
    with pytest.MonkeyPatch.context() as mp:
        yield synced("demo", None, now, True, tmp_path_factory.mktemp("demo"), mp)


@pytest.fixture(scope="module")
def mixed_scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    # one team per release source: GitHub releases, deployments (a rollback, a failed
    # attempt) and annotated tags
    with pytest.MonkeyPatch.context() as mp:
        yield synced("mixed", None, FIXED_NOW, False, tmp_path_factory.mktemp("mixed"), mp)


def mismatches(run: Synced, group: str) -> list[str]:
    """Every figure of ``group`` that differs, as ``team week .path: expected x, got y``."""
    out: list[str] = []
    for (team, label), expected in sorted(run.expected.items()):
        actual = run.actual[(team, label)]
        assert (actual["team"], actual["week"]) == (team, label)
        # "bounds" are the object's top-level start, end and timezone.
        got = {k: actual[k] for k in expected[group]} if group == "bounds" else actual[group]
        out += [f"{team} {label} {d}" for d in differences(expected[group], got, f".{group}")]
    return out


@pytest.mark.parametrize("group", GROUPS)
def test_default_scenario_reports_what_the_generator_intended(
    default_scenario: Synced, group: str,
) -> None:
    assert mismatches(default_scenario, group) == []


@pytest.mark.parametrize("group", GROUPS)
def test_demo_scenario_synced_by_the_cli_reports_what_the_generator_intended(
    demo_scenario: Synced, group: str,
) -> None:
    assert mismatches(demo_scenario, group) == []


@pytest.mark.parametrize("group", GROUPS)
def test_every_release_source_reports_what_the_generator_intended(
    mixed_scenario: Synced, group: str,
) -> None:
    sources = {t.name: t.release_source for t in mixed_scenario.world.teams}
    assert sorted(sources.values()) == ["deployments", "github", "tags"]
    assert mismatches(mixed_scenario, group) == []


@pytest.mark.parametrize("scenario", ["default_scenario", "demo_scenario", "mixed_scenario"])
def test_the_comparison_covers_every_figure_and_sees_activity(
    scenario: str, request: pytest.FixtureRequest,
) -> None:
    run: Synced = request.getfixturevalue(scenario)
    teams = {t.name for t in run.world.teams}
    assert {team for team, _ in run.expected} == teams
    assert len(run.expected) >= 16 * len(teams)
    totals: dict[str, float] = {}
    for expected in run.expected.values():
        totals["wip"] = totals.get("wip", 0) + expected["wip"]
        for group in GROUPS[1:-1]:
            for key, value in expected[group].items():
                amount = value["count"] if isinstance(value, dict) else value or 0
                totals[f"{group}.{key}"] = totals.get(f"{group}.{key}", 0) + amount
    # Every compared figure is non-zero somewhere, so none is compared only as 0 = 0.
    assert sorted(k for k, v in totals.items() if not v) == []


@pytest.mark.parametrize("scenario", ["default_scenario", "demo_scenario"])
def test_the_stages_add_up_to_the_times_to_delivery_in_every_week(
    scenario: str, request: pytest.FixtureRequest,
) -> None:
    run: Synced = request.getfixturevalue(scenario)
    off = []
    staged = 0.0
    for key, report in sorted(run.actual.items()):
        stages = report["delivery"]["stage_hours"]
        assert set(stages) == {"pickup", "product", "build", "review", "release"}
        assert all(v >= 0 for v in stages.values())
        if abs(sum(stages.values()) - run.lead_totals[key]) > 1e-6:
            off.append(f"{key}: stages {sum(stages.values())} != leads {run.lead_totals[key]}")
        staged += stages["review"] + stages["release"]
    assert off == []
    assert staged > 0  # the scenario delivers through reviewed and released PRs


def test_review_of_the_demo_shows_both_windows_and_every_target(
    demo_scenario: Synced,
) -> None:
    env = demo_scenario.env  # review reads only the store and the config
    for team in demo_scenario.world.teams:
        result = CliRunner().invoke(main, ["review", "--team", team.name, "--format", "json"],
                                    env=env)
        assert result.exit_code == 0, result.output
        review = json.loads(result.stdout)
        current, baseline = review["current"], review["baseline"]
        assert current["week"] is None and baseline["week"] is None
        assert baseline["end"] == current["start"]  # back to back, 13 weeks each
        assert [t["name"] for t in review["targets"]] == [
            "lead_time", "handoff_delay", "release_interval", "change_failure_rate",
            "downtime"]
        assert all(isinstance(t["met"], bool) for t in review["targets"])
    releases = {t.name: json.loads(CliRunner().invoke(
        main, ["review", "--team", t.name, "--format", "json"], env=env).stdout)
        ["current"]["releases"]["count"] for t in demo_scenario.world.teams}
    assert len(set(releases.values())) > 1  # the teams' stories differ
