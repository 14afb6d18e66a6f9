"""The sandbox runner: three servers for one world, the env that reaches them, a valid config."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from github import Auth, Github
from jira import JIRA
from slack_sdk import WebClient

from bot.config.settings import load_settings
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox
from tests.support.oracle import expected_records

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
    assert {p.key for p in jira.projects()} == {"PAY", "CHK", "STO"}
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
    assert set(settings.teams) == {"payments", "checkout", "storefront"}
    text = path.read_text()
    for team in box.world.teams:
        assert team.channel_id in text and team.jira_project in text
        for repo in team.repos:
            assert repo in text
    assert box.world.github.token not in text  # secrets live in the env, never in the config


def test_summary_counts_what_the_world_holds(box: Sandbox) -> None:
    line = box.summary()
    assert line.startswith("scenario demo: 3 teams (payments, checkout, storefront), ")
    assert f"{len(box.world.jira.issues)} items" in line


def test_stop_closes_every_port() -> None:
    box = Sandbox(generate("small", now=NOW)).start()
    urls = [box.jira.url, box.github.url, box.slack.url]
    box.stop()
    for url in urls:
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)


def test_expected_status_changes_match_the_served_changelogs(box: Sandbox) -> None:
    env = box.env()
    exp = expected_records(box.world)
    jira = JIRA(env["JIRA_URL"], basic_auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]),
                timeout=10)
    keys = sorted({c.item_key for c in exp.changes if not c.change_id.endswith(":0")})[:5]
    assert keys
    for key in keys:
        served = []
        for history in jira.issue(key, expand="changelog").changelog.histories:
            for index, item in enumerate(history.items):
                if item.field == "status":
                    served.append((f"{history.id}:{index}", item.fromString, item.toString))
        wanted = [(c.change_id, c.from_status, c.to_status) for c in exp.changes
                  if c.item_key == key]
        assert sorted(served) == sorted(wanted)


def test_expected_containment_matches_the_served_compare(box: Sandbox) -> None:
    env = box.env()
    exp = expected_records(box.world)
    gh = Github(auth=Auth.Token(env["GITHUB_TOKEN"]), base_url=env["GITHUB_API_URL"],
                timeout=10, retry=None)
    for name in ("acme/payments-api", "acme/checkout-web"):
        repo = gh.get_repo(name)
        merges = {p.merge_commit_sha: p.number for p in exp.pulls
                  if p.repo == name and p.merge_commit_sha}
        tags = [r for r in sorted(exp.releases, key=lambda r: r.published_at or r.created_at)
                if r.repo == name and r.eligible]
        for previous, current in pairwise(tags):
            shas = {c.sha for c in repo.compare(previous.tag, current.tag).commits}
            served = {merges[s] for s in shas if s in merges}
            wanted = {c.pr_number for c in exp.containments
                      if c.repo == name and c.release_id == current.release_id}
            assert served == wanted
