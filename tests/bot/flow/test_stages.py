"""Golden tests (computed by hand) for where the time to delivery went, and its sum rule."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flow.facts import StatusSpan
from bot.flow.stages import (
    STAGES,
    ItemTimeline,
    PrInterval,
    item_stage_hours,
    largest_stage,
    stage_hours,
    stage_segments,
    stage_shares,
)

HANDOFF = ("Ready for Development",)
RETURNED = ("Needs Clarification",)


def at(day: int, hour: int = 0) -> datetime:
    """An instant in November 2026 (UTC)."""
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def spans(*steps: tuple[str, datetime]) -> tuple[StatusSpan, ...]:
    """Consecutive status spans; the last one never ends."""
    out = []
    for i, (status, start) in enumerate(steps):
        end = steps[i + 1][1] if i + 1 < len(steps) else None
        out.append(StatusSpan("PAY-1", i, status, start, end))
    return tuple(out)


def hours(item: ItemTimeline) -> dict[str, float]:
    return item_stage_hours(item, HANDOFF, RETURNED)


def test_plain_flow_through_every_stage() -> None:
    item = ItemTimeline(
        "PAY-1",
        at(2),
        at(9),
        spans(("Ready for Development", at(2)), ("In Progress", at(3)), ("Done", at(6))),
        (PrInterval(at(4), at(5)),),
    )
    # pickup 2→3 (24 h), build 3→4 (24), review 4→5 (24), release 5→9 (96).
    assert hours(item) == {
        "pickup": 24.0,
        "product": 0.0,
        "build": 24.0,
        "review": 24.0,
        "release": 96.0,
    }


def test_pr_open_while_returned_counts_as_review() -> None:
    item = ItemTimeline(
        "PAY-1",
        at(2),
        at(8),
        spans(
            ("Ready for Development", at(2)),
            ("In Progress", at(3)),
            ("Needs Clarification", at(4)),
            ("In Progress", at(6)),
            ("Done", at(7)),
        ),
        (PrInterval(at(3, 12), at(7)),),
    )
    # pickup 2→3 24; build 3→3:12 12; review 3:12→7 84 (returned 4→6 is under review);
    # release 7→8 24.
    assert hours(item) == {
        "pickup": 24.0,
        "product": 0.0,
        "build": 12.0,
        "review": 84.0,
        "release": 24.0,
    }


def test_prep_pr_opened_before_handoff_is_review_from_the_handoff() -> None:
    item = ItemTimeline(
        "PAY-1",
        at(3),
        at(6),
        spans(("Backlog", at(1)), ("Ready for Development", at(3)), ("In Progress", at(4))),
        (PrInterval(at(1, 12), at(5)),),
    )
    # Only time from the first handoff counts: review 3→5 (48), release 5→6 (24).
    assert hours(item) == {
        "pickup": 0.0,
        "product": 0.0,
        "build": 0.0,
        "review": 48.0,
        "release": 24.0,
    }


def test_several_prs_one_merged_long_before_the_last() -> None:
    item = ItemTimeline(
        "PAY-1",
        at(2),
        at(20),
        spans(("Ready for Development", at(2)), ("In Progress", at(3)), ("Done", at(19))),
        (PrInterval(at(3), at(4)), PrInterval(at(10), at(18))),
    )
    # pickup 2→3 24; review 3→4 24; release 4→10 144 (merged, none open); review 10→18 192;
    # release 18→20 48.
    assert hours(item) == {
        "pickup": 24.0,
        "product": 0.0,
        "build": 0.0,
        "review": 216.0,
        "release": 192.0,
    }


def test_item_returned_twice() -> None:
    item = ItemTimeline(
        "PAY-1",
        at(2),
        at(12),
        spans(
            ("Ready for Development", at(2)),
            ("Needs Clarification", at(3)),
            ("Ready for Development", at(5)),
            ("Needs Clarification", at(6)),
            ("Ready for Development", at(7)),
            ("In Progress", at(8)),
        ),
        (PrInterval(at(9), at(10)),),
    )
    # pickup 2→3, 5→6, 7→8 = 72; product 3→5, 6→7 = 72; build 8→9 24; review 9→10 24;
    # release 10→12 48.
    assert hours(item) == {
        "pickup": 72.0,
        "product": 72.0,
        "build": 24.0,
        "review": 24.0,
        "release": 48.0,
    }


def test_delivered_the_day_the_last_pr_merged() -> None:
    item = ItemTimeline(
        "PAY-1",
        at(2),
        at(5, 15),
        spans(("Ready for Development", at(2)), ("In Progress", at(2, 6)), ("Done", at(5, 12))),
        (PrInterval(at(3), at(5, 12)),),
    )
    # pickup 6 h; build 18 h; review 3→5:12 60 h; release 5:12→5:15 3 h.
    assert hours(item) == {
        "pickup": 6.0,
        "product": 0.0,
        "build": 18.0,
        "review": 60.0,
        "release": 3.0,
    }


def test_closed_unmerged_pr_is_not_open_after_its_close() -> None:
    item = ItemTimeline(
        "PAY-1",
        at(2),
        at(7),
        spans(("In Progress", at(2))),
        (PrInterval(at(3), None, at(4)), PrInterval(at(5), at(6))),
    )
    # build 2→3 24; review 3→4 24; build 4→5 24 (closed, none merged); review 5→6; release 6→7.
    assert hours(item) == {
        "pickup": 0.0,
        "product": 0.0,
        "build": 48.0,
        "review": 48.0,
        "release": 24.0,
    }


def test_no_items_gives_zeros() -> None:
    assert stage_hours([], HANDOFF, RETURNED) == dict.fromkeys(STAGES, 0.0)


_STATUSES = ("Ready for Development", "Needs Clarification", "In Progress", "Backlog", "Done")
_minutes = st.integers(min_value=0, max_value=60 * 24 * 40)


@st.composite
def timelines(draw: st.DrawFn) -> ItemTimeline:
    """A random item: status changes and PRs anywhere around its handoff → delivery span."""
    base = at(1)
    first = base + timedelta(minutes=draw(_minutes))
    last = first + timedelta(minutes=draw(_minutes))
    marks = sorted(draw(st.lists(_minutes, max_size=8)))
    steps = [(draw(st.sampled_from(_STATUSES)), base + timedelta(minutes=m)) for m in marks]
    prs = []
    for _ in range(draw(st.integers(0, 4))):
        opened = base + timedelta(minutes=draw(_minutes))
        length = timedelta(minutes=draw(_minutes))
        kind = draw(st.sampled_from(("merged", "closed", "open")))
        prs.append(
            PrInterval(
                opened,
                opened + length if kind == "merged" else None,
                opened + length if kind == "closed" else None,
            )
        )
    return ItemTimeline("PAY-1", first, last, spans(*steps), tuple(prs))


@settings(max_examples=300, deadline=None)
@given(st.lists(timelines(), max_size=5))
def test_the_five_stages_add_up_to_the_times_to_delivery(items: list[ItemTimeline]) -> None:
    total = stage_hours(items, HANDOFF, RETURNED)
    expected = sum((i.delivered_at - i.first_handoff_at).total_seconds() / 3600 for i in items)
    assert set(total) == set(STAGES)
    assert all(h >= 0.0 for h in total.values())
    assert abs(sum(total.values()) - expected) < 1e-6


def test_shares_are_whole_percentages_that_add_up_to_100() -> None:
    thirds = {"pickup": 1.0, "product": 0.0, "build": 1.0, "review": 1.0, "release": 0.0}
    assert stage_shares(thirds) == {"pickup": 34, "product": 0, "build": 33, "review": 33,
                                    "release": 0}
    assert stage_shares(dict.fromkeys(STAGES, 0.0)) is None
    assert largest_stage(dict.fromkeys(STAGES, 0.0)) is None
    hours = {"pickup": 10.0, "product": 2.0, "build": 20.0, "review": 11.0, "release": 57.0}
    assert stage_shares(hours) == {"pickup": 10, "product": 2, "build": 20, "review": 11,
                                   "release": 57}
    assert largest_stage(hours) == "release"


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=5, max_size=5))
def test_shares_always_add_up_to_100(values: list[float]) -> None:
    shares = stage_shares(dict(zip(STAGES, values, strict=True)))
    assert shares is None or sum(shares.values()) == 100
    assert shares is not None or sum(values) == 0


def test_segments_merge_consecutive_stretches_and_cover_the_whole_time() -> None:
    t0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
    spans = (
        StatusSpan("PAY-1", 0, "Ready", t0, t0 + timedelta(hours=5)),
        StatusSpan("PAY-1", 1, "In Progress", t0 + timedelta(hours=5), None),
    )
    # Two PRs back to back: one stretch of review, then merged work waiting.
    prs = (PrInterval(t0 + timedelta(hours=6), t0 + timedelta(hours=8)),
           PrInterval(t0 + timedelta(hours=7), t0 + timedelta(hours=9)))
    item = ItemTimeline("PAY-1", t0, t0 + timedelta(hours=20), spans, prs)
    segments = stage_segments(item, {"Ready"}, set())
    assert [(s.stage, s.hours) for s in segments] == [
        ("pickup", 5.0), ("build", 1.0), ("review", 3.0), ("release", 11.0)]
    assert segments[0].start == t0 and segments[-1].end == t0 + timedelta(hours=20)
    assert all(a.end == b.start for a, b in itertools.pairwise(segments))
