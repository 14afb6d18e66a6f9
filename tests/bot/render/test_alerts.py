"""Alert messages: linked, escaped, humane waits, and the snooze/acknowledge buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.flow.alerts import (
    Alert,
    AlertKind,
    Delivery,
    OpenHandoff,
    PendingReview,
    Recipient,
    UnreleasedPr,
    UnreleasedWork,
)
from bot.flow.facts import HandoffFact
from bot.render.alerts import (
    ACTIONS_BLOCK_ID,
    handoff_channel_message,
    handoff_dm,
    mark_acknowledged,
    mark_snoozed,
    review_dm,
    unreleased_channel_message,
)

H = 3600.0
T0 = datetime(2026, 11, 16, 9, tzinfo=UTC)
HOSTILE = "Fix <!channel> & <https://evil.example|login> <@U999>"
HANDOFF = OpenHandoff(HandoffFact("PAY-12", 0, T0, None, None), HOSTILE, "https://j/browse/PAY-12")
REVIEW = PendingReview(
    "acme/api", 7, HOSTILE, "https://g/acme/api/pull/7", T0, (Recipient("U0BOB", "UTC"),)
)
WORK = UnreleasedWork(
    "acme/api",
    (
        UnreleasedPr(
            42, HOSTILE, "https://g/acme/api/pull/42", datetime(2026, 11, 10, 15, tzinfo=UTC)
        ),
        UnreleasedPr(
            41, "Tidy", "https://g/acme/api/pull/41", datetime(2026, 11, 9, 10, tzinfo=UTC)
        ),
    ),
)


def alert(key: str, kind: AlertKind, level: int, waited_hours: float, about: Any) -> Alert:
    return Alert(
        key,
        key.split(":")[1],
        kind,
        level,
        waited_hours * H,
        T0,
        True,
        (Delivery("U0BOB", T0),),
        about,
    )


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    assert actions["block_id"] == ACTIONS_BLOCK_ID
    return [(e["text"]["text"], e["action_id"], e["value"]) for e in actions["elements"]]


def assert_no_forgery(text: str, blocks: list[dict[str, Any]]) -> None:
    dumped = text + json.dumps(blocks, ensure_ascii=False)
    for forbidden in ("<!channel>", "<@U999>", "<https://evil.example"):
        assert forbidden not in dumped


def test_channel_message_links_item_names_people_and_offers_buttons() -> None:
    a = alert("handoff:PAY-12:0", AlertKind.HANDOFF, 1, 20, HANDOFF)
    text, blocks = handoff_channel_message(a, HANDOFF, people=["U0ALICE", "U0BOB"])
    assert text == "PAY-12 has waited 2.5 working days for pickup"
    assert blocks[0]["text"]["text"] == (
        ":hourglass: <https://j/browse/PAY-12|PAY-12> Fix &lt;!channel&gt; &amp; "
        "&lt;https://evil.example|login&gt; &lt;@U999&gt; has waited *2.5 working days* for pickup."
        "\n<@U0ALICE>, <@U0BOB>: can someone pick it up, or send it back with questions?"
    )
    assert buttons(blocks) == [
        ("Snooze 1 day", "crosswalk_snooze", "handoff:PAY-12:0"),
        ("Acknowledge", "crosswalk_ack", "handoff:PAY-12:0"),
    ]
    assert_no_forgery(text, blocks)


def test_reminder_levels_say_the_wait_doubled() -> None:
    a = alert("handoff:PAY-12:0", AlertKind.HANDOFF, 3, 70, HANDOFF)
    _, blocks = handoff_dm(a, HANDOFF)
    assert (
        "*8.8 working days* for pickup (reminder 2: the wait has doubled)."
        in blocks[0]["text"]["text"]
    )


def test_handoff_dm_is_an_actionable_nudge_with_buttons() -> None:
    a = alert("handoff:PAY-12:0", AlertKind.HANDOFF, 1, 18, HANDOFF)
    text, blocks = handoff_dm(a, HANDOFF)
    assert text == "PAY-12 has waited 2.2 working days for pickup"
    assert "Pick it up, ask a question on the ticket, or snooze this." in blocks[0]["text"]["text"]
    assert [b[1] for b in buttons(blocks)] == ["crosswalk_snooze", "crosswalk_ack"]
    assert_no_forgery(text, blocks)


def test_review_dm_links_the_pull_request() -> None:
    a = alert("review:acme/api#7", AlertKind.REVIEW, 1, 9, REVIEW)
    text, blocks = review_dm(a, REVIEW)
    assert text == "acme/api#7 has waited 1.1 working days for your review"
    assert blocks[0]["text"]["text"].startswith(
        ":eyes: <https://g/acme/api/pull/7|acme/api#7> Fix &lt;!channel&gt;"
    )
    assert buttons(blocks)[0][2] == "review:acme/api#7"
    assert_no_forgery(text, blocks)


def test_unreleased_message_lists_the_repos_merged_prs_oldest_first() -> None:
    a = alert("unreleased:acme/api:41", AlertKind.UNRELEASED, 1, 45, WORK)
    text, blocks = unreleased_channel_message(a, WORK, tz="Europe/London")
    assert text == "acme/api: 2 merged, unreleased; oldest waited 5.6 working days"
    body = blocks[0]["text"]["text"]
    assert body.splitlines()[1:] == [
        "• <https://g/acme/api/pull/41|#41> Tidy — merged Mon 09 Nov 10:00",
        "• <https://g/acme/api/pull/42|#42> Fix &lt;!channel&gt; &amp; "
        "&lt;https://evil.example|login&gt; &lt;@U999&gt; — merged Tue 10 Nov 15:00",
    ]
    assert_no_forgery(text, blocks)


def test_acknowledged_version_drops_buttons_and_names_who() -> None:
    a = alert("handoff:PAY-12:0", AlertKind.HANDOFF, 1, 20, HANDOFF)
    _, blocks = handoff_channel_message(a, HANDOFF, people=["U0ALICE"])
    updated = mark_acknowledged(blocks, "U0CAROL")
    assert updated[0] == blocks[0]
    assert not [b for b in updated if b["type"] == "actions"]
    assert updated[-1]["elements"][0]["text"] == ":white_check_mark: Acknowledged by <@U0CAROL>"
    assert mark_acknowledged(updated, "U0CAROL") == updated  # idempotent on repeated clicks


def test_snoozed_version_keeps_buttons_and_says_until_when() -> None:
    a = alert("handoff:PAY-12:0", AlertKind.HANDOFF, 1, 20, HANDOFF)
    _, blocks = handoff_channel_message(a, HANDOFF, people=[])
    updated = mark_snoozed(blocks, "U0CAROL", "Tue 17 Nov 09:00")
    assert [b["type"] for b in updated] == ["section", "actions", "context"]
    assert (
        updated[-1]["elements"][0]["text"] == ":zzz: Snoozed by <@U0CAROL> until Tue 17 Nov 09:00"
    )
