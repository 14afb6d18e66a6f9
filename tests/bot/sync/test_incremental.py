"""Incremental syncs: a no-change poll is free, and a change stores exactly that change."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from itertools import pairwise

import pytest

from bot.config.settings import Settings, parse_settings
from bot.store import Store
from integrations.sandbox.runner import Sandbox, scenario_config
from integrations.sandbox.world import World
from tests.support.oracle import expected_records
from tests.support.sync_records import normalised, recomputed_facts, stored_facts, stored_records
from tests.support.sync_world import NOW, SINCE, make_engine_for

SEARCH = "GET /rest/api/(?P<v>2|3|latest)/search/jql"
EVENTS = "/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/events"
PULLS = "/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/pulls"
RELEASES = "/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/releases"
SOON = NOW + timedelta(minutes=10)  # the next poll: well inside the listings' recheck
Link = tuple[str, str, int]


def with_checkout_jql(world: World, jql: str) -> Settings:
    """The scenario's settings with the checkout team reading Jira by ``jql``."""
    config = scenario_config(world)
    config["teams"]["checkout"]["jira"] = {"jql": jql}
    return parse_settings(config)


def checkout_links(sandbox: Sandbox, world: World, store: Store) -> tuple[set[Link], set[Link]]:
    """The CHK items' PR links the world has, and those the store has."""
    expected = {(link.item_key, link.repo, link.pr_number)
                for link in expected_records(world, jira_url=sandbox.jira.url).links
                if link.item_key.startswith("CHK-")}
    keys = store.team_item_keys("checkout")
    stored = {(link.item_key, link.repo, link.pr_number) for link in store.links_of_items(keys)}
    return expected, stored


def test_a_sync_without_changes_is_one_free_304_per_repository_and_one_jira_search_per_team(
    sandbox: Sandbox, settings: Settings, store: Store
) -> None:
    make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    before = (stored_records(store), stored_facts(store))
    sandbox.github.reset_log()
    sandbox.jira.reset_log()
    summary = make_engine_for(sandbox, settings, store).sync_all(NOW)
    github = sandbox.github.requests
    assert github and all(r.conditional and r.status == 304 for r in github)
    repos = [repo for team in settings.teams.values() for repo in team.repos]
    assert sorted(r.path for r in github) == sorted(f"/repos/{repo}/events" for repo in repos)
    assert sandbox.jira.counts()[SEARCH] == len(settings.teams)
    # no team here ships by fixVersions: no versions request either (issue #15)
    assert all(t.releases.source != "jira" for t in settings.teams.values())
    assert not [r for r in sandbox.jira.requests if r.path.endswith("/versions")]
    assert {r.status for r in summary.reports} == {"unchanged"}
    assert (stored_records(store), stored_facts(store)) == before


def test_the_next_sync_stores_exactly_a_new_transition_pr_and_release(
    sandbox: Sandbox, world: World, settings: Settings, store: Store
) -> None:
    make_engine_for(sandbox, settings, store).sync_all(NOW)
    later = NOW + timedelta(hours=2)
    item = next(i for i in world.jira.issues.values()
                if i.project == "PAY" and i.status != "Ready for Development")
    world.add_transition(item.key, "Ready for Development", later)
    pull = world.open_pull("acme/payments-api", title=f"{item.key} tidy the ledger",
                           head_ref=f"feature/{item.key}", user="bob-brown",
                           at=later + timedelta(minutes=5))
    world.merge_pull("acme/payments-api", pull.number, later + timedelta(minutes=30))
    world.publish_release("acme/payments-api", "v99.0.0", later + timedelta(hours=1))
    before = stored_records(store)

    summary = make_engine_for(sandbox, settings, store).sync_all(later + timedelta(hours=2))

    after = stored_records(store)
    expected = normalised(expected_records(world, jira_url=sandbox.jira.url))
    assert after == expected
    assert len(after.changes) == len(before.changes) + 1
    assert len(after.pulls) == len(before.pulls) + 1
    assert len(after.releases) == len(before.releases) + 1
    by_source = {r.source: r for r in summary.reports if r.team == "payments"}
    assert by_source["jira"].changed["transitions"] == 1
    github = by_source["github acme/payments-api"].changed
    assert github["prs"] == 1 and github["releases"] == 1 and github["containments"] == 1
    assert {r.status for r in summary.reports if r.team == "checkout"} == {"unchanged"}
    assert stored_facts(store) == recomputed_facts(store, settings)
    handoffs = [h for h in stored_facts(store)["handoffs"] if h.item_key == item.key]
    assert handoffs[-1].started_at == later
    assert handoffs[-1].pickup_pr == f"acme/payments-api#{pull.number}"


