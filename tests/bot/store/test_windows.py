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
