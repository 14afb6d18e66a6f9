"""Alert rules with plain values and a tiny Mon–Fri 09:00–17:00 calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.flow.alerts import (
    AlertKind,
    OpenHandoff,
    PendingReview,
    Recipient,
    UnreleasedPr,
    UnreleasedWork,
    alert_subject,
    evaluate,
    level_for,
    recipient_calendars,
)
from bot.flow.calendar import WorkingCalendar
from bot.flow.facts import HandoffEnd, HandoffFact
from bot.flow.model import AlertThresholds, CalendarSpec

H = 3600.0
THRESHOLDS = AlertThresholds(handoff_waiting=16 * H, review_waiting=8 * H, unreleased=40 * H)


class WeekdayCalendar:
    """Mon–Fri 09:00–17:00 in one timezone, no holidays: a plain value, not a mock."""

    def __init__(self, tz: str) -> None:
        self.tz = ZoneInfo(tz)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() >= 5:
            return None
        start = datetime.combine(day, time(9), self.tz).astimezone(UTC)
        return start, datetime.combine(day, time(17), self.tz).astimezone(UTC)

    def working_seconds(self, start: datetime, end: datetime) -> float:
        total = 0.0
        day = start.astimezone(self.tz).date()
        while day <= end.astimezone(self.tz).date():
            window = self._window(day)
            if window:
                lo, hi = max(start, window[0]), min(end, window[1])
                total += max(0.0, (hi - lo).total_seconds())
            day += timedelta(days=1)
        return total

    def next_working_instant(self, instant: datetime) -> datetime:
        day = instant.astimezone(self.tz).date()
        while True:
            window = self._window(day)
            if window and instant < window[1]:
                return max(instant, window[0])
            day += timedelta(days=1)

    def add_working(self, instant: datetime, seconds: float) -> datetime:
        at = self.next_working_instant(instant)
        while True:
            window = self._window(at.astimezone(self.tz).date())
            assert window is not None
            room = (window[1] - at).total_seconds()
            if seconds <= room:
                return at + timedelta(seconds=seconds)
            seconds -= room
            at = self.next_working_instant(window[1] + timedelta(seconds=1))


LONDON = WeekdayCalendar("Europe/London")
ALICE = Recipient("U0ALICE", "Europe/London")
BOB = Recipient("U0BOB", "America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def handoff(started: datetime, ended: datetime | None = None, key: str = "PAY-12") -> OpenHandoff:
    end = HandoffEnd.PICKED_UP if ended else None
    return OpenHandoff(
        HandoffFact(key, 0, started, ended, end), "Checkout <!channel>", "https://j/PAY-12"
    )


def run(now: datetime, *, handoffs=(), reviews=(), unreleased=(), sent=None, snoozes=None):
    return evaluate(
        handoffs=list(handoffs),
        reviews=list(reviews),
        unreleased=list(unreleased),
        thresholds=THRESHOLDS,
        calendar=LONDON,
        calendar_for_tz=WeekdayCalendar,
        people=[ALICE, BOB],
        sent=sent or {},
        snoozes=snoozes or {},
        now=now,
    )


# 2026-11-16 is a Monday; London is on UTC in November.
MON_9 = utc(2026, 11, 16, 9)


@pytest.mark.parametrize(
    ("waited", "level"), [(0, 0), (15.9, 0), (16, 1), (31.9, 1), (32, 2), (64, 3), (200, 4)]
)
def test_level_doubles_with_the_wait(waited: float, level: int) -> None:
    assert level_for(waited * H, 16 * H) == level


def test_handoff_below_threshold_sends_nothing() -> None:
    assert run(utc(2026, 11, 17, 16), handoffs=[handoff(MON_9)]) == []  # 15 working hours


def test_handoff_at_threshold_alerts_channel_and_both_people() -> None:
    (alert,) = run(utc(2026, 11, 17, 17), handoffs=[handoff(MON_9)])  # Tue 17:00 = 16 WH
    assert alert.alert_key == "handoff:PAY-12:0"
    assert alert.subject == "PAY-12"
    assert alert.kind is AlertKind.HANDOFF
    assert alert.level == 1
    assert alert.waited_working_seconds == 16 * H
    assert alert.channel is True
    assert [d.user_id for d in alert.dms] == ["U0ALICE", "U0BOB"]


def test_weekend_does_not_count_towards_the_wait() -> None:
    fri_9 = utc(2026, 11, 20, 9)
    assert run(utc(2026, 11, 23, 8), handoffs=[handoff(fri_9)]) == []  # only 8 WH by Monday 08:00
    (alert,) = run(utc(2026, 11, 23, 17), handoffs=[handoff(fri_9)])
    assert alert.waited_working_seconds == 16 * H


def test_each_level_is_sent_once_and_reminders_follow_doubling() -> None:
    h = [handoff(MON_9)]
    assert run(utc(2026, 11, 18, 12), handoffs=h, sent={"handoff:PAY-12:0": 1}) == []  # 19 WH
    (alert,) = run(utc(2026, 11, 19, 17), handoffs=h, sent={"handoff:PAY-12:0": 1})  # 32 WH
    assert alert.level == 2
    assert run(utc(2026, 11, 19, 17), handoffs=h, sent={"handoff:PAY-12:0": 2}) == []


def test_first_evaluation_past_several_levels_sends_only_the_highest() -> None:
    alerts = run(utc(2026, 11, 30, 9), handoffs=[handoff(MON_9)])  # 80 WH = 5× threshold
    assert [(a.alert_key, a.level) for a in alerts] == [("handoff:PAY-12:0", 3)]


def test_ended_handoff_sends_nothing() -> None:
    picked = handoff(MON_9, ended=utc(2026, 11, 19, 16, 59))
    assert run(utc(2026, 11, 19, 17), handoffs=[picked]) == []


def test_snoozed_subject_is_quiet_until_the_snooze_ends() -> None:
    h, now = [handoff(MON_9)], utc(2026, 11, 18, 12)
    assert run(now, handoffs=h, snoozes={"PAY-12": now + timedelta(days=1)}) == []
    assert run(now, handoffs=h, snoozes={"handoff:PAY-12:0": now + timedelta(hours=1)}) == []
    assert len(run(now, handoffs=h, snoozes={"PAY-12": now})) == 1


def test_dm_inside_working_hours_is_delivered_now() -> None:
    now = utc(2026, 11, 18, 15)  # 15:00 London, 10:00 New York
    (alert,) = run(now, handoffs=[handoff(MON_9)])
    assert [d.deliver_at for d in alert.dms] == [now, now]


def test_dm_due_at_22_in_recipient_timezone_is_held_to_9_next_working_day() -> None:
    now = utc(2026, 11, 19, 3)  # Wednesday 22:00 in New York, Thursday 03:00 in London
    (alert,) = run(now, handoffs=[handoff(MON_9)])
    by_user = {d.user_id: d.deliver_at for d in alert.dms}
    assert by_user["U0BOB"] == datetime(2026, 11, 19, 9, tzinfo=ZoneInfo("America/New_York"))
    assert by_user["U0ALICE"] == utc(2026, 11, 19, 9)


def test_friday_evening_dm_is_held_to_monday_morning() -> None:
    now = utc(2026, 11, 20, 19)  # Friday 19:00 London
    (alert,) = run(now, handoffs=[handoff(MON_9)])
    by_user = {d.user_id: d.deliver_at for d in alert.dms}
    assert by_user["U0ALICE"] == utc(2026, 11, 23, 9)
    assert by_user["U0BOB"] == now  # 14:00 in New York: still working hours


def test_review_waiting_dms_requested_reviewers_only() -> None:
    review = PendingReview("acme/api", 7, "Fix <@U1>", "https://g/7", MON_9, (BOB, BOB))
    (alert,) = run(utc(2026, 11, 17, 9), reviews=[review])
    assert alert.alert_key == "review:acme/api#7"
    assert alert.subject == "acme/api#7"
    assert alert.channel is False
    assert [d.user_id for d in alert.dms] == ["U0BOB"]


def test_unreleased_work_alerts_channel_once_per_repo_keyed_by_oldest_pr() -> None:
    prs = (
        UnreleasedPr(42, "b", "https://g/42", utc(2026, 11, 10, 9)),
        UnreleasedPr(41, "a", "https://g/41", utc(2026, 11, 9, 9)),
    )
    (alert,) = run(utc(2026, 11, 16, 9), unreleased=[UnreleasedWork("acme/api", prs)])
    assert alert.alert_key == "unreleased:acme/api:41"
    assert alert_subject(alert.alert_key) == "acme/api"
    assert alert.channel is True and alert.dms == ()
    assert run(utc(2026, 11, 16, 9), unreleased=[UnreleasedWork("acme/api", ())]) == []


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        run(datetime(2026, 11, 16, 9))  # naive on purpose


def test_real_calendar_holds_a_22h_dm_to_the_next_working_hour_in_the_recipients_tz() -> None:
    spec = CalendarSpec("Europe/London")
    for_tz = recipient_calendars(spec)
    now = utc(2026, 11, 19, 3)  # Wednesday 22:00 in New York
    alerts = evaluate(
        handoffs=[handoff(MON_9)],
        reviews=[],
        unreleased=[],
        thresholds=THRESHOLDS,
        calendar=WorkingCalendar(spec),
        calendar_for_tz=for_tz,
        people=[BOB, Recipient("U0NOTZ", "Not/AZone")],
        sent={},
        snoozes={},
        now=now,
    )
    (alert,) = alerts
    by_user = {d.user_id: d.deliver_at for d in alert.dms}
    assert by_user["U0BOB"] == datetime(2026, 11, 19, 9, tzinfo=ZoneInfo("America/New_York"))
    assert by_user["U0NOTZ"] == utc(2026, 11, 19, 9)  # unknown tz: the team's timezone
