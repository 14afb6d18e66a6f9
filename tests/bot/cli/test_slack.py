"""``crosswalk digest`` and ``crosswalk alerts`` end to end: CLI, SQLite store, Slack sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.config.env import DESCRIPTIONS
from bot.store.repo import Store
from integrations.sandbox.slack.server import SlackServer
from tests.support.digest_world import (
    BOB,
    TOKEN,
    add_pull,
    assert_no_unescaped_markup,
    config,
    new_store,
    pull,
    seed_week,
    top_level,
    utc,
)

ROOT = Path(__file__).resolve().parents[3]
EMPTY: dict[str, str | None] = {name: None for name in DESCRIPTIONS}


@pytest.fixture
def db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    store, url = new_store(tmp_path, tmp_path_factory.getbasetemp())
    seed_week(store)
    yield store, url
    store.engine.dispose()


def write_config(tmp_path: Path, data: dict[str, Any] | None = None) -> str:
    path = tmp_path / "crosswalk.yaml"
    path.write_text(yaml.safe_dump(data or config()), encoding="utf-8")
    return str(path)


def env_for(db_url: str, config_path: str, server: SlackServer | None) -> dict[str, str | None]:
    env: dict[str, str | None] = {**EMPTY, "DATABASE_URL": db_url,
                                  "CROSSWALK_CONFIG": config_path}
    if server is not None:
        env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=f"{server.url}/api/")
    return env


def invoke(env: dict[str, str | None], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_digest_dry_run_prints_block_kit_json_and_posts_nothing(
    db: tuple[Store, str], tmp_path: Path, server: SlackServer,
) -> None:
    store, url = db
    result = invoke(env_for(url, write_config(tmp_path), None),
                    "digest", "--team", "payments", "--week", "2026-W47", "--dry-run")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert (printed["team"], printed["week"]) == ("payments", "2026-W47")
    assert printed["text"].startswith("Crosswalk weekly digest for payments, 2026-W47")
    assert any("*Items delivered:* 1" in json.dumps(b) for b in printed["blocks"])
    assert server.calls("chat.postMessage") == 0
    assert store.digest_entry("payments", "2026-W47") is None


def test_digest_posts_once_and_a_rerun_says_already_posted(
    db: tuple[Store, str], tmp_path: Path, server: SlackServer,
) -> None:
    env = env_for(db[1], write_config(tmp_path), server)
    first = invoke(env, "digest", "--week", "2026-W47")
    assert first.exit_code == 0, first.output
    assert "digest of payments for 2026-W47: posted in C0PAYMENTS" in first.stdout
    assert "with chart" in first.stdout
    second = invoke(env, "digest", "--week", "2026-W47")
    assert second.exit_code == 0 and "already posted" in second.stdout
    assert len(top_level(server)) == 1
    assert_no_unescaped_markup(server)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("digest",), "SLACK_BOT_TOKEN: missing environment variable"),
        (("digest", "--week", "2026-W99", "--dry-run"), "--week: no such ISO week"),
        (("digest", "--team", "nope", "--dry-run"), "no team 'nope'"),
        (("alerts",), "SLACK_BOT_TOKEN: missing environment variable"),
    ],
)
def test_usage_and_config_errors_exit_2_with_one_line_and_no_traceback(
    db: tuple[Store, str], tmp_path: Path, args: tuple[str, ...], message: str,
) -> None:
    result = invoke(env_for(db[1], write_config(tmp_path), None), *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_an_unmigrated_database_exits_1_naming_the_fix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = invoke(env_for(url, write_config(tmp_path), None), "digest", "--dry-run")
    assert result.exit_code == 1
    assert "crosswalk db upgrade" in result.stderr and "Traceback" not in result.stderr


def test_two_concurrent_digest_processes_post_once(
    db: tuple[Store, str], tmp_path: Path, server: SlackServer,
) -> None:
    server.delay_all(0.3)  # each post stays in flight while the other process tries
    env = {k: v for k, v in os.environ.items() if k not in DESCRIPTIONS}
    env.update({k: v for k, v in env_for(db[1], write_config(tmp_path), server).items() if v})
    command = [sys.executable, "-c", "from bot.cli.main import main; main()",
               "digest", "--week", "2026-W47"]
    procs = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    said = sorted(out for out, _ in outputs)
    assert sum("posted in C0PAYMENTS" in s for s in said) == 1, said
    assert len(top_level(server)) == 1
    assert server.calls("chat.postMessage") == 1


def test_alerts_dry_run_prints_what_would_be_sent_and_writes_nothing(
    db: tuple[Store, str], tmp_path: Path, server: SlackServer,
) -> None:
    store, url = db
    add_pull(store, pull(7, "<!here> please", utc(2, 9), requested_reviewers=("dave-gh",)))
    result = invoke(env_for(url, write_config(tmp_path, always_working()), server),
                    "alerts", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "review:acme/api#7 level" in result.stdout  # would_send, or would_hold at night
    assert server.calls("chat.postMessage") == 0
    assert store.alert_entries("review:acme/api#7") == []


def test_alerts_sends_then_sends_nothing_new(
    db: tuple[Store, str], tmp_path: Path, server: SlackServer,
) -> None:
    store, url = db
    add_pull(store, pull(7, "<!here> please", utc(2, 9), requested_reviewers=("dave-gh",)))
    env = env_for(url, write_config(tmp_path, always_working()), server)
    first = invoke(env, "alerts")
    assert first.exit_code == 0, first.output
    [entry] = store.alert_entries("review:acme/api#7")
    assert entry.recipient == BOB
    about_pr = [m for m in server.dms_to(BOB) if "acme/api#7" in m.text]
    assert len(about_pr) == (1 if entry.sent_at else 0)
    second = invoke(env, "alerts")
    assert second.exit_code == 0 and "review:acme/api#7" not in second.stdout
    assert_no_unescaped_markup(server)


def always_working() -> dict[str, Any]:
    """The test config with every day a 00:00–23:59 working day (the CLI reads the clock)."""
    data = config()
    data["working_hours"] = {"start": "00:00", "end": "23:59"}
    data["workdays"] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return data
