"""The scenario generator: deterministic, bounded in time, and rich in the cases metrics need."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from integrations.sandbox.generator.organisation import generate, generate_with_intent
from integrations.sandbox.world import World
from tests.support.gen_oracle import canonical, plain
from tests.support.oracle import expected_records

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="module")
def world() -> World:
    return generate("default", seed=7, size=400, now=NOW)


def test_same_arguments_give_identical_bytes() -> None:
    first = generate("default", seed=11, size=150, now=NOW)
    second = generate("default", seed=11, size=150, now=NOW)
    assert canonical(first) == canonical(second)


def test_different_seed_gives_a_different_world() -> None:
    assert canonical(generate("small", seed=1, now=NOW)) != canonical(
        generate("small", seed=2, now=NOW))


def test_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        generate("nope", now=NOW)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        generate("small", now=datetime(2026, 11, 23))


def _datetimes(value: object) -> list[datetime]:
    found: list[datetime] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, datetime):
            found.append(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list | tuple | set):
            stack.extend(v)
        elif hasattr(v, "__dataclass_fields__"):
            stack.extend(getattr(v, n) for n in v.__dataclass_fields__ if n != "lock")
    return found


def test_every_timestamp_is_aware_utc_and_not_after_now(world: World) -> None:
    stamps = _datetimes(world)
    assert len(stamps) > 1000
    assert all(s.utcoffset() == timedelta(0) for s in stamps)
    assert max(stamps) <= NOW
    assert all(s.microsecond == 0 for s in stamps)  # the services speak whole seconds


def test_small_scenario_is_a_handful_of_items() -> None:
    small = generate("small", now=NOW)
    assert 6 <= len(small.jira.issues) <= 20
    assert [t.name for t in small.teams] == ["payments", "checkout"]


def test_size_sets_the_number_of_items_across_teams() -> None:
    world, _ = generate_with_intent("default", size=900, now=NOW)
    stories = [i for i in world.jira.issues.values() if i.issue_type != "Incident"]
    assert len(stories) == 900
    assert len(world.teams) == 3  # about 400 items a team


def test_jira_histories_hold_the_workflow_cases(world: World) -> None:
    exp = expected_records(world)
    statuses = Counter((c.from_status, c.to_status) for c in exp.changes)
    assert statuses[("Backlog", "Ready for Development")] > 0  # handoff
    assert statuses[("Ready for Development", "In Progress")] > 0  # pickup by status
    assert statuses[("Ready for Development", "Needs Clarification")] > 0  # return
    assert statuses[("Needs Clarification", "Ready for Development")] > 0  # re-handoff
    assert statuses[("Ready for Development", "Backlog")] > 0  # withdrawal
    firsts = {c.item_key: c for c in sorted(exp.changes, key=lambda c: c.at, reverse=True)}
    direct = [k for k, c in firsts.items() if c.from_status == "Ready for Development"]
    assert direct  # some created straight into the handoff status
    waiting = [i for i in exp.items if i.status == "Ready for Development"]
    assert waiting
    multi = [c for c in exp.changes if not c.change_id.endswith(":0")]
    assert multi  # assignee and status in one history: the status item has index 1
    for history in (h for i in world.jira.issues.values() for h in i.histories):
        assert history.created <= NOW


def test_incidents_are_resolved_hours_later_with_a_done_transition(world: World) -> None:
    incidents = [i for i in world.jira.issues.values() if i.issue_type == "Incident"]
    assert incidents
    resolved = [i for i in incidents if i.resolutiondate is not None]
    assert resolved
    for issue in resolved:
        assert issue.status == "Done"
        assert issue.histories[-1].items[-1].to_string == "Done"
        assert issue.histories[-1].created == issue.resolutiondate
        assert 0 < (issue.resolutiondate - issue.created).total_seconds() < 12 * 3600


def test_pull_requests_link_in_every_way_and_some_not_at_all(world: World) -> None:
    exp = expected_records(world)
    pulls = {(p.repo, p.number): p for p in exp.pulls}
    links = Counter((lk.repo, lk.pr_number) for lk in exp.links)
    where: Counter[str] = Counter()
    for (repo, number), pr in pulls.items():
        for lk in exp.links:
            if (lk.repo, lk.pr_number) != (repo, number):
                continue
            where["title"] += lk.item_key in pr.title
            where["branch"] += lk.item_key in pr.head_ref
            where["body"] += lk.item_key in pr.body
    assert where["title"] and where["branch"] and where["body"]
    assert any(n > 1 for n in links.values())  # several keys in one PR
    assert any(key not in links for key in pulls)  # and PRs with none
    noise = [p for p in exp.pulls if "UTF-8" in p.body]
    assert noise and all((p.repo, p.number) not in links for p in noise)  # not a project


def test_pull_requests_cover_bots_reviews_merges_and_reverts(world: World) -> None:
    exp = expected_records(world)
    assert any(p.author == "dependabot[bot]" and p.author_is_bot for p in exp.pulls)
    assert world.github.users["dependabot[bot]"].type == "Bot"
    assert any(r.reviewer_is_bot for r in exp.reviews)
    authors = {(p.repo, p.number): p.author for p in exp.pulls}
    assert any(r.reviewer == authors[(r.repo, r.pr_number)] for r in exp.reviews)  # self
    reviewed = {(r.repo, r.pr_number) for r in exp.reviews
                if not r.reviewer_is_bot and r.reviewer != authors[(r.repo, r.pr_number)]}
    merged = [p for p in exp.pulls if p.merged_at is not None]
    assert any((p.repo, p.number) not in reviewed for p in merged if not p.author_is_bot)
    assert any(p.state == "closed" and p.merged_at is None for p in exp.pulls)
    assert any(p.state == "open" for p in exp.pulls)
    reverts = [p for p in exp.pulls if p.title.startswith('Revert "')]
    assert reverts
    for p in reverts:
        assert p.head_ref.startswith("revert-") and p.body.startswith(f"Reverts {p.repo}#")


def test_releases_include_hotfixes_drafts_and_prereleases(world: World) -> None:
    exp = expected_records(world)
    assert any("hotfix" in r.name.lower() and r.eligible for r in exp.releases)
    assert any(r.draft and r.published_at is None for r in exp.releases)
    assert any(r.prerelease and not r.draft for r in exp.releases)
    assert exp.containments


def test_merges_follow_time_on_main_and_numbers_follow_opening(world: World) -> None:
    for repo in world.github.repos.values():
        sha, dates = repo.branches["main"], []
        while repo.commits[sha].parents:
            dates.append(repo.commits[sha].date)
            sha = repo.commits[sha].parents[0]
        assert dates == sorted(dates, reverse=True)
        opened = [repo.pulls[n].created_at for n in sorted(repo.pulls)]
        assert opened == sorted(opened)
        for rel in repo.releases:
            if not rel.draft:
                assert repo.commits[repo.tags[rel.tag_name]].date <= rel.created_at


def test_slack_has_one_user_per_person_and_a_shared_channel_per_team(world: World) -> None:
    emails = {e for t in world.teams for e in (*t.product_emails, *t.engineering_emails)}
    humans = [u for u in world.slack.users.values() if not u.is_bot]
    assert {u.email for u in humans} == emails and len(humans) == len(emails)
    assert any(u.tz != "Europe/London" for u in humans)
    for u in humans:
        ZoneInfo(u.tz)
    for team in world.teams:
        channel = world.slack.channels[team.channel_id]
        assert world.slack.bot_user_id in channel.members


def test_plain_form_leaves_out_the_lock(world: World) -> None:
    assert "lock" not in plain(world)


_DIGEST = """
import hashlib, sys
from datetime import UTC, datetime
from tests.support.gen_oracle import canonical
from integrations.sandbox.generator.organisation import generate
world = generate("default", seed=5, size=120, now=datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
print(hashlib.sha256(canonical(world)).hexdigest())
"""


def test_same_bytes_across_processes_whatever_the_hash_seed() -> None:
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", _DIGEST],
                             env=env, cwd=ROOT, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1
    local = generate("default", seed=5, size=120, now=NOW)
    assert digests == {hashlib.sha256(canonical(local)).hexdigest()}
