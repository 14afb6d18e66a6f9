"""The intent log says what the generated data says (checked with DESIGN.md's definitions)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from integrations.sandbox.generator.intent import Intent
from integrations.sandbox.generator.organisation import generate_with_intent
from integrations.sandbox.world import World
from tests.support.gen_oracle import episodes, failed_releases
from tests.support.oracle import expected_records

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


@pytest.fixture(scope="module", params=[("default", 3), ("demo", 7), ("small", 5)])
def generated(request: pytest.FixtureRequest) -> tuple[World, Intent]:
    scenario, seed = request.param
    return generate_with_intent(scenario, seed=seed, size=300 if scenario == "default" else None,
                                now=NOW)


def test_handoff_episodes_match_the_definition(generated: tuple[World, Intent]) -> None:
    world, intent = generated
    logged = {(h.item_key, h.start, h.end, h.outcome) for h in intent.handoffs}
    assert len(logged) == len(intent.handoffs)
    assert logged == episodes(expected_records(world))
    outcomes = Counter(h.outcome for h in intent.handoffs)
    assert outcomes["picked_up"] > 0
    if world.name != "small":
        assert set(outcomes) == {"picked_up", "returned", "withdrawn", "waiting"}
        assert {h.pickup_by for h in intent.handoffs if h.outcome == "picked_up"} == {"pr",
                                                                                      "status"}


def test_pull_intents_match_the_records(generated: tuple[World, Intent]) -> None:
    world, intent = generated
    exp = expected_records(world)
    pulls = {(p.repo, p.number): p for p in exp.pulls}
    assert {(p.repo, p.number) for p in intent.pulls} == set(pulls)
    keys: dict[tuple[str, int], set[str]] = {}
    for link in exp.links:
        keys.setdefault((link.repo, link.pr_number), set()).add(link.item_key)
    for p in intent.pulls:
        pr = pulls[(p.repo, p.number)]
        assert (p.opened, p.merged, p.author_is_bot) == (pr.created_at, pr.merged_at,
                                                         pr.author_is_bot)
        assert set(p.item_keys) == keys.get((p.repo, p.number), set())
        human = [r.submitted_at for r in exp.reviews
                 if (r.repo, r.pr_number) == (p.repo, p.number) and not r.reviewer_is_bot
                 and r.reviewer != pr.author and r.submitted_at is not None
                 and (pr.merged_at is None or r.submitted_at < pr.merged_at)]
        assert p.first_human_review == (min(human) if human else None)


def test_release_intents_and_failures_match_the_definition(
    generated: tuple[World, Intent],
) -> None:
    world, intent = generated
    exp = expected_records(world)
    by_id = {r.release_id: r for r in exp.releases}
    # teams that ship by deployments: test_deployment_intents_match_the_deployments
    released = {t.name for t in world.teams if t.release_source != "deployments"}
    mine = [r for r in intent.releases if r.team in released]
    assert {r.release_id for r in mine} == set(by_id)
    for r in mine:
        rel = by_id[r.release_id]
        assert (r.tag, r.published, r.draft, r.prerelease) == (
            rel.tag, rel.published_at, rel.draft, rel.prerelease)
    teams = {t.name: (t.jira_project, t.repos) for t in world.teams if t.name in released}
    oracle = failed_releases(exp, teams)
    logged = {r.release_id: set(r.reasons) for r in mine if r.failed}
    assert logged == oracle


def test_deployment_intents_match_the_deployments() -> None:
    world, intent = generate_with_intent("demo", now=NOW)
    team = next(t for t in world.teams if t.release_source == "deployments")
    repo = world.github.repos[team.repos[0]]
    assert repo.releases == []  # it ships by deployments only
    successes = {
        (d.sha, next(s.created_at for s in d.statuses if s.state == "success"))
        for d in repo.deployments if d.environment == "production"
        and any(s.state == "success" for s in d.statuses)
    }
    mine = [r for r in intent.releases if r.team == team.name and r.repo == repo.full_name
            and r.published is not None and not r.draft and not r.prerelease]
    rollbacks = [r for r in mine if r.rollback]
    assert len(rollbacks) == 1
    back = next(d for d in repo.deployments if d.id == rollbacks[0].release_id)
    shipped = {(repo.tags[r.tag], r.published) for r in mine if not r.rollback}
    assert shipped | {(back.sha, rollbacks[0].published)} == successes
    failed = [r for r in mine if r.failed]
    assert [r.reasons for r in failed] == [(f"rollback {rollbacks[0].tag.split()[0]}",)]
    attempts = [d for d in repo.deployments if d.environment == "production"
                and d.statuses[-1].state == "failure"]
    assert [(team.name, repo.full_name, d.statuses[-1].created_at) for d in attempts] == [
        (f.team, f.repo, f.at) for f in intent.deploy_failures]


def test_incident_intents_match_the_records(generated: tuple[World, Intent]) -> None:
    world, intent = generated
    for incident in intent.incidents:
        issue = world.jira.issues[incident.key]
        assert issue.issue_type == "Incident"
        assert (issue.created, issue.resolutiondate) == (incident.created, incident.resolved)
        assert incident.follows_tag is not None


def test_demo_tells_the_story() -> None:
    world, intent = generate_with_intent("demo", now=NOW)
    payments = [r for r in intent.releases if r.team == "payments" and r.published
                and not r.prerelease and not r.hotfix and r.published > NOW - timedelta(weeks=16)]
    ages = sorted({round((NOW - r.published).days / 7) for r in payments if r.published})
    assert ages == [2, 10]  # quarterly-ish
    assert all(r.failed and any(x.startswith("hotfix") for x in r.reasons) for r in payments)
    checkout = sorted(r.published for r in intent.releases if r.team == "checkout"
                      and r.published and not r.hotfix and not r.prerelease)
    gaps = [(b - a).days for a, b in pairwise(checkout)]
    assert gaps and all(12 <= g <= 16 for g in gaps)

    def median_wait(team: str) -> float:
        waits = sorted((h.end - h.start).total_seconds() / 3600 for h in intent.handoffs
                       if h.team == team and h.outcome == "picked_up" and h.end)
        return waits[len(waits) // 2]

    assert median_wait("payments") > 24 * 7  # specs wait weeks
    assert median_wait("checkout") < 24  # picked up within hours
    assert world.teams[0].repos == ["acme/payments-api", "acme/payments-web"]
    assert world.teams[1].repos == ["acme/checkout-web"]


@pytest.mark.parametrize("now", [
    NOW, datetime(2026, 11, 29, 23, 0, tzinfo=UTC), datetime(2027, 3, 1, 8, 0, tzinfo=UTC),
    datetime(2026, 7, 15, 14, 0, tzinfo=UTC), datetime(2027, 1, 2, 12, 0, tzinfo=UTC),
])
def test_demo_has_alerts_due_at_any_now(now: datetime) -> None:
    world, intent = generate_with_intent("demo", now=now)
    exp = expected_records(world)
    waiting = [h for h in intent.handoffs if h.outcome == "waiting"
               and now - h.start > timedelta(days=5)]
    assert waiting  # past 2 working days
    reviewed = {(r.repo, r.pr_number) for r in exp.reviews if not r.reviewer_is_bot}
    stale = [p for p in exp.pulls if p.state == "open" and not p.author_is_bot and not p.draft
             and (p.repo, p.number) not in reviewed and now - p.created_at > timedelta(days=3)]
    assert stale  # past 1 working day without a review
    released = {(c.repo, c.pr_number) for c in exp.containments}
    unreleased = [p for p in exp.pulls if p.merged_at and (p.repo, p.number) not in released
                  and now - p.merged_at > timedelta(days=9)]
    assert unreleased  # past 5 working days
