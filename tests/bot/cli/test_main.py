"""The ``crosswalk`` command line: help, version, check, db upgrade, errors and exit codes."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from bot import __version__
from bot.cli.main import LAZY_COMMANDS, CrosswalkGroup, main
from bot.config.env import DESCRIPTIONS
from bot.core.errors import ConfigError, IntegrationError

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = str(ROOT / "config" / "crosswalk.example.yaml")
# Every variable unset, so the developer's own environment cannot leak into a test.
EMPTY: dict[str, str | None] = {name: None for name in DESCRIPTIONS}
FULL = {
    **EMPTY,
    "JIRA_URL": "https://acme.atlassian.net",
    "JIRA_EMAIL": "bot@acme.example",
    "JIRA_API_TOKEN": "jira-token-6f1c9e0b",
    "GITHUB_TOKEN": "ghp_0123456789abcdefghijABCDEFGHIJ",
    "SLACK_BOT_TOKEN": "xoxb-1-2-secretsecret",
    "SLACK_SIGNING_SECRET": "signing-secret-77aa",
}
SECRETS = ("jira-token-6f1c9e0b", "ghp_0123456789", "xoxb-1-2-secretsecret", "signing-secret-77aa")


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=EMPTY if env is None else env)


def test_help_lists_each_command_on_one_line() -> None:
    result = run("--help")
    assert result.exit_code == 0
    commands = result.output.split("Commands:")[1].strip().splitlines()
    names = [line.split()[0] for line in commands]
    assert names == sorted({"check", "db", *LAZY_COMMANDS})
    assert all(len(line.split(maxsplit=1)) == 2 for line in commands)  # name and its help


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"crosswalk, version {__version__}"


def test_check_with_empty_env_exits_2_listing_every_missing_variable() -> None:
    result = run("check", "--config", EXAMPLE)
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert "ok   team payments: jira project PAY, 2 repos, channel C0PAYMENTS" in lines
    assert "ok   team growth: jira jql, 1 repo, channel #growth" in lines
    failed = "\n".join(line for line in lines if line.startswith("FAIL"))
    for name in (
        "JIRA_URL",
        "JIRA_EMAIL",
        "JIRA_API_TOKEN",
        "GITHUB_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
    ):
        assert name in failed
    assert "Traceback" not in result.output


def test_check_with_full_env_exits_0_and_says_reachability_is_not_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No probes: the example config points at real hosts (bot/cli/probes.py is tested elsewhere).
    monkeypatch.setattr("bot.cli.check.load_probes", dict)
    result = run("--config", EXAMPLE, "check", env=FULL)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"ok   config {EXAMPLE}: 3 team(s)"
    assert "ok   jira: https://acme.atlassian.net, email + API token" in lines
    assert lines[-1].startswith("skip reachability: not checked: no probe registered yet")
    assert not any(line.startswith("FAIL") for line in lines)
    for secret in SECRETS:
        assert secret not in result.output


def test_config_defaults_to_the_crosswalk_config_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.cli.check.load_probes", dict)  # the example's hosts are not reachable
    result = run("check", env={**FULL, "CROSSWALK_CONFIG": EXAMPLE})
    assert result.exit_code == 0, result.output


def test_check_with_a_broken_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "crosswalk.yaml"
    text = Path(EXAMPLE).read_text(encoding="utf-8")
    broken.write_text(text.replace("handoff_waiting: 2d", "handoff_waiting: soon"), "utf-8")
    result = run("check", "--config", str(broken), env=FULL)
    assert result.exit_code == 2
    assert (
        f"FAIL config {broken}: teams.payments.alerts.handoff_waiting: "
        'expected a duration like "2d", got "soon"'
    ) in result.stdout.splitlines()


def test_check_with_a_missing_config_exits_2(tmp_path: Path) -> None:
    result = run("check", "--config", str(tmp_path / "nope.yaml"), env=FULL)
    assert result.exit_code == 2
    assert "nope.yaml" in result.stdout


def test_malformed_env_exits_2_naming_the_variable() -> None:
    result = run("check", "--config", EXAMPLE, env={**FULL, "PORT": "eighty"})
    assert result.exit_code == 2
    assert "crosswalk: PORT: expected a port number" in result.stderr
    assert "Traceback" not in result.output


def _group_raising(error: Exception) -> click.Group:
    group = CrosswalkGroup(name="crosswalk")

    @group.command("boom")
    def boom() -> None:
        raise error

    return group


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (ConfigError("teams.x.slack: required key is missing"), 2, "teams.x.slack"),
        (IntegrationError("jira", "credentials rejected (JIRA_API_TOKEN)"), 1, "jira: credentials"),
    ],
)
def test_our_errors_become_a_message_and_an_exit_code(
    error: Exception, code: int, message: str
) -> None:
    result = CliRunner().invoke(_group_raising(error), ["boom"])
    assert result.exit_code == code
    assert result.stderr.startswith(f"crosswalk: {message}")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_lazy_commands_are_listed_without_import_and_loaded_on_use() -> None:
    lazy = {"again": ("bot.cli.main:check", "the check, lazily")}
    group = CrosswalkGroup(name="crosswalk", lazy=lazy)
    help_text = CliRunner().invoke(group, ["--help"]).output
    assert "again  the check, lazily" in help_text
    result = CliRunner().invoke(group, ["again", "--help"])
    assert result.exit_code == 0
    assert "Validate the config" in result.output


def test_every_registered_lazy_command_resolves() -> None:
    ctx = click.Context(main)
    for name in LAZY_COMMANDS:
        command = main.get_command(ctx, name)
        assert isinstance(command, click.Command), name


@pytest.mark.skipif(
    importlib.util.find_spec("bot.store.migrate") is None,
    reason="bot/store/migrate.py (the store's upgrade) is not in the tree yet",
)
def test_db_upgrade_migrates_the_database_url(tmp_path: Path) -> None:
    path = tmp_path / "cw.db"
    result = run("db", "upgrade", env={**EMPTY, "DATABASE_URL": f"sqlite:///{path}"})
    assert result.exit_code == 0, result.output
    assert f"database at sqlite:///{path} is up to date" in result.stdout
    with sqlite3.connect(path) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision


def test_installed_script_runs_check_as_a_real_process(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("crosswalk")
    assert script.exists(), "the crosswalk console script is not installed in this venv"
    env = {k: v for k, v in os.environ.items() if k not in DESCRIPTIONS}
    empty = subprocess.run(
        [str(script), "check", "--config", EXAMPLE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert empty.returncode == 2, empty.stderr
    assert "FAIL slack: missing SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in empty.stdout
    # With every variable set, check probes each service: run it against the sandbox.
    from datetime import UTC, datetime

    from integrations.sandbox.generator.organisation import generate
    from integrations.sandbox.runner import Sandbox

    box = Sandbox(generate("small", now=datetime(2026, 11, 23, tzinfo=UTC))).start()
    config = box.write_config(tmp_path / "sandbox.yaml")
    try:
        full = subprocess.run(
            [str(script), "--config", str(config), "check"],
            env={**env, **box.env()},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        box.stop()
    assert full.returncode == 0, full.stdout + full.stderr
    assert "Traceback" not in empty.stderr + full.stderr


HEAVY = ("sqlalchemy", "pydantic", "holidays", "matplotlib", "slack_bolt", "slack_sdk",
         "jira", "github", "httpx", "yaml")


def test_help_imports_none_of_the_heavy_libraries() -> None:
    # `crosswalk --help` lists commands from LAZY_COMMANDS: no store, settings or client.
    script = (
        "import sys\nfrom bot.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "report" in done.stdout and "serve" in done.stdout
