"""The sandbox runner: three servers for one world, the env that reaches them, a valid config."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from github import Auth, Github
from jira import JIRA
from slack_sdk import WebClient

from bot.settings import load_settings
from integrations.sandbox.generator import generate
from integrations.sandbox.runner import Sandbox

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(generate("demo", now=NOW)) as running:
        yield running


def test_env_names_every_variable_and_slack_url_ends_with_api(box: Sandbox) -> None:
    env = box.env()
    assert set(env) == {"JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "GITHUB_TOKEN",
                        "GITHUB_API_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
                        "SLACK_API_URL"}
    assert env["SLACK_API_URL"].endswith("/api/")
    for key in ("JIRA_URL", "GITHUB_API_URL", "SLACK_API_URL"):
        assert env[key].startswith("http://127.0.0.1:")


def test_real_clients_reach_each_server_with_the_env(box: Sandbox) -> None:
    env = box.env()
    jira = JIRA(env["JIRA_URL"], basic_auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]),
                timeout=10, get_server_info=True)
    assert {p.key for p in jira.projects()} == {"PAY", "CHK"}
    gh = Github(auth=Auth.Token(env["GITHUB_TOKEN"]), base_url=env["GITHUB_API_URL"],
                timeout=10, retry=None)
    repo = gh.get_repo("acme/checkout-web")
    assert repo.get_pulls(state="all").totalCount == len(box.world.github.repos[
        "acme/checkout-web"].pulls)
    slack = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"], timeout=10)
    assert slack.auth_test()["user_id"] == box.world.slack.bot_user_id
    payments = box.world.teams[0]
    found = slack.users_lookupByEmail(email=payments.product_emails[0])
    assert found["user"]["profile"]["email"] == payments.product_emails[0]


def test_written_config_loads_and_names_the_scenario_teams(box: Sandbox, tmp_path: Path) -> None:
    path = box.write_config(tmp_path / "sub" / "crosswalk.yaml")
    settings = load_settings(path)
    assert set(settings.teams) == {"payments", "checkout"}
    text = path.read_text()
    for team in box.world.teams:
        assert team.channel_id in text and team.jira_project in text
        for repo in team.repos:
            assert repo in text
    assert box.world.github.token not in text  # secrets live in the env, never in the config


def test_summary_counts_what_the_world_holds(box: Sandbox) -> None:
    line = box.summary()
    assert line.startswith("scenario demo: 2 teams (payments, checkout), ")
    assert f"{len(box.world.jira.issues)} items" in line


def test_stop_closes_every_port() -> None:
    box = Sandbox(generate("small", now=NOW)).start()
    urls = [box.jira.url, box.github.url, box.slack.url]
    box.stop()
    for url in urls:
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)