def test_a_change_is_found_through_the_events_feed_on_the_next_poll(
    sandbox: Sandbox, world: World, settings: Settings, store: Store
) -> None:
    make_engine_for(sandbox, settings, store).sync_all(NOW)
    pull = world.open_pull("acme/payments-api", title="PAY-1 a follow-up", head_ref="pay-1-more",
                           user="bob-brown", at=NOW + timedelta(minutes=5))
    sandbox.github.reset_log()

    make_engine_for(sandbox, settings, store).sync_all(SOON)

    assert (("acme/payments-api", pull.number) in
            {(p.repo, p.number) for p in stored_records(store).pulls})
    assert stored_records(store) == normalised(expected_records(world, jira_url=sandbox.jira.url))
    routes = [(r.route, r.path.split("/")[3] if r.path.startswith("/repos/") else r.path,
               r.status) for r in sandbox.github.requests]
    assert (EVENTS, "payments-api", 200) in routes and (PULLS, "payments-api", 200) in routes
    assert (RELEASES, "payments-api", 304) in routes  # still conditional: no new release
    assert [r for r in routes if r[1] == "checkout-web"] == [(EVENTS, "checkout-web", 304)]


def test_what_the_feed_does_not_show_is_found_by_the_recheck(
    sandbox: Sandbox, world: World, settings: Settings, store: Store
) -> None:
    from bot.sync.github_sync import RECHECK

    make_engine_for(sandbox, settings, store).sync_all(NOW)
    sandbox.github.events.hold()  # GitHub's documented event latency (30 s to 6 h)
    world.open_pull("acme/payments-api", title="PAY-2 late news", head_ref="pay-2-late",
                    user="bob-brown", at=NOW + timedelta(minutes=5))
    ready = next(p for _, p in world.iter_pulls() if p.state == "open")
    # turned into a draft: GitHub lists no event for that at all
    ready.draft, ready.updated_at = True, NOW + timedelta(minutes=6)
    expected = normalised(expected_records(world, jira_url=sandbox.jira.url))
    make_engine_for(sandbox, settings, store).sync_all(SOON)
    assert stored_records(store) != expected  # the feed said nothing and the check is fresh
    sandbox.github.reset_log()

    make_engine_for(sandbox, settings, store).sync_all(NOW + RECHECK)

    assert stored_records(store) == expected
    assert {(r.route, r.status) for r in sandbox.github.requests
            if r.path.startswith("/repos/acme/checkout-web")} == {
        (EVENTS, 304), (PULLS, 304), (RELEASES, 304)}  # a recheck without change is free


def test_a_release_deleted_on_github_leaves_the_store_and_its_prs_move_on(
    sandbox: Sandbox, world: World, settings: Settings, store: Store
) -> None:
    from bot.sync.github_sync import RECHECK

    make_engine_for(sandbox, settings, store).sync_all(NOW)
    repo = world.github.repos["acme/payments-api"]
    published = [r for r in repo.releases if not r.draft and not r.prerelease]
    contained = stored_records(store).containments
    # not the newest release, and one with PRs in it: they now belong to the next one
    doomed, following = next(
        (a, b) for a, b in pairwise(published)
        if any(c.release_id == a.id for c in contained))
    moved = {c.pr_number for c in contained if c.release_id == doomed.id}
    repo.releases.remove(doomed)  # GitHub lists no event for a deleted release

    make_engine_for(sandbox, settings, store).sync_all(NOW + RECHECK)

    after = stored_records(store)
    assert after == normalised(expected_records(world, jira_url=sandbox.jira.url))
    assert doomed.id not in {r.release_id for r in after.releases}
    assert moved and moved <= {c.pr_number for c in after.containments
                               if c.release_id == following.id}
    assert stored_facts(store) == recomputed_facts(store, settings)


