"""The App Home use-case: what waits on the viewer and their teams' outcomes, published."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Crosswalk
from integrations.sandbox.slack.server import SlackServer
from tests.support.commands_world import (
    ALICE,
    BOB,
    CAROL,
    NOW,
    crosswalk,
    fill,
    new_store,
    settings,
    texts,
)


@pytest.fixture
def app(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, slack: SlackServer,
) -> Iterator[Crosswalk]:
    store, _ = new_store(tmp_path, tmp_path_factory.getbasetemp())
    fill(store)
    yield crosswalk(store, slack)
    store.engine.dispose()


def _text(app: Crosswalk, user: str) -> str:
    return texts({"blocks": app.home.view(user, NOW)["blocks"]})


def test_product_person_sees_the_teams_waiting_handoffs_and_outcomes(app: Crosswalk) -> None:
    body = _text(app, ALICE)
    assert "browse/PAY-1|PAY-1>" in body and "waiting 3.5 working days (payments)" in body
    assert "Reviews requested" not in body  # alice is product: reviews are engineering's
    assert "This week (2026-W47): 1 delivered" in body
    assert "Last week (2026-W46): 0 delivered" in body


def test_engineer_also_sees_pull_requests_waiting_for_a_first_review(app: Crosswalk) -> None:
    body = _text(app, BOB)
    assert "_Reviews requested from you_" in body and "acme/api#7" in body
    assert "acme/api#8" not in body  # merged: not waiting for review


def test_someone_in_no_team_sees_nothing_waiting_and_no_team(app: Crosswalk) -> None:
    body = _text(app, CAROL)
    assert "Nothing is waiting on you" in body and "payments" not in body


def test_a_reviewer_people_github_maps_sees_the_reviews_asked_of_them(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, slack: SlackServer,
) -> None:
    store, _ = new_store(tmp_path, tmp_path_factory.getbasetemp())
    fill(store)  # acme/api#7 waits for a review requested from GitHub login "carol"
    mapped = crosswalk(store, slack, settings(github_people={"Carol": "carol@acme.example"}))
    body = texts({"blocks": mapped.home.view(CAROL, NOW)["blocks"]})
    assert "_Reviews requested from you_" in body and "acme/api#7" in body
    assert "PAY-1" not in body and "This week" not in body  # still in no team
    store.engine.dispose()


def test_outside_text_is_escaped_in_the_home_view(app: Crosswalk) -> None:
    body = _text(app, BOB)
    assert "<!channel>" not in body and "<!here>" not in body
    assert "&lt;!channel&gt;" in body


def test_publish_sends_the_view_with_views_publish(app: Crosswalk, slack: SlackServer) -> None:
    view = app.home.publish(BOB)
    assert slack.home_view(BOB) == view
    assert view["type"] == "home"
