"""``crosswalk check`` reaches each service through the probes, against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.config.env import DESCRIPTIONS
from bot.store import migrate
from integrations.sandbox import shipping
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(generate("small", seed=3, now=NOW)) as running:
        yield running


def check(box: Sandbox, tmp_path: Path, *, env: dict[str, str] | None = None,
          edit: dict[str, object] | None = None) -> Result:
    path = box.write_config(tmp_path / "crosswalk.yaml")
    if edit:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["teams"]["payments"].update(edit)
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
    full: dict[str, str | None] = {name: None for name in DESCRIPTIONS}
    full.update({**box.env(), "DATABASE_URL": f"sqlite:///{tmp_path / 'cw.db'}", **(env or {})})
    return CliRunner().invoke(main, ["--config", str(path), "check"], env=full)


def test_everything_reachable_is_exit_0_with_a_line_per_thing_checked(
    box: Sandbox, tmp_path: Path
) -> None:
    result = check(box, tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("ok   jira: reachable; signed in as") for line in lines)
    assert any(line.startswith("ok   github: reachable; signed in as") and "rate limit" in line
               for line in lines)
    assert any(line.startswith("ok   slack: reachable; bot") for line in lines)
    assert "ok   team payments jira: project PAY (" in result.stdout
    assert "ok   team payments github: repository acme/payments-api readable" in lines
    assert ("ok   team payments github: repository acme/payments-api events feed answers: "
            "a poll without changes is 1 free request") in lines
    assert any(line.startswith("ok   team checkout slack: channel") for line in lines)
    assert not any(line.startswith("FAIL") for line in lines)


def test_a_missing_repo_channel_and_project_each_fail_their_own_line_exit_1(
    box: Sandbox, tmp_path: Path
) -> None:
    result = check(box, tmp_path, edit={
        "jira": {"project": "NOPE"},
        "github": {"repos": ["acme/payments-api", "acme/vanished"]},
        "slack": {"channel": "C0NOSUCH"},
    })
    assert result.exit_code == 1, result.output
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 3
    assert any("team payments jira: project NOPE" in line for line in failed)
    assert any("team payments github: repository acme/vanished" in line for line in failed)
    assert any("team payments slack: channel C0NOSUCH" in line for line in failed)
    assert "ok   team payments github: repository acme/payments-api readable" in result.stdout


def test_a_repository_without_an_events_feed_is_said_not_failed(
    box: Sandbox, tmp_path: Path
) -> None:
    box.github.fail_next(1, 404, path_prefix="/repos/acme/payments-api/events")
    result = check(box, tmp_path)
    assert result.exit_code == 0, result.output
    assert ("ok   team payments github: repository acme/payments-api has no events feed: "
            "every poll checks its listings (3 free requests, not 1)") in result.stdout.splitlines()


def test_rejected_credentials_and_a_low_budget_say_which_service(
    box: Sandbox, tmp_path: Path
) -> None:
    env = box.env()
    box.jira.revoke_token()
    box.github.set_rate_limit(5, 2_000_000_000)
    result = check(box, tmp_path, env=env)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    jira = [line for line in lines if line.startswith("FAIL jira:")]
    assert len(jira) == 1 and "JIRA_API_TOKEN" in jira[0]
    assert any(line.startswith("FAIL github:") and "a sync now would defer" in line
               for line in lines)
    assert any(line.startswith("ok   slack: reachable") for line in lines)


def test_a_channel_the_bot_is_not_in_fails_naming_the_invite(
    box: Sandbox, tmp_path: Path
) -> None:
    with box.slack.world.lock:
        slack = box.slack.world.slack
        channel = slack.channels[next(c for c, ch in slack.channels.items()
                                      if not ch.is_im and slack.bot_user_id in ch.members)]
        channel.members.discard(slack.bot_user_id)  # someone removed the bot
    result = check(box, tmp_path, edit={"slack": {"channel": channel.id}})
    assert result.exit_code == 1, result.output
    [line] = [x for x in result.stdout.splitlines() if x.startswith("FAIL")]
    assert line == (f"FAIL team payments slack: the bot is not in #{channel.name} "
                    f"({channel.id}), so it cannot post there: /invite @Crosswalk in "
                    f"#{channel.name}")


def test_the_database_is_probed_not_skipped(box: Sandbox, tmp_path: Path) -> None:
    fresh = check(box, tmp_path)
    assert "ok   database: reachable and empty: `crosswalk serve`" in fresh.stdout
    assert "no probe registered" not in fresh.stdout
    migrate.upgrade(f"sqlite:///{tmp_path / 'cw.db'}")
    assert "ok   database: reachable; schema up to date (" in check(box, tmp_path).stdout
    down = check(box, tmp_path, env={"DATABASE_URL": "postgresql+psycopg://u:pw@127.0.0.1:1/x"})
    assert down.exit_code == 1
    [line] = [x for x in down.stdout.splitlines() if x.startswith("FAIL database")]
    assert "Connection refused" in line and "pw" not in line


def test_each_repository_says_what_of_its_releases_the_token_reads(
    box: Sandbox, tmp_path: Path
) -> None:
    result = check(box, tmp_path)
    assert ("ok   team payments github: repository acme/payments-api: pull requests and "
            "releases readable") in result.stdout.splitlines()


def test_a_deployments_team_needs_its_environments_to_exist(
    tmp_path: Path,
) -> None:
    world = shipping.as_deployments(generate("small", seed=3, now=NOW))
    with Sandbox(world) as box:
        good = check(box, tmp_path, edit={"releases": {"source": "deployments",
                                                       "environments": ["Production"]}})
        bad = check(box, tmp_path, edit={"releases": {"source": "deployments",
                                                      "environments": ["prod-eu"]}})
    assert good.exit_code == 0, good.output
    assert ("ok   team payments github: repository acme/payments-api: pull requests and "
            "deployments to production readable") in good.stdout.splitlines()
    assert bad.exit_code == 1, bad.output
    assert ("FAIL team payments github: repository acme/payments-api: GitHub: no environment "
            "prod-eu "
            "in acme/payments-api (it has: production, staging); set releases.environments to"
            " the production ones") in bad.stdout.splitlines()


def test_a_tags_team_is_told_how_many_tags_match(tmp_path: Path) -> None:
    world = shipping.as_tags(generate("small", seed=3, now=NOW))
    with Sandbox(world) as box:
        result = check(box, tmp_path, edit={"releases": {"source": "tags",
                                                         "tag_pattern": r"^v1\.[12]\."}})
        tags = sorted(world.github.repos["acme/payments-api"].tags)
    assert result.exit_code == 0, result.output
    matching = sum(1 for t in tags if t.startswith(("v1.1.", "v1.2.")))
    line = ("ok   team payments github: repository acme/payments-api: pull requests and tags "
            f"readable; {matching} of the first {len(tags)} match tag_pattern")
    assert line in result.stdout.splitlines()


def test_the_bot_tokens_scopes_are_checked_against_what_crosswalk_needs(
    box: Sandbox, tmp_path: Path
) -> None:
    assert ("ok   slack: the bot token has every scope Crosswalk needs"
            in check(box, tmp_path).stdout.splitlines())
    box.world.slack.scopes = ("chat:write", "commands", "channels:read")
    result = check(box, tmp_path)
    assert result.exit_code == 1, result.output
    assert ("FAIL slack: the bot token lacks the scopes channels:history, files:write, "
            "groups:history, groups:read, im:history, im:write, users:read, users:read.email: "
            "add them under OAuth "
            "& Permissions (or recreate the app from config/slack-app-manifest.yaml), then "
            "reinstall the app") in result.stdout.splitlines()


def test_a_token_that_cannot_read_pull_requests_fails_its_repository(
    box: Sandbox, tmp_path: Path
) -> None:
    box.github.fail_next(4, 403, path_prefix="/repos/acme/payments-api/pulls",
                         body={"message": "Resource not accessible by personal access token"})
    result = check(box, tmp_path)
    assert result.exit_code == 1, result.output
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].startswith(
        "FAIL team payments github: repository acme/payments-api: ")


def test_each_jira_project_says_its_search_and_changelog_answer(
    box: Sandbox, tmp_path: Path
) -> None:
    lines = check(box, tmp_path).stdout.splitlines()
    line = next(x for x in lines if x.startswith("ok   team payments jira: project PAY ("))
    assert "readable; search and changelog answer (PAY-" in line and " changes)" in line
    for version in ("2", "3", "latest"):
        box.jira.fail_next(2, 400, path_prefix=f"/rest/api/{version}/search/jql")
    failed = check(box, tmp_path)
    assert failed.exit_code == 1, failed.output
    assert any(x.startswith("FAIL team payments jira: project PAY: ")
               for x in failed.stdout.splitlines())