def test_without_an_events_feed_every_poll_checks_the_listings(
    sandbox: Sandbox, world: World, settings: Settings, store: Store
) -> None:
    # the feed answers 404 (as when a GitHub Enterprise Server has it switched off), twice
    sandbox.github.fail_next(2, 404, path_prefix="/repos/acme/payments-api/events")
    make_engine_for(sandbox, settings, store).sync_all(NOW)
    pull = world.open_pull("acme/payments-api", title="PAY-3 no feed", head_ref="pay-3-nofeed",
                           user="bob-brown", at=NOW + timedelta(minutes=5))
    sandbox.github.events.hold()  # a feed that answered would say nothing happened

    make_engine_for(sandbox, settings, store).sync_all(SOON)

    assert not sandbox.github._faults  # both polls asked the feed first
    assert (("acme/payments-api", pull.number) in
            {(p.repo, p.number) for p in stored_records(store).pulls})


def test_prs_stored_before_a_jql_team_first_returned_their_project_are_linked_then(
    sandbox: Sandbox, world: World, store: Store
) -> None:
    # Regression: linking knew only the projects seen so far, and an unchanged PR is never
    # listed again, so PRs synced before the query first returned CHK stayed unlinked.
    nothing = with_checkout_jql(world, 'project = "CHK" AND issuetype = Nothing')
    make_engine_for(sandbox, nothing, store).sync_all(NOW)
    assert not store.team_item_keys("checkout")
    assert any(p.repo == "acme/checkout-web" for p in stored_records(store).pulls)
    settings = with_checkout_jql(world, 'project = "CHK"')

    make_engine_for(sandbox, settings, store).sync_all(SOON)

    expected, stored = checkout_links(sandbox, world, store)
    assert expected and stored == expected
    assert stored_facts(store) == recomputed_facts(store, settings)


def test_a_repository_two_teams_list_is_judged_once_with_every_teams_incidents(
    sandbox: Sandbox, world: World, store: Store
) -> None:
    # Regression: each team's pass rewrote the shared repository's release facts with its
    # own incidents only, so the last team to sync decided which releases had failed.
    config = scenario_config(world)
    config["teams"]["zeta"] = {"github": {"repos": ["acme/payments-api"]},
                               "slack": {"channel": "#zeta"}}
    settings = parse_settings(config)
    make_engine_for(sandbox, settings, store).sync_all(NOW)

    alone = {k: v for k, v in config["teams"].items() if k != "zeta"}
    reference = recomputed_facts(store, parse_settings({**config, "teams": alone}))
    stored = [f for f in stored_facts(store)["releases"] if f.repo == "acme/payments-api"]
    assert stored == [f for f in reference["releases"] if f.repo == "acme/payments-api"]
    assert any(f.failed and any(r.startswith("incident") for r in f.failure_reasons)
               for f in stored)  # payments' incidents still fail payments-api releases


