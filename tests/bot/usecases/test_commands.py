"""The slash-command use-case without HTTP: teams, permissions, failures, and a fuzz test."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import Clients, Crosswalk, build_app
from bot.config.env import Env
from bot.store.db import make_engine
from bot.store.repo import Store
from bot.usecases.commands import SOMETHING_WRONG, CommandRequest, CommandService
from integrations.sandbox.slack.server import SlackServer
from tests.support.commands_world import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    HOSTILE,
    NOW,
    TOKEN,
    crosswalk,
    fill,
    messenger,
    new_store,
    texts,
)
from tests.support.commands_world import settings as team_settings


@pytest.fixture
def store(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store, _ = new_store(tmp_path, tmp_path_factory.getbasetemp())
    fill(store)
    yield store
    store.engine.dispose()


@pytest.fixture
def app(store: Store, slack: SlackServer) -> Crosswalk:
    return crosswalk(store, slack)


def ask(service: CommandService, text: str, user: str = ALICE, channel: str = CHANNEL,
        channel_name: str = "") -> str:
    reply = service.handle(CommandRequest(text, user, channel, channel_name))
    assert not reply.in_channel or text.endswith("share")
    return texts(reply.payload())


def test_team_defaults_to_the_channel_by_id_or_by_configured_name(app: Crosswalk) -> None:
    assert "Handoffs waiting · payments" in ask(app.commands, "handoffs")
    # search's channel is configured as "#search": matched by the command's channel_name.
    assert "Pull requests · search" in ask(app.commands, "prs", channel="C0SEARCH01",
                                           channel_name="search")


def test_outside_a_team_channel_the_team_must_be_named(app: Crosswalk) -> None:
    answer = ask(app.commands, "summary", channel="C0OUTSIDE1")
    assert "This channel belongs to no team" in answer
    assert "payments · 2026-W47" in ask(app.commands, "summary payments", channel="C0OUTSIDE1")


def test_one_team_needs_no_name_anywhere(store: Store, slack: SlackServer) -> None:
    data = team_settings()
    one = data.model_copy(update={"teams": {"payments": data.teams["payments"]}})
    app = crosswalk(store, slack, one)
    assert "Handoffs waiting · payments" in ask(app.commands, "handoffs", channel="C0OUTSIDE1")


def test_a_week_not_started_yet_gets_one_precise_line(app: Crosswalk) -> None:
    assert ask(app.commands, "summary 2026-W48") == (
        "2026-W48 has not started yet; try an earlier week.\n"
        "2026-W48 has not started yet; try an earlier week.")


def test_summary_share_is_in_channel(app: Crosswalk) -> None:
    reply = app.commands.handle(CommandRequest("summary payments share", ALICE, "C0OUTSIDE1"))
    assert reply.in_channel and reply.payload()["response_type"] == "in_channel"


def test_admins_may_snooze_any_team_strangers_may_not(store: Store, slack: SlackServer) -> None:
    app = crosswalk(store, slack, team_settings(admins=(CAROL,)))
    assert "Alerts for PAY-1 are snoozed" in ask(app.commands, "snooze PAY-1 1d", user=CAROL)
    stranger = crosswalk(store, slack)
    assert "Only the payments team's people" in ask(stranger.commands, "snooze PAY-1 1d",
                                                    user=CAROL)


def test_people_are_resolved_by_email_and_cached(app: Crosswalk, store: Store) -> None:
    assert store.slack_user("bob@acme.example") is None
    assert "snoozed" in ask(app.commands, "snooze PAY-1 4h", user=BOB)
    cached = store.slack_user("bob@acme.example")
    assert cached is not None and cached.user_id == BOB


def test_snoozing_an_item_of_no_team_is_refused(app: Crosswalk, store: Store) -> None:
    assert "`OPS-9` belongs to no team" in ask(app.commands, "snooze OPS-9 1d", user=BOB)
    assert store.active_snooze("OPS-9", NOW) is None


def test_an_unexpected_failure_is_logged_and_answered_shortly(
    tmp_path: Path, slack: SlackServer, caplog: pytest.LogCaptureFixture,
) -> None:
    # An unmigrated database: every read fails inside SQLAlchemy.
    broken = Store(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    app = crosswalk(broken, slack)
    with caplog.at_level(logging.ERROR, logger="bot.usecases.commands"):
        answer = ask(app.commands, "handoffs")
    assert SOMETHING_WRONG in answer and "Traceback" not in answer and "sqlite" not in answer
    assert [(r.getMessage(), r.fields) for r in caplog.records] == [  # type: ignore[attr-defined]
        ("command.failed", {"verb": "handoffs"})]
    assert all(TOKEN not in r.getMessage() + str(getattr(r, "fields", ""))
               and TOKEN not in (r.exc_text or "") for r in caplog.records)


def test_help_is_the_usage_of_the_configured_command(store: Store, slack: SlackServer) -> None:
    app = crosswalk(store, slack, team_settings(command="/xw"))
    assert "`/xw summary [team] [week] [share]`" in ask(app.commands, "help")


def test_build_app_uses_the_clients_it_is_given(store: Store, slack: SlackServer) -> None:
    clients = Clients(store=store, messenger=messenger(slack), clock=lambda: NOW)
    app = build_app(team_settings(), Env(), clients)  # no token in Env: nothing built from it
    assert app.commands.store is store and app.alerts.store is store
    assert app.home.messenger is clients.messenger


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["summary", "handoffs", "prs", "releases", "item", "snooze",
                              "teams", "help", "share", "payments", "search", "PAY-1",
                              "2026-W47", "2026-W53", "1d", "0m", HOSTILE, "<@U0BOB00001>",
                              "'; DROP TABLE snoozes; --", "*bold*", "`tick`", "&amp;"]),
             max_size=5).map(" ".join),
    st.just("x" * 4000),
))
def test_fuzzed_text_never_gets_an_error_reply_or_a_traceback(
    app: Crosswalk, text: str, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        answer = ask(app.commands, text, user=BOB)
    assert SOMETHING_WRONG not in answer and "Traceback" not in answer
    assert "<!channel>" not in answer and "<!here>" not in answer and "<@U0BOB" not in answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_review_answers_with_before_and_now(app: Crosswalk) -> None:
    answer = ask(app.commands, "review")
    assert "Crosswalk outcome review · payments" in answer
    assert "*Release interval:*" in answer and "*Returned specs:*" in answer
    shared = app.commands.handle(CommandRequest("review share", ALICE, CHANNEL, ""))
    assert shared.in_channel


def test_edge_weeks_get_a_reply_not_silence(app: Crosswalk) -> None:
    assert "outside the years 1971-9998" in ask(app.commands, "summary 0000-W01")


def test_list_replies_page_and_name_the_command_for_the_next(app: Crosswalk) -> None:
    answer = ask(app.commands, "handoffs page 2")
    assert "There is only 1 page: `/crosswalk handoffs payments page 1` shows the last" in answer
    assert "Handoffs waiting · payments" in ask(app.commands, "handoffs payments page 1")
