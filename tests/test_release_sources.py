"""Release sources: one history shipped three ways gives the same report, field for field.

The ``default`` scenario is served once as GitHub releases, once with every release a
successful ``production`` deployment of the same commit at the same time (each preceded
by a staging deployment of it, and each success marking the one before inactive), and
once as annotated tags dated at publication. One sync each through the real clients,
then ``crosswalk report --format json`` for every team and week: the three must agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from integrations.sandbox import shipping
from integrations.sandbox.generator.organisation import generate_with_intent
from integrations.sandbox.runner import Sandbox
from integrations.sandbox.world import World
from tests.test_end_to_end_metrics import FIXED_NOW, cli_env, sync_through_engine, weeks_of

TAG_PATTERN = r"^v\d+\.\d+\.\d+$"
Reports = dict[tuple[str, str], dict[str, Any]]


def as_releases(world: World) -> World:
    return world


def as_deployments(world: World) -> World:
    world.teams = [replace(t, release_source="deployments") for t in world.teams]
    return shipping.as_deployments(world)


def as_tags(world: World) -> World:
    world.teams = [replace(t, release_source="tags", tag_pattern=TAG_PATTERN)
                   for t in world.teams]
    return shipping.as_tags(world)


def reports_of(ship: Callable[[World], World], tmp: Path) -> tuple[World, Reports]:
    world, intent = generate_with_intent("default", seed=11, size=120, now=FIXED_NOW)
    weeks = {t.name: weeks_of(world, intent, t.timezone) for t in world.teams}
    world = ship(world)
    out: Reports = {}
    with Sandbox(world) as box:
        config, env = cli_env(box, tmp)
        sync_through_engine(box, env, config, FIXED_NOW)
        runner = CliRunner()
        for team in world.teams:
            for week in weeks[team.name]:
                result = runner.invoke(main, ["report", "--team", team.name, "--week",
                                              week.label, "--format", "json"], env=env)
                assert result.exit_code == 0, result.output
                out[(team.name, week.label)] = json.loads(result.stdout)
    return world, out


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Reports]]:
    yield {
        name: reports_of(ship, tmp_path_factory.mktemp(name))[1]
        for name, ship in (("releases", as_releases), ("deployments", as_deployments),
                           ("tags", as_tags))
    }


def test_the_scenario_ships_something_worth_comparing(shipped: dict[str, Reports]) -> None:
    reports = shipped["releases"].values()
    assert sum(r["releases"]["count"] for r in reports) >= 20
    assert sum(r["releases"]["hotfixes"] for r in reports) >= 1
    assert sum(r["releases"]["failed"] for r in reports) >= 1
    assert sum(r["delivery"]["items_delivered"] for r in reports) >= 20
    assert all(r["releases"]["deploy_failures"] == 0 for r in reports)


@pytest.mark.parametrize("source", ["deployments", "tags"])
def test_every_team_week_reports_the_same_as_with_github_releases(
    shipped: dict[str, Reports], source: str
) -> None:
    expected, actual = shipped["releases"], shipped[source]
    assert actual.keys() == expected.keys()
    differing = [key for key in sorted(expected) if actual[key] != expected[key]]
    assert differing == []
