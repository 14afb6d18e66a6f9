"""Golden pull-request figures: cycle, first review wait, bots and self-reviews."""

from __future__ import annotations

from typing import Any

import pytest

from bot.flow.model import Review, ReviewState


def test_pull_request_week(world: Any) -> None:
    # #50: reviewed by bob Mon 16:00, merged Tue 10:00.
    world.pr(50, "Ledger", "2026-11-09 10:00", "2026-11-10 10:00", author="alice")
    world.review(50, "bob", "2026-11-09 16:00", ReviewState.COMMENTED)
    # #51: opened Fri (W45); self-review and a bot review do not count; carol's does.
    world.pr(51, "Limits", "2026-11-06 16:00", "2026-11-09 12:00", author="alice")
    world.review(51, "alice", "2026-11-06 16:30")
    world.review(51, "copilot[bot]", "2026-11-09 09:05", bot=True)
    world.reviews.append(
        Review("acme/payments-api", 51, 99, "erin", False, ReviewState.PENDING, None)
    )
    world.review(51, "carol", "2026-11-09 11:00")
    # #52: only a self-review before the merge and a review after it: merged without review.
    world.pr(52, "Typo", "2026-11-10 09:00", "2026-11-10 10:00", author="alice")
    world.review(52, "alice", "2026-11-10 09:30")
    world.review(52, "dave", "2026-11-10 11:00")
    # #53: a bot's PR is left out of every figure.
    world.pr(53, "Bump deps", "2026-11-09 09:00", "2026-11-09 10:00",
             author="dependabot[bot]", bot=True)
    # #54: a draft opened in the week counts as opened.
    world.pr(54, "WIP", "2026-11-12 10:00", author="alice", draft=True)

    prs = world.report("2026-W46")["pull_requests"]
    assert prs["opened"] == 3  # #50, #52, #54 (#51 opened in W45, #53 is a bot's)
    assert prs["merged"] == 3  # #50, #51, #52
    assert prs["merged_without_review"] == 1  # #52
    # cycle: #50 Mon 10:00 -> Tue 10:00 = 24 h; #51 Fri 16:00 -> Mon 12:00 = 68 h;
    # #52 = 1 h. Sorted [1, 24, 68]: median 24; p85 at rank 0.85*2 = 1.7:
    # 24 + 0.7 * (68 - 24) = 54.8
    assert prs["cycle_hours"]["count"] == 3
    assert prs["cycle_hours"]["median"] == 24.0
    assert prs["cycle_hours"]["p85"] == pytest.approx(54.8)
    # first review: #50 Mon 10:00 -> 16:00 = 6 WH; #51 Fri 16-17 (1) + Mon 9-11 (2) = 3 WH.
    # [3, 6]: median 4.5; p85 = 3 + 0.85 * 3 = 5.55
    first = prs["first_review_working_hours"]
    assert first["count"] == 2
    assert first["median"] == 4.5
    assert first["p85"] == pytest.approx(5.55)


def test_pr_facts_flag_bots_and_keep_first_human_review(world: Any) -> None:
    world.pr(53, "Bump deps", "2026-11-09 09:00", "2026-11-09 10:00",
             author="dependabot[bot]", bot=True)
    world.pr(55, "Fix", "2026-11-09 09:00", "2026-11-09 12:00", author="alice")
    world.review(55, "Alice", "2026-11-09 09:10")  # the author, whatever the case
    world.review(55, "bob", "2026-11-09 12:00")  # submitted at the merge second: counts
    facts = {f.number: f for f in world.facts().prs}
    assert facts[53].author_is_bot
    assert facts[55].first_review_at == world.t("2026-11-09 12:00")