def test_items_deleted_in_jira_or_gone_from_a_teams_query_leave_the_store_within_a_day(
    sandbox: Sandbox, world: World, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.sync.jira_sync import MEMBERS_EVERY

    settings = with_checkout_jql(world, 'project = "CHK" AND issuetype != Incident')
    make_engine_for(sandbox, settings, store).sync_all(NOW)
    deleted = next(k for k in store.team_item_keys("payments") if store.links_of_items([k]))
    world.jira.issues.pop(deleted)
    retyped = next(k for k in store.team_item_keys("checkout")
                   if world.jira.issues[k].status != "Done")
    world.jira.issues[retyped].issue_type = "Incident"  # now outside checkout's JQL

    make_engine_for(sandbox, settings, store).sync_all(SOON)
    assert deleted in store.team_item_keys("payments")  # checked less than a day ago
    with caplog.at_level(logging.INFO):
        summary = make_engine_for(sandbox, settings, store).sync_all(NOW + MEMBERS_EVERY)

    assert deleted not in store.team_item_keys("payments")
    assert retyped not in store.team_item_keys("checkout")
    assert not store.work_items([deleted, retyped])  # no other team has them: all gone
    assert not store.links_of_items([deleted])
    facts = stored_facts(store)
    assert not [f for rows in facts.values() for f in rows
                if getattr(f, "item_key", None) in (deleted, retyped)]
    assert facts == recomputed_facts(store, settings)
    left = {r.team: r.changed.get("left") for r in summary.reports if r.source == "jira"}
    assert left == {"payments": 1, "checkout": 1}
    assert sum(r.getMessage() == "sync.items_left" for r in caplog.records) == 2


def test_a_query_that_suddenly_matches_nothing_removes_nothing(
    sandbox: Sandbox, world: World, settings: Settings, store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.sync.jira_sync import MEMBERS_EVERY

    make_engine_for(sandbox, settings, store).sync_all(NOW)
    before = store.team_item_keys("checkout")
    for key in before:  # as a lost browse permission looks from here
        world.jira.issues.pop(key)
    with caplog.at_level(logging.INFO):
        make_engine_for(sandbox, settings, store).sync_all(NOW + MEMBERS_EVERY)
    assert before and store.team_item_keys("checkout") == before
    assert any(r.getMessage() == "sync.members_empty" for r in caplog.records)


def test_a_second_sync_of_a_team_being_synced_says_so_and_skips_it(
    sandbox: Sandbox, settings: Settings, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    assert store.try_lease("sync:payments", "elsewhere:1:x", timedelta(minutes=10), NOW)
    with caplog.at_level(logging.INFO):
        summary = make_engine_for(sandbox, settings, store).sync_all(NOW)
    skipped = [r for r in summary.reports if r.team == "payments"]
    assert [(r.source, r.status) for r in skipped] == [("*", "skipped")]
    assert "another sync of this team is running" in skipped[0].line()
    assert any(r.getMessage() == "sync.skipped" for r in caplog.records)
    assert {r.status for r in summary.reports if r.team == "checkout"} == {"ok"}
    assert store.team_item_keys("payments") == []


def test_the_lease_of_a_killed_sync_on_this_host_is_taken_over(
    sandbox: Sandbox, settings: Settings, store: Store
) -> None:
    import socket
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    holder = f"{socket.gethostname()}:{int(dead.stdout)}:dead"
    assert int(dead.stdout) != os.getpid()
    assert store.try_lease("sync:payments", holder, timedelta(minutes=10), NOW)
    summary = make_engine_for(sandbox, settings, store).sync_all(NOW, team="payments")
    assert {r.status for r in summary.reports} == {"ok"}
    assert store.team_item_keys("payments")


def test_a_team_with_its_own_jql_records_the_items_its_query_returned(
    sandbox: Sandbox, world: World, store: Store
) -> None:
    settings = with_checkout_jql(world, 'project = "CHK" AND issuetype != Incident')
    make_engine_for(sandbox, settings, store).sync_all(NOW)
    wanted = sorted(i.key for i in world.jira.issues.values()
                    if i.project == "CHK" and i.issue_type != "Incident")
    assert store.team_item_keys("checkout") == sorted(wanted)
    assert wanted and len(wanted) < sum(1 for i in world.jira.issues.values()
                                        if i.project == "CHK")


def test_a_jql_teams_items_link_to_pull_requests(
    sandbox: Sandbox, world: World, store: Store
) -> None:
    # Regression (review of #4): linking only knew configured project keys, so a team that
    # reads Jira by JQL had no PR ↔ item links (no PR pickups, no delivery).
    make_engine_for(sandbox, with_checkout_jql(world, 'project = "CHK"'), store).sync_all(NOW)
    expected, stored = checkout_links(sandbox, world, store)
    assert expected and stored == expected
