"""App Home: what waits on the viewer and their teams' outcomes, within 100 blocks."""

from __future__ import annotations

import json
from typing import Any

from bot.flow.sections import Report
from bot.render.home import TeamOutcomes, WaitingHandoff, WaitingReview, render_home
from tests.support.reports import report_of


def report(week: str, delivered: int, lead: float | None) -> Report:
    return report_of(report_json(week, delivered, lead))


def report_json(week: str, delivered: int, lead: float | None) -> dict[str, Any]:
    return {
        "team": "payments",
        "week": week,
        "handoffs": {"waiting": 2, "delay_working_hours": {"count": 1, "median": 4.0, "p85": 4.0}},
        "delivery": {
            "items_delivered": delivered,
            "lead_time_hours": {"count": 1, "median": lead, "p85": lead},
        },
        "releases": {"count": 2, "change_failure_rate": 0.5},
    }


def test_home_lists_what_waits_on_the_viewer_then_team_outcomes() -> None:
    view = render_home(
        handoffs=[
            WaitingHandoff("payments", "PAY-2", "Fresh", "https://j/PAY-2", 1.0),
            WaitingHandoff("payments", "PAY-1", "<!channel> old", "https://j/PAY-1", 30.0),
        ],
        reviews=[WaitingReview("acme/api", 7, "Fix & ship", "https://g/7", 9.0)],
        teams=[TeamOutcomes("payments", report("2026-W47", 3, 50.0), report("2026-W46", 6, 200.0))],
    )
    assert view["type"] == "home"
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert texts[0] == "*Waiting on you*"
    assert texts[1].splitlines() == [
        "_Handoffs waiting for pickup_",
        "• <https://j/PAY-1|PAY-1> &lt;!channel&gt; old — waiting 3.8 working days (payments)",
        "• <https://j/PAY-2|PAY-2> Fresh — waiting 1 working h (payments)",
    ]
    assert texts[2].splitlines() == [
        "_Reviews requested from you_",
        "• <https://g/7|acme/api#7> Fix &amp; ship — waiting 1.1 working days",
    ]
    assert texts[3].splitlines() == [
        "*payments*",
        "This week (2026-W47): 3 delivered · time to delivery 2.1 days · 2 releases (50% failed) · "
        "handoff delay 4 working h · 2 waiting",
        "Last week (2026-W46): 6 delivered · time to delivery 8.3 days · 2 releases (50% failed) · "
        "handoff delay 4 working h · 2 waiting",
    ]
    assert "<!channel>" not in json.dumps(view)


def test_home_with_nothing_waiting_and_no_last_week() -> None:
    view = render_home(
        handoffs=[], reviews=[], teams=[TeamOutcomes("web", report("2026-W47", 0, None))]
    )
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert texts[1] == "Nothing is waiting on you. :tada:"
    assert texts[2].endswith("Last week: no data")


def test_home_stays_within_100_blocks_for_many_teams() -> None:
    teams = [TeamOutcomes(f"team{i}", report("2026-W47", i, 10.0)) for i in range(80)]
    view = render_home(handoffs=[], reviews=[], teams=teams)
    assert len(view["blocks"]) == 100
    assert view["blocks"][-1]["type"] == "context"
    assert "more blocks left out" in view["blocks"][-1]["elements"][0]["text"]


def test_home_shows_the_last_four_weeks_with_stages_and_targets() -> None:
    four = report_json("", 9, 96.0) | {
        "week": None, "start": "2026-10-26T00:00:00+00:00", "end": "2026-11-23T00:00:00+00:00",
    }
    four["delivery"] = {**four["delivery"], "stage_hours": {
        "pickup": 30.0, "product": 0.0, "build": 20.0, "review": 10.0, "release": 40.0}}
    targets = ({"name": "lead_time", "target": 120.0, "actual": 96.0, "met": True},
               {"name": "change_failure_rate", "target": 0.15, "actual": 0.5, "met": False})
    view = render_home(handoffs=[], reviews=[], teams=[
        TeamOutcomes("payments", report("2026-W48", 1, 20.0), None, report_of(four), targets)])
    text = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert "Last 4 weeks (26 Oct 2026 – 22 Nov 2026): 9 delivered · time to delivery 4 days" in text
    assert "40 % of the time to delivery was merged work waiting for a release." in text
    assert "_Targets over the last 4 weeks: 1 of 2 met_" in text
    assert "• Time to delivery ≤ 5 days: 4 days ✅ met" in text
    assert "• Change failure rate ≤ 15%: 50% ❌ not met" in text


def test_a_long_list_on_home_shows_the_longest_waits_and_where_the_rest_are() -> None:
    handoffs = [WaitingHandoff("payments", f"PAY-{n}", f"Spec {n}", f"https://j/PAY-{n}",
                               float(n)) for n in range(1, 21)]
    view = render_home(handoffs=handoffs, reviews=[], teams=[])
    texts = [b.get("text", {}).get("text", "") if b["type"] == "section"
             else " ".join(e["text"] for e in b.get("elements", []))
             for b in view["blocks"]]
    listing = next(t for t in texts if t.startswith("_Handoffs waiting for pickup_"))
    assert listing.splitlines()[1].startswith("• <https://j/PAY-20|PAY-20>")  # longest first
    assert listing.splitlines()[-1] == "…and 5 more"
    assert ("The longest waits first · `/crosswalk handoffs` and `/crosswalk prs` list every "
            "one, page by page") in texts
    short = render_home(handoffs=handoffs[:3], reviews=[], teams=[])
    assert not any("page by page" in str(b) for b in short["blocks"])
