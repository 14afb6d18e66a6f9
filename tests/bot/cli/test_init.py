"""``crosswalk init`` against the sandbox: scripted with flags, and as a terminal session.

Either way it writes a config the settings models accept and ``check`` passes; it never
overwrites without ``--force``; a channel the bot is not in fails ``check`` naming the fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli.init import Asker, country_of, propose_workflow
from bot.cli.main import main
from bot.config.env import DESCRIPTIONS
from bot.config.settings import load_settings
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(generate("small", seed=3, now=NOW)) as running:
        yield running


def init(box: Sandbox, path: Path, *args: str, stdin: str | None = None) -> Result:
    env: dict[str, str | None] = {name: None for name in DESCRIPTIONS}
    env.update({**box.env(), "DATABASE_URL": f"sqlite:///{path.parent / 'cw.db'}"})
    return CliRunner().invoke(main, ["--config", str(path), "init", *args], env=env,
                              input=stdin)


def payments_channel(box: Sandbox) -> str:
    team = next(t for t in box.world.teams if t.name == "payments")
    return team.channel_id


def test_init_with_flags_and_yes_writes_a_config_check_accepts(
    box: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "config" / "crosswalk.yaml"
    team = next(t for t in box.world.teams if t.name == "payments")
    result = init(box, path, "--yes", "--team", "payments", "--jira-project", team.jira_project,
                  "--repo", team.repos[0], "--channel", team.channel_id)
    assert result.exit_code == 0, result.output
    assert f"wrote {path}: team payments" in result.output
    assert "FAIL" not in result.output
    settings = load_settings(path)
    written = settings.team("payments")
    assert written.projects == (team.jira_project,) and written.repos == (team.repos[0],)
    assert written.slack.channel == team.channel_id
    workflow = written.workflow
    assert workflow is not None
    # Proposed by category and name from the statuses the project's issues are in.
    assert workflow.handoff == tuple(team.handoff)  # "Ready for Development", by its name
    assert set(workflow.done) <= set(team.done) | {"Done"}
    assert settings.teams["payments"].calendar.timezone == "Europe/London"
    assert yaml.safe_load(path.read_text())["holidays"] == "GB"


def test_init_refuses_to_overwrite_without_force(box: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "crosswalk.yaml"
    path.write_text("# mine\n")
    team = box.world.teams[0]
    args = ("--yes", "--jira-project", team.jira_project, "--channel", team.channel_id)
    refused = init(box, path, *args)
    assert refused.exit_code == 2 and "--force" in refused.output
    assert path.read_text() == "# mine\n"
    forced = init(box, path, *args, "--force")
    assert forced.exit_code == 0, forced.output
    assert path.read_text().startswith("# Written by")


def test_a_scripted_terminal_session_takes_the_answers(box: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "crosswalk.yaml"
    team = next(t for t in box.world.teams if t.name == "payments")
    projects = sorted(box.world.jira.projects)
    answers = [
        str(projects.index(team.jira_project) + 1),  # the project, by its number
        ", ".join(team.handoff),  # handoff statuses, by name
        "",  # returned: the proposal
        team.repos[0],  # repositories
        team.channel_id,  # the channel, by its id
        "Europe/London",  # timezone
        "GB",  # holidays
        "payments",  # team name
    ]
    result = init(box, path, stdin="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "Jira project of the team" in result.output
    settings = load_settings(path)
    assert settings.team("payments").projects == (team.jira_project,)
    assert settings.team("payments").workflow.handoff == tuple(team.handoff)  # type: ignore[union-attr]


def test_a_channel_the_bot_is_not_in_fails_check_naming_the_invite(
    box: Sandbox, tmp_path: Path
) -> None:
    with box.slack.world.lock:
        slack = box.slack.world.slack
        channel = slack.channels[payments_channel(box)]
        channel.members.discard(slack.bot_user_id)
    team = next(t for t in box.world.teams if t.name == "payments")
    result = init(box, tmp_path / "crosswalk.yaml", "--yes", "--jira-project",
                  team.jira_project, "--channel", channel.id)
    assert result.exit_code == 1, result.output
    assert f"/invite @Crosswalk in #{channel.name}" in result.output


def test_with_no_handoff_status_to_propose_it_asks_for_the_flag() -> None:
    statuses = [("Open", "new"), ("Doing", "indeterminate"), ("Shipped", "done")]
    with pytest.raises(Exception, match="--handoff"):
        propose_workflow(statuses, [], [], Asker(yes=True))
    workflow = propose_workflow(statuses, ["Open"], [], Asker(yes=True))
    assert workflow == {"handoff": ["Open"], "started": ["Doing"], "done": ["Shipped"]}


def test_the_timezone_names_its_country() -> None:
    assert country_of("Europe/London") == "GB"
    assert country_of("America/New_York") == "US"
    assert country_of("UTC") is None
