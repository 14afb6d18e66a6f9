"""Derived facts: upserts, per-item replacement, and the report's window reads."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.flow.facts import (
    HandoffEnd,
    HandoffFact,
    IncidentFact,
    ItemFact,
    PrFact,
    ReleaseFact,
    StatusSpan,
)
from bot.store.repo import Store

WEEK = datetime(2026, 11, 9, tzinfo=UTC)
END = WEEK + timedelta(days=7)
H = timedelta(hours=1)


def _seed_team(store: Store) -> None:
    store.add_team_items("payments", ["PAY-1", "PAY-2", "PAY-3", "INC-1"])
    store.add_team_items("web", ["WEB-1"])


def test_handoffs_by_start_end_and_waiting(store: Store) -> None:
    _seed_team(store)
    before = HandoffFact(
        "PAY-1", 0, WEEK - 24 * H, WEEK + 2 * H, HandoffEnd.PICKED_UP, "acme/api#7"
    )
    inside = HandoffFact("PAY-2", 0, WEEK + H, None, None)
    at_end = HandoffFact("PAY-3", 0, END, None, None)  # next week's
    ended_at_end = HandoffFact("PAY-3", 1, WEEK - 48 * H, END, HandoffEnd.RETURNED)
    other_team = HandoffFact("WEB-1", 0, WEEK + H, None, None)
    store.upsert_handoffs([before, inside, at_end, ended_at_end, other_team])
    store.upsert_handoffs([before])  # idempotent
    assert store.handoffs_started("payments", WEEK, END) == [inside]
    assert store.handoffs_ended("payments", WEEK, END) == [before]
    assert store.handoffs_waiting_at("payments", END) == [ended_at_end, inside]
    assert store.handoffs_waiting_at("payments", WEEK + H) == [ended_at_end, before]
    assert store.open_handoffs("payments") == [inside, at_end]


def test_replacing_an_item_timeline_drops_stale_episodes(store: Store) -> None:
    _seed_team(store)
    first = HandoffFact("PAY-1", 0, WEEK, None, None)
    second = HandoffFact("PAY-1", 1, WEEK + 2 * H, None, None)
    spans = [StatusSpan("PAY-1", i, "Ready", WEEK + i * H, None) for i in range(3)]
    store.upsert_handoffs([first, second])
    store.upsert_status_spans(spans)
    redone = HandoffFact("PAY-1", 0, WEEK, WEEK + H, HandoffEnd.WITHDRAWN)
    store.replace_item_timelines(["PAY-1"], [redone], spans[:1])
    assert store.handoffs_started("payments", WEEK, END) == [redone]
    assert store.spans_at("payments", END, {"Ready"}) == spans[:1]


def test_spans_at_an_instant_with_status_in_a_set(store: Store) -> None:
    _seed_team(store)
    spans = [
        StatusSpan("PAY-1", 0, "In Progress", WEEK - 48 * H, WEEK + H),
        StatusSpan("PAY-1", 1, "Done", WEEK + H, None),
        StatusSpan("PAY-2", 0, "In Review", WEEK, None),
        StatusSpan("PAY-3", 0, "In Progress", WEEK, END),  # left exactly at the end: still WIP
        StatusSpan("WEB-1", 0, "In Progress", WEEK, None),
    ]
    store.upsert_status_spans(spans)
    started = {"In Progress", "In Review"}
    assert store.spans_at("payments", END, started) == [spans[2], spans[3]]
    assert store.spans_at("payments", WEEK + H, started) == [spans[0], spans[2], spans[3]]
    assert store.spans_at("payments", END, set()) == []


def test_items_delivered_and_incidents_resolved_in_the_window(store: Store) -> None:
    _seed_team(store)
    store.upsert_item_facts(
        [
            ItemFact("PAY-1", WEEK - 90 * 24 * H, WEEK + 3 * H),
            ItemFact("PAY-2", WEEK - H, None),
            ItemFact("PAY-3", WEEK - H, END),
            ItemFact("WEB-1", WEEK - H, WEEK + H),
        ]
    )
    store.upsert_item_facts([ItemFact("PAY-2", WEEK - H, WEEK + 5 * H)])
    delivered = store.items_delivered("payments", WEEK, END)
    assert [f.item_key for f in delivered] == ["PAY-1", "PAY-2"]
    incident = IncidentFact("INC-1", WEEK - H, WEEK + 2 * H, "acme/api", 55)
    store.upsert_incident_facts([incident, IncidentFact("PAY-3", WEEK, None, None, None)])
    assert store.incidents_resolved("payments", WEEK, END) == [incident]


def test_pr_facts_by_opened_merged_and_first_review_for_repos(store: Store) -> None:
    a = PrFact("acme/api", 1, False, WEEK - H, WEEK + 5 * H, WEEK + 2 * H, 55, WEEK + 6 * H)
    b = PrFact("acme/api", 2, True, WEEK + H, None, None, None, None)
    c = PrFact("acme/web", 3, False, WEEK + 2 * H, END, WEEK + 3 * H, None, None)
    d = PrFact("other/x", 4, False, WEEK + 2 * H, WEEK + 3 * H, None, None, None)
    store.upsert_pr_facts([a, b, c, d])
    store.upsert_pr_facts([a, b])
    repos = {"acme/api", "acme/web"}
    assert store.prs_opened(repos, WEEK, END) == [b, c]
    assert store.prs_merged(repos, WEEK, END) == [a]
    assert store.prs_first_reviewed(repos, WEEK, END) == [a, c]
    assert store.prs_opened(set(), WEEK, END) == []


def test_release_facts_published_and_the_first_release(store: Store) -> None:
    old = ReleaseFact("acme/api", 1, "v0.9", WEEK - 30 * 24 * H, False, False, (), None)
    hotfix = ReleaseFact(
        "acme/api", 2, "v1.0.1-hotfix", WEEK + H, True, True, ("incident INC-1",), 2.5
    )
    web = ReleaseFact("acme/web", 3, "w1", WEEK - 40 * 24 * H, False, False, (), None)
    store.upsert_release_facts([old, hotfix, web])
    store.upsert_release_facts([hotfix])
    assert store.releases_published({"acme/api"}, WEEK, END) == [hotfix]
    assert store.first_release_at({"acme/api"}) == old.published_at
    assert store.first_release_at({"acme/api", "acme/web"}) == web.published_at
    assert store.first_release_at({"nobody/none"}) is None


def test_spans_at_matches_a_brute_force_scan_for_every_span_length(store: Store) -> None:
    rng = random.Random(46)
    store.add_team_items("payments", [f"PAY-{k}" for k in range(40)])
    spans: list[StatusSpan] = []
    for k in range(40):
        start = WEEK - timedelta(days=rng.randint(0, 3000))
        for seq in range(8):
            length = timedelta(seconds=rng.choice([1, 59, 3600, 3601, 86_400, 10**6, 10**8]))
            end = None if seq == 7 and k % 3 else start + length
            spans.append(StatusSpan(f"PAY-{k}", seq, rng.choice(["A", "B", "C"]), start, end))
            if end is None:
                break
            start = end
    store.upsert_status_spans(spans)
    instants = [s.start for s in spans[::9]] + [s.end for s in spans[::11] if s.end] + [END]
    for at in instants:
        expected = [
            s
            for s in spans
            if s.status in {"A", "B"} and s.start < at and (s.end is None or s.end >= at)
        ]
        got = store.spans_at("payments", at, {"A", "B"})
        assert got == sorted(expected, key=lambda s: (s.item_key, s.seq)), at


def test_prs_released_in_the_window_for_repos(store: Store) -> None:
    shipped = PrFact("acme/api", 1, False, WEEK - 9 * H, WEEK - 5 * H, WEEK - 6 * H, 7, WEEK + H)
    at_end = PrFact("acme/web", 2, False, WEEK - 9 * H, WEEK - 5 * H, None, 8, END)  # next week
    at_start = PrFact("acme/web", 3, False, WEEK - 9 * H, WEEK - H, None, 9, WEEK)
    unreleased = PrFact("acme/api", 4, False, WEEK, WEEK + H, None, None, None)
    elsewhere = PrFact("other/x", 5, False, WEEK, WEEK + H, None, 10, WEEK + 2 * H)
    store.upsert_pr_facts([shipped, at_end, at_start, unreleased, elsewhere])
    repos = {"acme/api", "acme/web"}
    assert store.prs_released(repos, WEEK, END) == [at_start, shipped]
    assert store.prs_released({"other/x"}, WEEK, END) == [elsewhere]
    assert store.prs_released(set(), WEEK, END) == []


def _random_facts(store: Store, teams: list[str], seed: int) -> None:
    """Handoffs, spans, items and incidents of ``teams``; some items shared by two teams."""
    rng = random.Random(seed)
    keys = [f"K-{k}" for k in range(60)]
    for n, team in enumerate(teams):
        store.add_team_items(team, [k for i, k in enumerate(keys) if i % len(teams) == n])
    store.add_team_items(teams[0], keys[1:6])  # shared with the others
    handoffs, spans, items, incidents = [], [], [], []
    for key in keys:
        start = WEEK - timedelta(hours=rng.randint(0, 600))
        for seq in range(3):
            end = None if rng.random() < 0.2 else start + timedelta(hours=rng.randint(1, 300))
            ending = HandoffEnd.PICKED_UP if end else None
            handoffs.append(HandoffFact(key, seq, start, end, ending))
            spans.append(StatusSpan(key, seq, rng.choice(["A", "B", "C"]), start, end))
            if end is None:
                break
            start = end
        items.append(ItemFact(key, start, start + timedelta(hours=rng.randint(0, 200))))
        incidents.append(IncidentFact(key, start, start + 5 * H, None, None))
    store.upsert_handoffs(handoffs)
    store.upsert_status_spans(spans)
    store.upsert_item_facts(items)
    store.upsert_incident_facts(incidents)


def test_many_team_reads_equal_the_one_team_reads(store: Store) -> None:
    teams = [f"team{n}" for n in range(7)]  # more than ITEM_WISE_TEAMS: the one-pass path
    _random_facts(store, teams, 5)
    # A week, and a quarter: one team reads a long window through its items.
    for at, days in [(at, days) for at in (WEEK - 100 * H, WEEK + 30 * H, END)
                     for days in (7, 91)]:
        start = at - days * 24 * H
        waiting = store.handoffs_waiting_by_team(teams, at)
        started = store.handoffs_started_by_team(teams, start, at)
        ended = store.handoffs_ended_by_team(teams, start, at)
        touching = store.handoffs_touching_by_team(teams, start, at)
        delivered = store.items_delivered_by_team(teams, start, at)
        resolved = store.incidents_resolved_by_team(teams, start, at)
        statuses = {team: {"A", "B"} if n % 2 else {"C"} for n, team in enumerate(teams)}
        spans = store.spans_by_team(statuses, at)
        assert sum(len(found) for found in waiting.values()) > 0
        for team in teams:
            assert waiting[team] == store.handoffs_waiting_at(team, at)
            assert started[team] == store.handoffs_started(team, start, at)
            assert ended[team] == store.handoffs_ended(team, start, at)
            both = {(h.item_key, h.seq) for h in started[team] + ended[team]}
            assert sorted((h.item_key, h.seq) for h in touching[team]) == sorted(both)
            one = store.handoffs_touching_by_team([team], start, at)[team]
            assert sorted(one, key=_by_start) == sorted(touching[team], key=_by_start)
            assert delivered[team] == store.items_delivered(team, start, at)
            assert resolved[team] == store.incidents_resolved(team, start, at)
            assert spans[team] == store.spans_at(team, at, statuses[team])
    assert store.handoffs_waiting_by_team([], END) == {}


def _by_start(h: HandoffFact) -> tuple[datetime, str, int]:
    return (h.started_at, h.item_key, h.seq)


def test_waiting_handoffs_match_a_brute_force_scan(store: Store) -> None:
    teams = ["a", "b"]
    _random_facts(store, teams, 11)
    with store.transaction(read_only=True) as conn:
        rows = conn.exec_driver_sql("SELECT team, item_key FROM team_items").all()
    members = {(team, key) for team, key in rows}
    every = store.handoffs_started_by_team(teams, WEEK - 5000 * H, END + 5000 * H)
    for at in (WEEK - 300 * H, WEEK - 10 * H, WEEK, END):
        for team in teams:
            expected = [
                h
                for h in every[team]
                if (team, h.item_key) in members
                and h.started_at < at
                and (h.ended_at is None or h.ended_at >= at)
            ]
            assert store.handoffs_waiting_at(team, at) == sorted(expected, key=_by_start)
