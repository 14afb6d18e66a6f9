"""The seeded scenario generator: ``generate("demo", now=...)`` builds a whole World.

Deterministic: the same arguments give the same world, byte for byte (each team draws
from its own ``random.Random`` seeded by scenario, seed and team name). Teams are built
one at a time and their plans dropped afterwards, so the 100,000-item scenario holds
little more than the World itself. :func:`generate_with_intent` also returns the
:class:`~integrations.sandbox.generator.intent.Intent` log recorded while generating.
"""

from __future__ import annotations

import gc
import hashlib
import random
from datetime import UTC, datetime, timedelta

from integrations.sandbox.generator.common import BOTS, Person, person_name
from integrations.sandbox.generator.deployed import ship_by_deployments
from integrations.sandbox.generator.intent import Intent
from integrations.sandbox.generator.scenarios import SCENARIOS, TeamPlan, team_plans
from integrations.sandbox.generator.team import build_team
from integrations.sandbox.shipping import as_tags
from integrations.sandbox.slack.state import SlackChannel, SlackState, SlackUser
from integrations.sandbox.world import (
    GhCommit,
    GhRepo,
    GhUser,
    GitHubState,
    JiraProject,
    JiraState,
    JiraUser,
    ScenarioTeam,
    World,
    make_sha,
)

__all__ = ["SCENARIOS", "generate", "generate_with_intent"]

ORG = "acme"
BOT_LOGIN = "crosswalk-bot"
SOURCES = {"releases": "github", "deployments": "deployments", "tags": "tags"}
TAG_PATTERN = r"^v\d+\.\d+\.\d+$"  # the generator's regular and hotfix tags, not its candidates
_OTHER_TZ = ("America/New_York", "Asia/Kolkata", "America/Los_Angeles")


def generate(
    scenario: str = "default", *, seed: int = 7, size: int | None = None, now: datetime,
) -> World:
    """A deterministic World for a named scenario (``small``, ``default``, ``demo``, ``large``)."""
    return generate_with_intent(scenario, seed=seed, size=size, now=now)[0]


def generate_with_intent(
    scenario: str = "default", *, seed: int = 7, size: int | None = None, now: datetime,
) -> tuple[World, Intent]:
    """Like :func:`generate`, also returning the intent log recorded while generating."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC).replace(microsecond=0)
    plans = team_plans(scenario, size, seed)
    world = _skeleton(scenario, seed, now)
    projects = frozenset(plan.key for plan in plans)
    intent = Intent()
    people_seen = 0
    # The World only grows; freezing it after each team keeps the cyclic collector from
    # rescanning millions of live objects (quadratic time at 100k items). Not when the
    # caller has frozen objects itself: unfreezing would undo that.
    freeze = gc.isenabled() and gc.get_freeze_count() == 0
    try:
        for plan in plans:
            people = _add_people(world, plan, people_seen)
            people_seen += len(people)
            _add_team(world, plan, people)
            rng = random.Random(f"{scenario}:{seed}:{plan.name}")
            build_team(world, plan, people, rng, projects, intent)
            if plan.ships_by == "deployments":
                ship_by_deployments(world, plan, intent)
            elif plan.ships_by == "tags":
                as_tags(world, repos=plan.repos)
            if freeze:
                gc.freeze()
    finally:
        if freeze:
            gc.unfreeze()
    return world, intent


def _secret(seed: int, what: str, length: int = 32) -> str:
    return hashlib.sha256(f"crosswalk-sandbox:{seed}:{what}".encode()).hexdigest()[:length]


def _skeleton(scenario: str, seed: int, now: datetime) -> World:
    myself = JiraUser("557058:crosswalk-bot", "Crosswalk", "crosswalk-bot@acme.example")
    jira = JiraState(myself, myself.email, f"sandbox-jira-{_secret(seed, 'jira', 24)}")
    jira.users[myself.account_id] = myself
    github = GitHubState(f"ghp_sandbox{_secret(seed, 'github', 29)}", BOT_LOGIN)
    github.users[BOT_LOGIN] = GhUser(BOT_LOGIN, 9_000_001, "User", "Crosswalk")
    for index, login in enumerate(BOTS):
        github.users[login] = GhUser(login, 49_699_333 + index, "Bot")
    slack = SlackState(
        team_id="T0ACME0001", team_name="Acme", bot_token=f"xoxb-sandbox-{_secret(seed, 'slack')}",
        signing_secret=_secret(seed, "signing"), bot_user_id="U0CROSSWLK", bot_id="B0CROSSWLK",
    )
    slack.users["U0CROSSWLK"] = SlackUser("U0CROSSWLK", "crosswalk", "Crosswalk",
                                          "crosswalk-bot@acme.example", is_bot=True)
    return World(scenario, seed, now, jira, github, slack)


def _add_people(world: World, plan: TeamPlan, first: int) -> list[Person]:
    people: list[Person] = []
    roles = ["product"] * plan.product + ["engineering"] * plan.engineers
    for offset, role in enumerate(roles):
        index = first + offset
        given, family = person_name(index)
        other = plan.people_offset and offset % plan.people_offset == plan.people_offset - 1
        tz = _OTHER_TZ[index % len(_OTHER_TZ)] if other else plan.timezone
        person = Person(
            name=f"{given.title()} {family.title()}", email=f"{given}.{family}@acme.example",
            login=f"{given}-{family}", jira_id=f"712020:{make_sha('jira', str(index))[:24]}",
            slack_id=f"U0{index + 1:08X}", tz=tz, role=role,
        )
        world.jira.users[person.jira_id] = JiraUser(person.jira_id, person.name, person.email, tz)
        world.github.users[person.login] = GhUser(person.login, 1_000 + index, "User",
                                                  person.name, person.email)
        world.slack.users[person.slack_id] = SlackUser(
            person.slack_id, person.login.replace("-", "."), person.name, person.email, tz,
        )
        people.append(person)
    return people


def _add_team(world: World, plan: TeamPlan, people: list[Person]) -> None:
    lead = next(p for p in people if p.role == "product")
    world.jira.projects[plan.key] = JiraProject(
        str(10_000 + len(world.jira.projects)), plan.key, plan.name.title(), lead.jira_id,
    )
    channel_id = f"C0{plan.key}{len(world.slack.channels):04d}"
    members = {world.slack.bot_user_id, *(p.slack_id for p in people)}
    world.slack.channels[channel_id] = SlackChannel(channel_id, plan.name, members=members)
    for full in plan.repos:
        owner, name = full.split("/")
        sha = make_sha(full, "initial")
        initial_at = world.now - timedelta(weeks=40)
        world.github.next_id += 1
        repo = GhRepo(world.github.next_id, owner, name)
        repo.commits[sha] = GhCommit(sha, (), "Initial commit", BOT_LOGIN, initial_at)
        repo.branches["main"] = sha
        world.github.repos[full] = repo
    world.teams.append(ScenarioTeam(
        name=plan.name, jira_project=plan.key, repos=list(plan.repos), channel_id=channel_id,
        channel_name=plan.name,
        product_emails=[p.email for p in people if p.role == "product"],
        engineering_emails=[p.email for p in people if p.role == "engineering"],
        timezone=plan.timezone, holidays="US" if plan.timezone.startswith("America") else "GB",
        release_source=SOURCES[plan.ships_by],
        tag_pattern=TAG_PATTERN if plan.ships_by == "tags" else None,
    ))
