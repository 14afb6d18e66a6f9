from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.usecases.schedule import (
    DigestSlot,
    Jobs,
    ReviewSlot,
    SchedulerHealth,
    build_scheduler,
    last_due,
    missed_digests,
)

MONDAY_9_LONDON = DigestSlot("payments", 0, 9, 0, "Europe/London")


def test_last_due_is_this_weeks_slot_once_passed() -> None:
    # Mon 23 Nov 2026 10:00 UTC = 10:00 GMT: the 09:00 slot of the same day has passed.
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert last_due(MONDAY_9_LONDON, now) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_last_due_before_the_slot_is_last_week() -> None:
    now = datetime(2026, 11, 23, 8, 59, tzinfo=UTC)
    assert last_due(MONDAY_9_LONDON, now) == datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def test_last_due_respects_summer_time() -> None:
    # Mon 19 Oct 2026 is BST (UTC+1): 09:00 local is 08:00 UTC.
    now = datetime(2026, 10, 19, 12, 0, tzinfo=UTC)
    assert last_due(MONDAY_9_LONDON, now) == datetime(2026, 10, 19, 8, 0, tzinfo=UTC)


def test_missed_digests_only_within_the_window() -> None:
    slots = [MONDAY_9_LONDON, DigestSlot("checkout", 4, 16, 0, "America/New_York")]
    now = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # Monday evening
    assert missed_digests(slots, now) == ["payments"]
    assert missed_digests(slots, now + timedelta(days=1, hours=1)) == []


def test_scheduler_has_stable_job_ids_and_team_timezones() -> None:
    jobs = Jobs(poll=lambda: None, digest=lambda team: None, alerts=lambda: None)
    scheduler = build_scheduler(jobs, [MONDAY_9_LONDON], timedelta(minutes=10))
    scheduler.start(paused=True)
    try:
        ids = sorted(job.id for job in scheduler.get_jobs())
        assert ids == ["alerts", "digest:payments", "poll"]
        digest = scheduler.get_job("digest:payments")
        assert str(digest.trigger.timezone) == "Europe/London"
        assert digest.coalesce is True and digest.max_instances == 1
        assert digest.misfire_grace_time > 0
    finally:
        scheduler.shutdown(wait=False)


def test_error_listener_records_a_failing_job() -> None:
    done = threading.Event()
    health = SchedulerHealth()

    def failing() -> None:
        done.set()
        raise RuntimeError("boom")

    jobs = Jobs(poll=failing, digest=lambda team: None, alerts=lambda: None)
    scheduler = build_scheduler(jobs, [], timedelta(minutes=10), health)
    scheduler.start()
    try:
        scheduler.get_job("poll").modify(next_run_time=datetime.now(UTC))
        assert done.wait(10)
        for _ in range(100):
            if health.failures:
                break
            threading.Event().wait(0.05)
        assert health.failures == 1
        assert health.last_error == "poll: RuntimeError"
    finally:
        scheduler.shutdown(wait=True)


def test_reviews_are_scheduled_on_their_day_of_the_month() -> None:
    jobs = Jobs(poll=lambda: None, digest=lambda team: None, alerts=lambda: None,
                review=lambda team: None)
    quarterly = ReviewSlot("payments", 1, 9, 0, "Europe/London", "1,4,7,10")
    scheduler = build_scheduler(jobs, [], timedelta(minutes=10), reviews=[quarterly])
    scheduler.start(paused=True)
    try:
        review = scheduler.get_job("review:payments")
        after = datetime(2026, 11, 2, tzinfo=UTC)
        # The next quarter's first day, 09:00 London (GMT in January).
        assert review.trigger.get_next_fire_time(None, after) == datetime(
            2027, 1, 1, 9, 0, tzinfo=UTC)
        assert tuple(review.args) == ("payments",)
    finally:
        scheduler.shutdown(wait=False)
